import type { AppContext } from '../app-context.ts';
import type { Actor } from '../auth/actor.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { storeIdOfCashAccount } from './store-accounts.ts';
import { findStore, findStoreIdOfClerk, type StoreRow } from './stores-repository.ts';

/**
 * A clerk of a closed store is refused (store_inactive) wherever a clerk moves money, changes a
 * line or reads one (or a receipt), not only at the counter routes (docs/agents-stores-vouchers.md:
 * "its clerks … move nothing"). Null for every other role, and for a clerk linked to no store (head-office staff).
 */
export async function closedStoreRefusal(ctx: AppContext, actor: Actor): Promise<Result<never> | null> {
  if (actor.role !== 'clerk') return null;
  const store = await storeOfActor(ctx, actor);
  return !store.ok && store.error.code === 'store_inactive' ? store : null;
}

/** The store a counter caller works at: a clerk user linked in store_clerks, or a clerk key funded by cash:<store>. */
export async function storeOfActor(ctx: AppContext, actor: Actor): Promise<Result<StoreRow>> {
  if (actor.role !== 'clerk') return fail('forbidden', { requiredRoles: ['clerk'] });
  const storeId = actor.kind === 'api_key' ? storeIdOfCashAccount(actor.sourceAccountId) : await findStoreIdOfClerk(ctx, actor.id);
  if (!storeId) return fail('clerk_not_linked');
  const store = await findStore(ctx, storeId);
  if (!store) return fail('clerk_not_linked');
  if (Number(store.active) !== 1) return fail('store_inactive');
  return ok(store);
}
