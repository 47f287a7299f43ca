import type { AppContext } from '../app-context.ts';
import { nameWithin } from '../domain/text.ts';
import { requireRole, type Actor } from '../auth/actor.ts';
import { insertAudit } from '../auth/auth-repository.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { storeAccountSpecs } from './store-accounts.ts';
import { storeView, type StoreView } from './store-view.ts';
import { insertStore } from './stores-repository.ts';

/** An admin opens an operator store: the store row, its cash account and card clearing account. */
export async function createStore(ctx: AppContext, actor: Actor, input: { name: string }): Promise<Result<StoreView>> {
  const denied = requireRole(actor, ['admin']);
  if (denied) return denied as Result<never>;
  const name = nameWithin(input.name);
  if (name === null) return fail('validation_failed', { field: 'name', reason: 'blank or over 100 characters' });
  const id = ctx.ids.next('st');
  const createdAt = ctx.clock.now().toISOString();
  const row = { id, name, active: 1n, created_at: createdAt };
  await insertStore(ctx, row, storeAccountSpecs(id));
  await insertAudit(ctx, actor, 'store.create', id, { name });
  return ok(storeView(row));
}
