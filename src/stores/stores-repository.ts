import type { AppContext } from '../app-context.ts';
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

export async function accountBalance(ctx: AppContext, id: string): Promise<bigint> {
  const row = await ctx.store.readDb.selectFrom('ledger_accounts').selectAll().where('id', '=', id).executeTakeFirst();
  return row ? BigInt(row.credits_posted) - BigInt(row.debits_posted) : 0n;
}
