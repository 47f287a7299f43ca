import type { AppContext } from '../app-context.ts';

/** All SQL of the reminders (src/reminders): what ends soon, and the once-only record of each reminder. */

export interface EndingLine { id: string; msisdn: string; language: string; valid_until: string; indexed_valid_until: string }
export interface EndingPeriod { id: string; package_id: string; line_id: string; period: bigint; expires_at: string; offering_code: string; auto_renew: bigint; msisdn: string; language: string; status: string; valid_until: string | null }
/** Where a page of a keyset scan ended: its last row's time and id. */
export interface After { at: string; id: string }

/**
 * Active lines whose validity ends in (now, horizon], through the lifecycle index (status,
 * indexed_valid_until, id) in its order: its copy is never later than the real validity, so every such line is
 * in the index's range; lines found there whose real validity is later (a top-up left the copy
 * behind) are filtered out by the database.
 */
export async function linesEndingBetween(ctx: AppContext, now: string, horizon: string, after: After | null, limit: number): Promise<EndingLine[]> {
  return await linesEndingQuery(ctx, now, horizon, after, limit).execute() as EndingLine[];
}

/** The query of linesEndingBetween, for its plan to be checked (reminders.test.ts). */
export function linesEndingQuery(ctx: AppContext, now: string, horizon: string, after: After | null, limit: number) {
  let query = ctx.db.selectFrom('lines').select(['id', 'msisdn', 'language', 'valid_until', 'indexed_valid_until'])
    .where('status', '=', 'active').where('indexed_valid_until', '<=', horizon)
    .where('valid_until', '>', now).where('valid_until', '<=', horizon);
  query = after
    ? query.where((eb) => eb(eb.refTuple('indexed_valid_until', 'id'), '>', eb.tuple(after.at, after.id)))
    : query.where('indexed_valid_until', 'is not', null);
  return query.orderBy('indexed_valid_until').orderBy('id').limit(limit);
}

/**
 * Package periods ending in (now, horizon] that are their package's last (no later period was
 * bought or renewed into), of lines not terminated, through package_periods_renewal_unexamined.
 */
export async function periodsEndingBetween(ctx: AppContext, now: string, horizon: string, after: After | null, limit: number): Promise<EndingPeriod[]> {
  return await periodsEndingQuery(ctx, now, horizon, after, limit).execute() as EndingPeriod[];
}

/** The query of periodsEndingBetween, for its plan to be checked (reminders.test.ts). */
export function periodsEndingQuery(ctx: AppContext, now: string, horizon: string, after: After | null, limit: number) {
  let query = ctx.db.selectFrom('package_periods as pp')
    .innerJoin('packages as p', 'p.id', 'pp.package_id')
    .innerJoin('lines as l', 'l.id', 'pp.line_id')
    .select(['pp.id', 'pp.package_id', 'pp.line_id', 'pp.period', 'pp.expires_at', 'p.offering_code', 'p.auto_renew', 'l.msisdn', 'l.language', 'l.status', 'l.valid_until'])
    .where('pp.expires_at', '<=', horizon).where('l.status', '!=', 'terminated')
    .where((eb) => eb.not(eb.exists(eb.selectFrom('package_periods as later').select('later.id')
      .whereRef('later.package_id', '=', 'pp.package_id').whereRef('later.period', '>', 'pp.period'))));
  // A period still to end has not been examined by the renewal job (it marks periods once they
  // have ended): the partial index package_periods_renewal_unexamined (expires_at, id) holds every
  // one, and reads the range in order.
  query = query.where('pp.renewal_examined_at', 'is', null);
  query = after
    ? query.where((eb) => eb(eb.refTuple('pp.expires_at', 'pp.id'), '>', eb.tuple(after.at, after.id)))
    : query.where('pp.expires_at', '>', now);
  return query.orderBy('pp.expires_at').orderBy('pp.id').limit(limit);
}

export interface Reminder { key: string; lineId: string; topic: string; remindFor: string; payload: Record<string, unknown> }

/**
 * Records each reminder and writes its outbox event, in one transaction, for the first `limit` of
 * those not recorded before (the key is the primary key: of several processes, or of a run
 * repeated, one writes it). Returns how many went out.
 */
export async function sendReminders(ctx: AppContext, reminders: Reminder[], limit: number): Promise<number> {
  if (reminders.length === 0 || limit <= 0) return 0;
  const now = ctx.clock.now().toISOString();
  return ctx.db.transaction().execute(async (trx) => {
    const known = new Set((await trx.selectFrom('reminders').select('key').where('key', 'in', reminders.map((r) => r.key)).execute()).map((row) => row.key));
    const due = reminders.filter((r) => !known.has(r.key)).slice(0, limit);
    if (due.length === 0) return 0;
    const recorded = await trx.insertInto('reminders')
      .values(due.map((r) => ({ key: r.key, line_id: r.lineId, topic: r.topic, remind_for: r.remindFor, created_at: now })))
      .onConflict((oc) => oc.column('key').doNothing())
      .returning('key').execute();
    const fresh = new Set(recorded.map((row) => row.key));
    const events = due.filter((r) => fresh.has(r.key)).map((r) => ({
      id: ctx.ids.next('evt'), topic: r.topic, payload: JSON.stringify(r.payload), created_at: now, available_at: now, attempts: 0n, processed_at: null, last_error: null,
    }));
    if (events.length > 0) await trx.insertInto('outbox').values(events).execute();
    return events.length;
  });
}

/** Deletes at most `limit` reminders whose end passed before `before`: they can no longer repeat. */
export async function deletePastReminders(ctx: AppContext, before: string, limit: number): Promise<number> {
  const result = await ctx.db.deleteFrom('reminders')
    .where('key', 'in', (eb) => eb.selectFrom('reminders').select('key').where('remind_for', '<', before).orderBy('remind_for').limit(limit))
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}

