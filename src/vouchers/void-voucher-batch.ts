import type { AppContext } from '../app-context.ts';
import { requireRole, type Actor } from '../auth/actor.ts';
import { insertAudit } from '../auth/auth-repository.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { blockUnsoldVouchers, findBatch } from './vouchers-repository.ts';

/**
 * Voids a batch whose PINs never reached the printer (`tolem vouchers generate` could not write
 * its file): its unsold vouchers are blocked, so the batch can be neither sold nor redeemed. Unsold
 * vouchers cannot be redeemed at all, so no redemption can race this (unlike blocking one voucher).
 */
export async function voidVoucherBatch(ctx: AppContext, actor: Actor, batchId: string): Promise<Result<{ id: string; blockedCount: number }>> {
  const denied = requireRole(actor, ['admin']);
  if (denied) return denied as Result<never>;
  const batch = await findBatch(ctx, batchId);
  if (!batch) return fail('voucher_batch_not_found');
  const blockedCount = await blockUnsoldVouchers(ctx, batch.id);
  await insertAudit(ctx, actor, 'voucher_batch.void', batch.id, { blockedCount });
  return ok({ id: batch.id, blockedCount });
}
