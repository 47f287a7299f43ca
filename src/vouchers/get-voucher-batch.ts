import type { AppContext } from '../app-context.ts';
import { requireRole, type Actor } from '../auth/actor.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { batchCounts, findBatch } from './vouchers-repository.ts';

/**
 * A batch with counts per state (admin); no PINs, ever. Its vouchers expire with it: past expiry,
 * those neither redeemed nor blocked (generated or sold) are counted as expired, so the five
 * counts always add up to the batch's count.
 */
export async function getVoucherBatch(ctx: AppContext, actor: Actor, batchId: string): Promise<Result<Record<string, unknown>>> {
  const denied = requireRole(actor, ['admin']);
  if (denied) return denied as Result<never>;
  const batch = await findBatch(ctx, batchId);
  if (!batch) return fail('voucher_batch_not_found');
  const counts = await batchCounts(ctx, batch.id);
  const expired = batch.expires_at <= ctx.clock.now().toISOString();
  const generated = counts.states.generated ?? 0;
  const sold = (counts.states.sold ?? 0) - counts.redeemed;
  return ok({
    id: batch.id, faceValue: Number(batch.face_value), currency: batch.currency, count: Number(batch.count), expiresAt: batch.expires_at,
    expired, dealer: batch.dealer, soldAt: batch.sold_at, createdAt: batch.created_at,
    counts: {
      generated: expired ? 0 : generated, sold: expired ? 0 : sold, redeemed: counts.redeemed, blocked: counts.states.blocked ?? 0,
      expired: expired ? generated + sold : 0,
    },
  });
}
