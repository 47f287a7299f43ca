import type { AppContext } from '../app-context.ts';
import { requireRole, type Actor } from '../auth/actor.ts';
import { findUserById, insertAudit } from '../auth/auth-repository.ts';
import { createApiKey } from '../auth/create-api-key.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { storeCashAccountId } from './store-accounts.ts';
import { findStore, upsertStoreClerk } from './stores-repository.ts';

/** Links a clerk user to a store, or creates a clerk API key whose source account is the store's till. */
export async function linkStoreClerk(ctx: AppContext, actor: Actor, storeId: string, input: { userId?: string; apiKeyName?: string }): Promise<Result<{ storeId: string; userId: string | null; apiKey: { id: string; key: string } | null }>> {
  const denied = requireRole(actor, ['admin']);
  if (denied) return denied as Result<never>;
  if ((input.userId === undefined) === (input.apiKeyName === undefined)) return fail('validation_failed', { reason: 'give exactly one of userId, apiKeyName' });
  const store = await findStore(ctx, storeId);
  if (!store) return fail('store_not_found');
  if (input.userId !== undefined) {
    const user = await findUserById(ctx, input.userId);
    if (!user) return fail('user_not_found');
    if (user.role !== 'clerk') return fail('validation_failed', { field: 'userId', reason: 'the user must have role clerk' });
    await upsertStoreClerk(ctx, user.id, store.id);
    await insertAudit(ctx, actor, 'store.link_clerk', store.id, { userId: user.id });
    return ok({ storeId: store.id, userId: user.id, apiKey: null });
  }
  const key = await createApiKey(ctx, actor, { name: input.apiKeyName!, role: 'clerk', sourceAccountId: storeCashAccountId(store.id) });
  if (!key.ok) return key;
  return ok({ storeId: store.id, userId: null, apiKey: { id: key.value.id, key: key.value.key } });
}
