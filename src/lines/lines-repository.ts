import { sql, type Kysely } from 'kysely';
import type { AppContext } from '../app-context.ts';
import { timeOfId } from '../platform/ids.ts';
import { lineAccountSpecs, lineBonusAccountId, lineMainAccountId } from '../ledger/accounts.ts';
import { previousOnChain } from '../ledger/debits-since.ts';
import { sharedLookup } from '../store/batched-lookup.ts';
import type { Database } from '../store/schema.ts';

/** All SQL about lines (SIM cards) and the reads of their ledger accounts. */
export type LineRow = Database['lines'];

/** The line with this number; concurrent lookups share one query (batched-lookup.ts). */
export async function findLineByMsisdn(ctx: AppContext, msisdn: string): Promise<LineRow | undefined> {
  return sharedLookup(ctx.store, 'lines-by-msisdn', async (msisdns) => {
    const rows = await ctx.store.keyedRows<LineRow>(LINES_BY_NUMBER, msisdns);
    return new Map(rows.map((row) => [row.msisdn, row]));
  })(msisdn);
}

/**
 * Columns named, not `*`: PostgreSQL's named statement would fail once on each pooled connection
 * after a migration adds a column while processes run ("cached plan must not change result type").
 */
const LINE_COLUMNS = 'id, msisdn, iccid, status, valid_until, indexed_valid_until, language, operator, owner_name, daily_topup_date, daily_topup_amount, first_topup_at, last_topup_at, status_changed_at, barred_at, created_at, updated_at';
const LINES_BY_NUMBER = {
  name: 'lines-by-number',
  sqlite: `select ${LINE_COLUMNS} from lines where msisdn in (select value from json_each(?))`,
  postgres: `select ${LINE_COLUMNS} from lines where msisdn = any($1::text[])`,
};

const LINE_IDS_CACHED_MAX = 200_000;
const lineIdsByStore = new WeakMap<object, Map<string, string>>();

/**
 * The id of the line with this number, cached per store for the hot top-up paths. A number moves
 * to another line only after its old line was terminated and quarantined for months (createLine),
 * so a cached id is almost always right; a caller that submits to the ledger checks the loaded
 * line's number and asks again with `fresh` when it moved. Status and balances are never cached.
 */
export async function findLineIdByMsisdn(ctx: AppContext, msisdn: string, options: { fresh?: boolean } = {}): Promise<string | undefined> {
  let cache = lineIdsByStore.get(ctx.store);
  if (!cache) lineIdsByStore.set(ctx.store, cache = new Map());
  const cached = options.fresh ? undefined : cache.get(msisdn);
  if (cached !== undefined) return cached;
  const id = await sharedLookup(ctx.store, 'line-ids-by-msisdn', (msisdns) => lineIdsOf(ctx, msisdns))(msisdn);
  if (id === undefined) return undefined;
  if (cache.size >= LINE_IDS_CACHED_MAX) cache.clear();
  cache.set(msisdn, id);
  return id;
}

/** A plain template, not the query builder: this runs for every top-up (index lines_msisdn_rating covers it). */
async function lineIdsOf(ctx: AppContext, msisdns: string[]): Promise<Map<string, string>> {
  const rows = await ctx.store.keyedRows<{ id: string; msisdn: string }>(LINE_IDS_BY_NUMBER, msisdns);
  return new Map(rows.map((row) => [row.msisdn, row.id]));
}

/** Through the covering index lines_msisdn_rating, named on SQLite (the planner would take the unique index and the table). */
export const LINE_IDS_BY_NUMBER = {
  name: 'line-ids-by-number',
  sqlite: 'select id, msisdn from lines indexed by lines_msisdn_rating where msisdn in (select value from json_each(?))',
  postgres: 'select id, msisdn from lines where msisdn = any($1::text[])',
};

export async function findLineIdByIccid(ctx: AppContext, iccid: string): Promise<string | undefined> {
  return (await ctx.store.readDb.selectFrom('lines').select('id').where('iccid', '=', iccid).executeTakeFirst())?.id;
}

export async function findLineById(ctx: AppContext, id: string): Promise<LineRow | undefined> {
  return ctx.store.readDb.selectFrom('lines').selectAll().where('id', '=', id).executeTakeFirst();
}

/** The separator of a released number: `+77011234567#ln_…` keeps the old line's row unique. */
const RELEASED_SEPARATOR = '#';

/**
 * The latest of a login's lines that gave this number up to a newer line (`number#lineId`): what
 * its subscriber still means by the number, their closed line's history. None: undefined.
 */
export async function findReleasedLineOfUser(ctx: AppContext, userId: string, msisdn: string): Promise<LineRow | undefined> {
  return ctx.store.readDb.selectFrom('lines').selectAll('lines')
    .innerJoin('user_lines', 'user_lines.line_id', 'lines.id').where('user_lines.user_id', '=', userId)
    // A number is + and digits: no LIKE wildcard in it.
    .where('lines.msisdn', 'like', `${msisdn}${RELEASED_SEPARATOR}%`)
    .orderBy('lines.created_at', 'desc').orderBy('lines.id', 'desc').limit(1).executeTakeFirst();
}

/** The number as people know it, also for a line that has given its number to a newer line. */
export function numberOf(line: Pick<LineRow, 'msisdn'>): string {
  return line.msisdn.split(RELEASED_SEPARATOR)[0]!;
}

/**
 * The line and its two balance accounts, in one transaction. With `releasedLineId`, that
 * terminated line first gives up the number (its row keeps it as `number#lineId`, so its history
 * stays readable by id and nobody finds it by number); false when it is no longer terminated
 * with this number (a concurrent create).
 */
export async function insertLine(ctx: AppContext, line: LineRow, releasedLineId?: string): Promise<boolean> {
  return ctx.db.transaction().execute(async (trx) => {
    if (releasedLineId) {
      const released = await trx.updateTable('lines').set({ msisdn: `${line.msisdn}${RELEASED_SEPARATOR}${releasedLineId}`, updated_at: line.created_at })
        .where('id', '=', releasedLineId).where('msisdn', '=', line.msisdn).where('status', '=', 'terminated').executeTakeFirst();
      if (Number(released.numUpdatedRows) !== 1) return false;
    }
    await trx.insertInto('lines').values(line).execute();
    await trx.insertInto('ledger_accounts').values(lineAccountSpecs(line.id).map((spec) => ({
      id: spec.id, unit: spec.unit, kind: spec.kind, owner_id: spec.ownerId ?? null, flags: spec.flags ?? 0n,
      debits_posted: 0n, credits_posted: 0n, debits_pending: 0n, credits_pending: 0n, expires_at: null, metadata: null,
      created_at: line.created_at,
    }))).execute();
    return true;
  });
}

export interface LineFilter {
  limit: number;
  after: string | null;
  status?: string;
  ownerUserId?: string;
}

export async function listLines(ctx: AppContext, filter: LineFilter): Promise<LineRow[]> {
  let query = ctx.store.readDb.selectFrom('lines').selectAll('lines').orderBy('lines.id').limit(filter.limit);
  if (filter.after) query = query.where('lines.id', '>', filter.after);
  if (filter.status) query = query.where('lines.status', '=', filter.status);
  if (filter.ownerUserId) {
    query = query.innerJoin('user_lines', 'user_lines.line_id', 'lines.id').where('user_lines.user_id', '=', filter.ownerUserId);
  }
  return query.execute();
}

/**
 * Whether a line is one of a list's (every line, or a login's own): what a page's cursor must be.
 * Not by status, which may have changed since the page before was read.
 */
export async function isListedLine(ctx: AppContext, id: string, ownerUserId?: string): Promise<boolean> {
  let query = ctx.store.readDb.selectFrom('lines').select('lines.id').where('lines.id', '=', id);
  if (ownerUserId) {
    query = query.innerJoin('user_lines', 'user_lines.line_id', 'lines.id').where('user_lines.user_id', '=', ownerUserId);
  }
  return (await query.executeTakeFirst()) !== undefined;
}

export interface Balances {
  main: bigint;
  bonus: bigint;
}

/**
 * Each line's balances. Requests read on the store's reader; a job passes `ctx.db` (on SQLite the
 * main thread's reader serves requests, not jobs' pages of hundreds of lines).
 */
export async function balancesOf(ctx: AppContext, lineIds: string[], db: Kysely<Database> = ctx.store.readDb): Promise<Map<string, Balances>> {
  const result = new Map<string, Balances>();
  if (lineIds.length === 0) return result;
  const ids = lineIds.flatMap((id) => [lineMainAccountId(id), lineBonusAccountId(id)]);
  const rows = await db.selectFrom('ledger_accounts').selectAll().where('id', 'in', ids).execute();
  for (const lineId of lineIds) result.set(lineId, { main: 0n, bonus: 0n });
  for (const row of rows) {
    const balances = result.get(row.owner_id!)!;
    const available = BigInt(row.credits_posted) - BigInt(row.debits_posted) - BigInt(row.debits_pending);
    if (row.kind === 'line_main') balances.main = available;
    else if (row.kind === 'line_bonus') balances.bonus = available;
  }
  return result;
}

/**
 * Transfers touching any of the line's accounts, newest first (ids sort by time), `limit` of them
 * before the cursor (a transfer id). Each account's transfers are a chain (migration 021): the
 * account names its newest, each transfer the one before it on each of its two accounts. One query
 * reads the line's accounts' heads; then the chains are walked newest first, each in one recursive
 * query, and a chain whose newest possible entry is below a full page is not walked at all. A
 * chain that holds the cursor's transfer is walked from there; any other chain from its head,
 * passing over the entries at or after the cursor. A line's whole history is never read for a page.
 * A chain is in id order: a transfer's id is made greater than its accounts' newest (nextAfter in
 * src/platform/ids.ts), even when another process with a clock ahead wrote those. Undefined when
 * the cursor is no transfer of this line's.
 */
export async function listLineTransfers(ctx: AppContext, lineId: string, limit: number, before: string | null): Promise<Database['ledger_transfers'][] | undefined> {
  const db = ctx.store.readDb;
  const [heads, cursor] = await Promise.all([
    db.selectFrom('ledger_accounts').select(['id', 'last_transfer_id', 'created_at']).where('owner_id', '=', lineId).where('last_transfer_id', 'is not', null).execute(),
    before === null ? undefined : db.selectFrom('ledger_transfers')
      .select(['debit_account_id', 'credit_account_id', 'debit_previous_id', 'credit_previous_id', 'created_at']).where('id', '=', before).executeTakeFirst(),
  ]);
  if (before !== null && !heads.some((account) => account.id === cursor?.debit_account_id || account.id === cursor?.credit_account_id)) return undefined;
  // An account made after the cursor's transfer has nothing below it: a line's every package adds
  // bucket accounts, and walking each of their chains made a deep page of a line with 1,000 packs
  // ~1,000 queries. The cursor's time is the later of its stamp and the time in its id (an id is
  // pushed past the ids before it on its accounts, nextAfter in src/platform/ids.ts, when another
  // process's clock runs ahead); an account's transfers never carry an id time before the account
  // was made, up to the skew between processes' clocks, which the margin is far beyond.
  const cursorMs = cursor ? Math.max(Date.parse(cursor.created_at), timeOfId(before!) ?? 0) : null;
  const madeAfterCursor = cursorMs === null ? null : new Date(cursorMs + CLOCK_SKEW_MARGIN_MS).toISOString();
  const chains = heads.filter((account) => madeAfterCursor === null || account.created_at <= madeAfterCursor).flatMap(({ id: account, last_transfer_id: head }) => {
    // Where to start this account's walk, and the newest id it can yield (chains are in id order).
    const afterCursor = cursor?.debit_account_id === account ? cursor.debit_previous_id : cursor?.credit_account_id === account ? cursor.credit_previous_id : undefined;
    if (afterCursor !== undefined) return afterCursor === null ? [] : [{ account, start: afterCursor, newest: afterCursor }];
    return [{ account, start: head!, newest: before !== null && head! >= before ? before : head! }];
  }).sort((a, b) => (a.newest < b.newest ? 1 : -1));
  let page: Database['ledger_transfers'][] = [];
  for (const chain of chains) {
    if (page.length >= limit && chain.newest < page[limit - 1]!.id) break;
    const seen = new Set(page.map((row) => row.id));
    // A transfer between two of the line's accounts is on both chains: kept once.
    const rows = (await chainBelow(ctx, chain.account, chain.start, before, limit)).filter((row) => !seen.has(row.id));
    page = [...page, ...rows].sort((a, b) => (a.id < b.id ? 1 : -1)).slice(0, limit);
  }
  return page;
}

/** Beyond any skew between the clocks of processes that stamp accounts and transfers. */
const CLOCK_SKEW_MARGIN_MS = 10 * 60_000;

/** Up to `limit` transfers of one account's chain from `start` on, below `before`, newest first: one recursive query. */
async function chainBelow(ctx: AppContext, account: string, start: string, before: string | null, limit: number): Promise<Database['ledger_transfers'][]> {
  const below = before === null ? sql`1` : sql`case when t.id < ${before} then 1 else 0 end`;
  const previous = previousOnChain(account);
  const result = await sql<Database['ledger_transfers']>`
    with recursive chain (id, previous_id, below) as (
      select t.id, ${previous}, ${below} from ledger_transfers t where t.id = ${start}
      union all
      select t.id, ${previous}, chain.below + ${below} from chain join ledger_transfers t on t.id = chain.previous_id where chain.below < ${limit}
    )
    select t.* from chain join ledger_transfers t on t.id = chain.id
    ${before === null ? sql`` : sql`where t.id < ${before}`}
    order by t.id desc limit ${limit}`.execute(ctx.store.readDb);
  return result.rows;
}

export async function accountKindsOf(ctx: AppContext, ids: string[]): Promise<Map<string, { kind: string; ownerId: string | null }>> {
  if (ids.length === 0) return new Map();
  const rows = await ctx.store.readDb.selectFrom('ledger_accounts').select(['id', 'kind', 'owner_id']).where('id', 'in', ids).execute();
  return new Map(rows.map((r) => [r.id, { kind: r.kind, ownerId: r.owner_id }]));
}
