import type { AppContext } from '../app-context.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { findIdentification } from './stores-repository.ts';

/** A counter sale needs an identification made at the same store, recently. */
export async function checkIdentification(ctx: AppContext, storeId: string, identificationId: string): Promise<Result<{ id: string }>> {
  const identification = await findIdentification(ctx, identificationId);
  if (!identification || identification.store_id !== storeId) return fail('identification_not_found');
  const ageMs = ctx.clock.now().getTime() - new Date(identification.created_at).getTime();
  if (ageMs > ctx.settings.stores.identificationValidMinutes * 60_000) return fail('identification_expired');
  return ok({ id: identification.id });
}
