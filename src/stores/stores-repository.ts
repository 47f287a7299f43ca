import { sql } from 'kysely';
import type { AppContext } from '../app-context.ts';
import { ID_TIME_MARGIN_MS, idFloorAt } from '../platform/ids.ts';
import { chainBack } from '../ledger/debits-since.ts';
import type { AccountSpec } from '../ledger/accounts.ts';
import type { Database } from '../store/schema.ts';

/** All SQL of operator stores and their counters. */
export type StoreRow = Database['stores'];

export async function insertStore(ctx: AppContext, row: StoreRow, accounts: AccountSpec[]): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    await trx.insertInto('stores').values(row).execute();
    await trx.insertInto('ledger_accounts').values(accounts.map((spec) => ({
      id: spec.id, unit: spec.unit, kind: spec.kind, owner_id: spec.ownerId ?? null, flags: spec.flags ?? 0n, debits_posted: 0n,
      credits_posted: 0n, debits_pending: 0n, credits_pending: 0n, expires_at: null, metadata: null, created_at: row.created_at,
    }))).execute();
  });
}

export async function findStore(ctx: AppContext, id: string): Promise<StoreRow | undefined> {
  return ctx.store.readDb.selectFrom('stores').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function updateStoreRow(ctx: AppContext, id: string, changes: Partial<Pick<StoreRow, 'name' | 'active'>>): Promise<void> {
  await ctx.db.updateTable('stores').set(changes).where('id', '=', id).execute();
}

export async function findStoreIdOfClerk(ctx: AppContext, userId: string): Promise<string | null> {
  return (await ctx.store.readDb.selectFrom('store_clerks').select('store_id').where('user_id', '=', userId).executeTakeFirst())?.store_id ?? null;
}

export async function upsertStoreClerk(ctx: AppContext, userId: string, storeId: string): Promise<void> {
  await ctx.db.insertInto('store_clerks').values({ user_id: userId, store_id: storeId, created_at: ctx.clock.now().toISOString() })
    .onConflict((c) => c.column('user_id').doUpdateSet({ store_id: storeId })).execute();
}

export async function insertIdentification(ctx: AppContext, row: Database['identifications']): Promise<void> {
  await ctx.db.insertInto('identifications').values(row).execute();
}

export async function findIdentification(ctx: AppContext, id: string) {
  return ctx.store.readDb.selectFrom('identifications').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function storeTopUpsBetween(ctx: AppContext, storeId: string, fromIso: string, toIso: string) {
  return ctx.store.readDb.selectFrom('store_topups').selectAll().where('store_id', '=', storeId)
    .where('created_at', '>=', fromIso).where('created_at', '<', toIso).orderBy('created_at').execute();
}

/**
 * An account's posted balance (credits − debits) as it stood at `atIso`, as the ledger report closes
 * a period (trial-balance.ts): its balance now less what transfers dated from then on posted to it.
 * Those are found by walking the account's chain (migration 021) back from the head read with the
 * balance, so the cost is the account's own movements since (a store's sales), and the two reads
 * agree whatever commits between them. The walk goes a little before `atIso` (an id's time is
 * taken just after its batch's).
 */
export async function accountBalanceAt(ctx: AppContext, id: string, atIso: string): Promise<bigint> {
  const account = await ctx.store.readDb.selectFrom('ledger_accounts').select(['credits_posted', 'debits_posted', 'last_transfer_id'])
    .where('id', '=', id).executeTakeFirst();
  if (!account) return 0n;
  const now = BigInt(account.credits_posted) - BigInt(account.debits_posted);
  const fromId = idFloorAt('tr', Math.max(0, Date.parse(atIso) - ID_TIME_MARGIN_MS));
  if (account.last_transfer_id === null || account.last_transfer_id < fromId) return now;
  const { rows } = await sql<{ credits: bigint | string; debits: bigint | string }>`
    with recursive ${chainBack(id, account.last_transfer_id, fromId, true)}
    select coalesce(sum(case when t.credit_account_id = ${id} then t.amount else 0 end), 0) as credits,
      coalesce(sum(case when t.debit_account_id = ${id} then t.amount else 0 end), 0) as debits
    from chain join ledger_transfers t on t.id = chain.id
    where t.created_at >= ${atIso} and t.kind in ('posted', 'post_pending')`.execute(ctx.store.readDb);
  const since = rows[0]!;
  return now - (BigInt(since.credits) - BigInt(since.debits));
}
