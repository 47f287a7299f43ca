import type { AppContext } from '../app-context.ts';
import { requireRole, type Actor } from '../auth/actor.ts';
import { insertAudit } from '../auth/auth-repository.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { voucherKeyOf } from './redeem-voucher.ts';
import { blockVoucher as blockVoucherRow, findVoucherBySerial, isRedeemed } from './vouchers-repository.ts';

/** Blocks a voucher by serial (a stolen box of cards): it can no longer be redeemed. */
export async function blockVoucher(ctx: AppContext, actor: Actor, serial: string): Promise<Result<{ serial: string; state: 'blocked' }>> {
  const denied = requireRole(actor, ['admin']);
  if (denied) return denied as Result<never>;
  const voucher = await findVoucherBySerial(ctx, serial);
  if (!voucher) return fail('voucher_not_found');
  if (await isRedeemed(ctx, voucher.id)) return fail('voucher_already_redeemed');
  // Claim the voucher's ledger key, as a redemption does: whichever commits first wins, so a
  // redemption already queued cannot credit a voucher reported blocked (nor the other way round).
  const claimed = await ctx.writer.submit({
    name: 'voucher_block', lock: {}, idempotency: { key: voucherKeyOf(voucher.id), fingerprint: 'blocked', expiresAt: null },
    execute: () => ok({ blocked: voucher.id }),
  });
  if (!claimed.ok) return claimed.error.code === 'idempotency_key_reused' ? fail('voucher_already_redeemed') : claimed;
  await blockVoucherRow(ctx, voucher.id);
  await insertAudit(ctx, actor, 'voucher.block', voucher.id, { serial });
  return ok({ serial, state: 'blocked' });
}
