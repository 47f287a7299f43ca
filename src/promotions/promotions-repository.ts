import { sql } from 'kysely';
import type { AppContext } from '../app-context.ts';
import { inChunks } from '../store/in-chunks.ts';
import { BONUS_KEY_PREFIX, GRANTED_KEY_SUFFIX } from './top-up-bonus.ts';
import { sharedLookup } from '../store/batched-lookup.ts';
import type { PromotionTable } from '../packages/packages-tables.ts';

/** All SQL of promotions. */
export async function findPromotionByCode(ctx: AppContext, code: string): Promise<PromotionTable | undefined> {
  return ctx.store.readDb.selectFrom('promotions').selectAll().where('code', '=', code).executeTakeFirst();
}

/**
 * Automatic promotions (no code) whose window contains `now`. Requests asking at the same moment
 * share one query, keyed by the instant, so each still sees the window at its own `now`.
 */
export async function listAutomaticPromotions(ctx: AppContext, now: Date): Promise<PromotionTable[]> {
  const found = await sharedLookup(ctx.store, 'automatic-promotions', async (instants) => {
    const earliest = instants.reduce((a, b) => (a < b ? a : b));
    const latest = instants.reduce((a, b) => (a > b ? a : b));
    const rows = await ctx.store.readDb.selectFrom('promotions').selectAll().where('code', 'is', null)
      .where('starts_at', '<=', latest).where('ends_at', '>', earliest).orderBy('id').execute();
    return new Map(instants.map((at) => [at, rows.filter((row) => row.starts_at <= at && row.ends_at > at)]));
  })(now.toISOString());
  return found ?? [];
}

/** Promotions in id order (oldest first), after the cursor. */
export async function listPromotions(ctx: AppContext, limit: number, after: string | null): Promise<PromotionTable[]> {
  let query = ctx.db.selectFrom('promotions').selectAll().orderBy('id').limit(limit);
  if (after) query = query.where('id', '>', after);
  return query.execute();
}

/** Inserts a promotion; false when its code is taken. */
export async function insertPromotion(ctx: AppContext, row: PromotionTable): Promise<boolean> {
  try {
    await ctx.db.insertInto('promotions').values(row).execute();
    return true;
  } catch (error) {
    if (ctx.store.dialect.isUniqueViolation(error)) return false;
    throw error;
  }
}


/** Expired grants the bonus expiry job has not examined yet, earliest expiry first (index bonus_grants_unexamined). */
export async function findUnexaminedExpiredGrants(ctx: AppContext, now: string, limit: number): Promise<{ id: string; line_id: string }[]> {
  return ctx.db.selectFrom('bonus_grants').select(['id', 'line_id']).where('expiry_examined_at', 'is', null).where('expires_at', '<=', now)
    .orderBy('expires_at').orderBy('id').limit(limit).execute();
}

/**
 * Each line's total of grants expired by `now` (take-backs are negative grants), through
 * bonus_grants_line, with the line's granted total (counter `bonus:<line>:granted`) read in the
 * same statement, so that the two agree: a grant or take-back committed after it shows as a
 * different granted total when the job's command reads the counter under lock.
 */
export async function sumExpiredGrants(ctx: AppContext, lineIds: string[], now: string): Promise<Map<string, { expired: bigint; granted: bigint }>> {
  // Summed first, then each line's counter looked up once, in the same statement (one snapshot):
  // joined on its computed key before grouping, PostgreSQL could hash-join the whole counters table.
  const rows = await inChunks(lineIds, (chunk) => ctx.db
    .selectFrom((db) => db.selectFrom('bonus_grants').select(['line_id', (eb) => eb.fn.sum<bigint>('amount').as('expired')])
      .where('line_id', 'in', chunk).where('expires_at', '<=', now).groupBy('line_id').as('s'))
    .select(['s.line_id', 's.expired', (eb) => eb.selectFrom('counters').select('value')
      .where('key', '=', sql<string>`${BONUS_KEY_PREFIX} || s.line_id || ${GRANTED_KEY_SUFFIX}`).as('granted')])
    .execute());
  return new Map(rows.map((row) => [row.line_id, { expired: BigInt(row.expired), granted: BigInt(row.granted ?? 0) }]));
}

/** Records that the bonus expiry job has examined these grants. */
export async function markGrantsExamined(ctx: AppContext, ids: string[], now: string): Promise<void> {
  await inChunks(ids, async (chunk) => { await ctx.db.updateTable('bonus_grants').set({ expiry_examined_at: now }).where('id', 'in', chunk).execute(); });
}

/** The bonus a top-up earned, if any (the positive grant; take-backs are negative rows). */
export async function findBonusGrantOfTopUp(ctx: AppContext, topupId: string) {
  return ctx.store.readDb.selectFrom('bonus_grants').select(['id', 'line_id', 'topup_id', 'amount', 'expires_at', 'created_at']).where('topup_id', '=', topupId).where('amount', '>', 0n).executeTakeFirst();
}

/**
 * The line's grants (take-backs included) spent no later than `grant`, itself and its own
 * take-backs too: bonus is spent oldest first (by expiry, then, for grants of one instant, as they
 * were made), so what the balance holds beyond the grants after it is what is left of this one.
 */
export async function bonusGrantedUpTo(ctx: AppContext, grant: NonNullable<Awaited<ReturnType<typeof findBonusGrantOfTopUp>>>): Promise<bigint> {
  const upTo = await ctx.store.readDb.selectFrom('bonus_grants').select((eb) => eb.fn.sum<bigint | string | number>('amount').as('total'))
    .where('line_id', '=', grant.line_id)
    .where((eb) => eb.or([
      eb('topup_id', '=', grant.topup_id),
      eb('expires_at', '<', grant.expires_at),
      eb.and([eb('expires_at', '=', grant.expires_at), eb.or([eb('created_at', '<', grant.created_at), eb.and([eb('created_at', '=', grant.created_at), eb('id', '<=', grant.id)])])]),
    ])).executeTakeFirst();
  return BigInt(upTo?.total ?? 0);
}

/**
 * A line's grants expired by `now` that the expiry job has not examined yet (its run after they
 * expired has not come: a minute, hours after the jobs were down). Through bonus_grants_line
 * (line_id, expires_at); one statement prepared once, on the request path's reader. Every purchase
 * asks, so the requests of one turn of the event loop share the statement: it reads up to the
 * latest of their instants, and each gets only its line's grants expired by its own `now`.
 */
export async function findUnexaminedExpiredGrantsOf(ctx: AppContext, lineId: string, now: string): Promise<{ id: string }[]> {
  const found = await sharedLookup(ctx.store, 'unexamined-expired-grants', async (keys) => {
    const asked = keys.map((key) => key.split(' ') as [lineId: string, now: string]);
    const latest = asked.reduce((max, [, at]) => (at > max ? at : max), asked[0]![1]);
    const rows = await ctx.store.keyedRows<{ id: string; line_id: string; expires_at: string }>(UNEXAMINED_EXPIRED_GRANTS_OF_LINES, [...new Set(asked.map(([line]) => line))], latest);
    return new Map(keys.map((key, index) => {
      const [line, at] = asked[index]!;
      return [key, rows.filter((row) => row.line_id === line && row.expires_at <= at).map((row) => ({ id: row.id }))];
    }));
  })(`${lineId} ${now}`);
  return found ?? [];
}

/** Of these lines, those holding grants expired by `now` that the expiry job has not examined yet: one statement for a page of lines. */
export async function linesWithUnexaminedExpiredGrants(ctx: AppContext, lineIds: readonly string[], now: string): Promise<Set<string>> {
  if (lineIds.length === 0) return new Set();
  return new Set((await ctx.store.keyedRows<{ line_id: string }>(LINES_WITH_UNEXAMINED_EXPIRED_GRANTS, lineIds as string[], now)).map((row) => row.line_id));
}

const LINES_WITH_UNEXAMINED_EXPIRED_GRANTS = {
  name: 'promotions-lines-with-unexamined-expired-grants',
  sqlite: 'select distinct line_id from bonus_grants where line_id in (select value from json_each(?)) and expires_at <= ? and expiry_examined_at is null',
  postgres: 'select distinct line_id from bonus_grants where line_id = any($1::text[]) and expires_at <= $2 and expiry_examined_at is null',
};

const UNEXAMINED_EXPIRED_GRANTS_OF_LINES = {
  name: 'promotions-unexamined-expired-grants',
  sqlite: 'select id, line_id, expires_at from bonus_grants where line_id in (select value from json_each(?)) and expires_at <= ? and expiry_examined_at is null',
  postgres: 'select id, line_id, expires_at from bonus_grants where line_id = any($1::text[]) and expires_at <= $2 and expiry_examined_at is null',
};
