import type { AppContext } from '../app-context.ts';
import { nameWithin } from '../domain/text.ts';
import { requireRole, type Actor } from '../auth/actor.ts';
import { insertAudit } from '../auth/auth-repository.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { storeView, type StoreView } from './store-view.ts';
import { findStore, updateStoreRow } from './stores-repository.ts';

export interface StorePatch {
  name?: string;
  active?: boolean;
}

/** A store (admin). */
export async function getStore(ctx: AppContext, actor: Actor, storeId: string): Promise<Result<StoreView>> {
  const denied = requireRole(actor, ['admin']);
  if (denied) return denied as Result<never>;
  const store = await findStore(ctx, storeId);
  return store ? ok(storeView(store)) : fail('store_not_found');
}

/**
 * An admin renames a store or closes it: the clerks of an inactive store are refused at the
 * counter with `store_inactive` until it opens again (their own day report too); admins still read its reports.
 */
export async function updateStore(ctx: AppContext, actor: Actor, storeId: string, patch: StorePatch): Promise<Result<StoreView>> {
  const denied = requireRole(actor, ['admin']);
  if (denied) return denied as Result<never>;
  const changes: { name?: string; active?: bigint } = {};
  if (patch.name !== undefined) {
    const name = nameWithin(patch.name);
    if (name === null) return fail('validation_failed', { field: 'name', reason: 'blank or over 100 characters' });
    changes.name = name;
  }
  if (patch.active !== undefined) changes.active = patch.active ? 1n : 0n;
  if (Object.keys(changes).length === 0) return fail('validation_failed', { reason: 'nothing_to_change', fields: ['name', 'active'] });
  if (!(await findStore(ctx, storeId))) return fail('store_not_found');
  await updateStoreRow(ctx, storeId, changes);
  await insertAudit(ctx, actor, 'store.update', storeId, { ...patch });
  return getStore(ctx, actor, storeId);
}
