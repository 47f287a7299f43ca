import { sql } from 'kysely';
import type { AppContext } from '../app-context.ts';
import { ID_TIME_MARGIN_MS } from '../ledger/trial-balance.ts';
import { idFloorAt } from '../platform/ids.ts';
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
 * An account's posted balance (credits − debits) as it stood at `atIso`: its balance now less what
 * transfers dated from then on posted to it, as the ledger report closes a period (trial-balance.ts),
 * in one statement, so one state of the database. The account's transfers are read by its indexes,
 * from ids a little before that time (an id's time is taken just after its batch's).
 */
export async function accountBalanceAt(ctx: AppContext, id: string, atIso: string): Promise<bigint> {
  const fromId = idFloorAt('tr', Math.max(0, Date.parse(atIso) - ID_TIME_MARGIN_MS));
  const since = (column: 'debit_account_id' | 'credit_account_id') => sql<bigint>`(select coalesce(sum(t.amount), 0) from ledger_transfers t
    where t.${sql.ref(column)} = a.id and t.id >= ${fromId} and t.created_at >= ${atIso} and t.kind in ('posted', 'post_pending'))`;
  const row = await ctx.store.readDb.selectFrom('ledger_accounts as a')
    .select(['a.credits_posted', 'a.debits_posted', since('credit_account_id').as('credits_since'), since('debit_account_id').as('debits_since')])
    .where('a.id', '=', id).executeTakeFirst();
  if (!row) return 0n;
  return BigInt(row.credits_posted) - BigInt(row.credits_since) - (BigInt(row.debits_posted) - BigInt(row.debits_since));
}
