import type { AppContext } from '../app-context.ts';
import { agentOfActor } from '../agents/agent-of-actor.ts';
import { requireRole, type Actor } from '../auth/actor.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { findLineToServe, findReadableLine } from '../lines/line-access.ts';
import { storeOfActor } from '../stores/store-of-actor.ts';
import { applyTopUp, topUpLocks, type AppliedTopUp, type TopUpRequest } from '../topups/apply-top-up.ts';
import { VOUCHERS_CLEARING_ID } from './create-voucher-batch.ts';
import { countPinAttempt, uncountPinAttempt } from './pin-attempts.ts';
import { hashPin, normalizePin } from './voucher-pin.ts';
import { findVoucherByPinHash, isRedeemed } from './vouchers-repository.ts';

export interface VoucherRedemption {
  voucher: { serial: string; faceValue: number; currency: 'KZT' };
  topUp: AppliedTopUp;
}

export interface RedeemInput {
  msisdn: string;
  pin: string;
  /** The caller's address; absent for the USSD gateway, which relays many subscribers from one. */
  ip?: string;
  channel?: string;
}

/** The ledger idempotency key of a voucher: claimed once, by its redemption or by its block. */
export const voucherKeyOf = (voucherId: string) => `voucher:${voucherId}`;

/** Subscribers redeem for their own lines; staff and the USSD gateway for the line named. */
const REDEEMER_ROLES = ['subscriber', 'admin', 'clerk', 'agent', 'partner'] as const;

/**
 * Redeems a scratch card: credits the line once (one ledger command, idempotency key
 * `voucher:<id>`, top-up rules of applyTopUp with source clearing:vouchers) and records the
 * redemption. Wrong PINs count toward a lock per line, per caller at an address and per address
 * (pin-attempts.ts), so guessing is not a way in.
 */
export async function redeemVoucher(ctx: AppContext, actor: Actor, input: RedeemInput): Promise<Result<VoucherRedemption>> {
  const denied = requireRole(actor, REDEEMER_ROLES);
  if (denied) return denied as Result<never>;
  // Staff of a deactivated agent or a closed store, or not linked to one, are refused as at every
  // POS and counter route, before any attempt is counted.
  const workplace = actor.role === 'agent' ? await agentOfActor(ctx, actor) : actor.role === 'clerk' ? await storeOfActor(ctx, actor) : null;
  if (workplace && !workplace.ok) return workplace;
  // An agent redeems for a customer at the counter without reading the line (line-access.ts).
  const line = actor.role === 'agent' ? await findLineToServe(ctx, input.msisdn) : await findReadableLine(ctx, actor, input.msisdn);
  if (!line.ok) return line;
  const counted = await countPinAttempt(ctx, { actorId: actor.id, lineId: line.value.id, ip: input.ip });
  if (counted === null) return fail('rate_limited', { retryAfterSeconds: ctx.settings.vouchers.pinWindowMinutes * 60 });
  const pin = normalizePin(input.pin);
  const voucher = pin === null ? undefined : await findVoucherByPinHash(ctx, hashPin(ctx.settings.secretKey, pin));
  if (!voucher) return fail('voucher_pin_invalid');
  await uncountPinAttempt(ctx, counted);
  if (await isRedeemed(ctx, voucher.id)) return fail('voucher_already_redeemed');
  if (voucher.state !== 'sold') return fail('voucher_not_active', { state: voucher.state });
  if (voucher.expires_at <= ctx.clock.now().toISOString()) return fail('voucher_expired', { expiresAt: voucher.expires_at });
  const request: TopUpRequest = { lineId: line.value.id, amount: BigInt(voucher.face_value), sourceAccountId: VOUCHERS_CLEARING_ID, channel: input.channel ?? 'voucher', actorId: actor.id };
  const submitted = await ctx.writer.submit<VoucherRedemption>({
    name: 'voucher_redemption',
    lock: (now) => topUpLocks(request, now, ctx.settings.topup),
    // The key is the voucher, whoever redeems it for whichever line: a second run only replays.
    idempotency: { key: voucherKeyOf(voucher.id), fingerprint: voucher.id, expiresAt: null },
    execute: (tx) => {
      if (voucher.expires_at <= tx.nowIso) return fail('voucher_expired', { expiresAt: voucher.expires_at });
      const applied = applyTopUp(tx, request, ctx.settings.topup, ctx.settings.lifecycle);
      if (!applied.ok) return applied;
      tx.insert('voucher_redemptions', { voucher_id: voucher.id, line_id: line.value.id, topup_id: applied.value.id, actor_id: actor.id, created_at: tx.nowIso });
      return ok({ voucher: { serial: voucher.serial, faceValue: Number(voucher.face_value), currency: 'KZT' }, topUp: applied.value });
    },
  });
  if (!submitted.ok) {
    // The key was claimed by a block that landed after the voucher was read.
    if (submitted.error.code === 'idempotency_key_reused') return fail('voucher_not_active', { state: 'blocked' });
    return submitted;
  }
  // A replay means another request redeemed it first (a race or a retry): it credited once, then.
  if (submitted.value.replayed) return fail('voucher_already_redeemed');
  return ok(submitted.value.value);
}
