import type { Kysely } from 'kysely';
import type { AppContext } from '../app-context.ts';
import type { Database } from '../store/schema.ts';
import { scheduleOf, type LifecycleRules } from './lifecycle-rules.ts';

/** All SQL of the line lifecycle: due lines, a line's buckets, quarantine, status history. */
export type DueLine = Pick<Database['lines'], 'id' | 'msisdn' | 'status' | 'valid_until'>;

/**
 * Lines that may have a lifecycle step due at `now`, earliest first: those whose indexed validity
 * end plus the offset of their status has passed, through the (status, indexed_valid_until, id) index (migration 023).
 * The indexed validity may lag behind the real one (a top-up leaves it), so a line found here may
 * not be due: the caller checks its real validity and catches the index up.
 */
export async function findDueLines(ctx: AppContext, now: Date, rules: LifecycleRules, limit: number): Promise<DueLine[]> {
  // Shift `now` back by each status's offset so that every comparison is indexed_valid_until <= bound.
  const back = scheduleOf(now, { graceDays: -rules.graceDays, suspendedDays: -rules.suspendedDays });
  // One range of the index per status, merged here: as one query with an OR of the three,
  // PostgreSQL scanned the whole table (~150 ms a run at 300,000 lines, with nothing due).
  const dueIn = (status: string, bound: Date) => ctx.db.selectFrom('lines').select(['id', 'msisdn', 'status', 'valid_until', 'indexed_valid_until'])
    .where('status', '=', status).where('indexed_valid_until', '<=', bound.toISOString())
    .orderBy('indexed_valid_until').orderBy('id').limit(limit).execute();
  const found = (await Promise.all([dueIn('active', back.graceAt), dueIn('grace', back.suspendedAt), dueIn('suspended', back.terminatedAt)])).flat();
  found.sort((a, b) => a.indexed_valid_until! < b.indexed_valid_until! ? -1 : a.indexed_valid_until! > b.indexed_valid_until! ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  return found.slice(0, limit).map(({ indexed_valid_until: _copy, ...line }) => line);
}

/**
 * Ids after `afterId`, in order, of lines whose lifecycle index copy of their validity is missing
 * or ahead of it (a full scan: for `tolem lifecycle reindex` and `tolem ledger verify`, not for jobs).
 */
export async function linesOffTheLifecycleIndex(db: Kysely<Database>, afterId: string, limit: number) {
  return db.selectFrom('lines').select(['id', 'valid_until', 'indexed_valid_until'])
    .where('id', '>', afterId).where('valid_until', 'is not', null)
    .where((eb) => eb.or([eb('indexed_valid_until', 'is', null), eb('indexed_valid_until', '>', eb.ref('valid_until'))]))
    .orderBy('id').limit(limit).execute();
}

/**
 * The ids of a line's bucket accounts (packages' allowances) that still hold units, to lock them
 * for forfeiture; an empty bucket has nothing to forfeit. A bucket is credited only in the command
 * that creates it (no pending transfers touch buckets), so one found empty here is still empty
 * when termination runs, and every unit left is forfeited as before. Years of used-up and expired
 * buckets are no longer each locked and loaded by the termination command.
 */
export async function bucketAccountIdsOf(ctx: AppContext, lineId: string): Promise<string[]> {
  const rows = await ctx.db.selectFrom('ledger_accounts').select('id').where('owner_id', '=', lineId).where('kind', '=', 'bucket')
    .where((eb) => eb('credits_posted', '>', eb('debits_posted', '+', eb.ref('debits_pending')))).execute();
  return rows.map((r) => r.id);
}

/** The latest quarantine end of a number, when it is still in the future. */
export async function quarantineEndOf(ctx: AppContext, msisdn: string, now: Date): Promise<string | null> {
  const row = await ctx.db.selectFrom('number_quarantine').select('quarantined_until')
    .where('msisdn', '=', msisdn).where('quarantined_until', '>', now.toISOString())
    .orderBy('quarantined_until', 'desc').limit(1).executeTakeFirst();
  return row?.quarantined_until ?? null;
}

export async function listLineEvents(ctx: AppContext, lineId: string) {
  return ctx.db.selectFrom('line_events').selectAll().where('line_id', '=', lineId).orderBy('id').execute();
}
