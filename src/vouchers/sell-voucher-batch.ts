import type { AppContext } from '../app-context.ts';
import { nameWithin } from '../domain/text.ts';
import { requireRole, type Actor } from '../auth/actor.ts';
import { insertAudit } from '../auth/auth-repository.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { findBatch, markBatchSold } from './vouchers-repository.ts';

/**
 * A batch is sold to a dealer: its generated vouchers become redeemable. The dealer's payment is
 * settled outside the ledger (invoice); redemptions debit clearing:vouchers, which finance
 * reconciles against those payments (docs/agents-stores-vouchers.md).
 */
export async function sellVoucherBatch(ctx: AppContext, actor: Actor, batchId: string, input: { dealer: string }): Promise<Result<{ id: string; dealer: string; soldCount: number; soldAt: string }>> {
  const denied = requireRole(actor, ['admin']);
  if (denied) return denied as Result<never>;
  const dealer = nameWithin(input.dealer);
  if (dealer === null) return fail('validation_failed', { field: 'dealer', reason: 'blank or over 100 characters' });
  const batch = await findBatch(ctx, batchId);
  if (!batch) return fail('voucher_batch_not_found');
  const soldAt = ctx.clock.now().toISOString();
  // A dealer would pay for cards no one can redeem any more.
  if (batch.expires_at <= soldAt) return fail('voucher_batch_not_sellable', { reason: 'expired', expiresAt: batch.expires_at });
  const soldCount = await markBatchSold(ctx, batch.id, dealer, soldAt);
  if (soldCount === 0) return fail('voucher_batch_not_sellable', { dealer: batch.dealer });
  await insertAudit(ctx, actor, 'voucher_batch.sell', batch.id, { dealer, soldCount });
  return ok({ id: batch.id, dealer, soldCount, soldAt });
}
