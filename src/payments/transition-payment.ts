import type { AppContext } from '../app-context.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { completePurchase } from './complete-purchase.ts';
import { canTransition, settlementOf } from './payment-state.ts';
import { findPayment, recordTransition, type PaymentRow } from './payments-repository.ts';
import type { PaymentStatus } from './providers/payment-provider.ts';
import { paymentProviders } from './provider-registry.ts';
import { settlePaymentCommand } from './settle-payment-command.ts';

export interface TransitionInput {
  to: PaymentStatus;
  /** Who moved it: api, webhook, expiry, reconciliation. */
  source: string;
  raw?: unknown;
  failureReason?: string;
}

const TRANSIENT = ['unavailable', 'internal_error'];

/** How a payment's failureReason starts when the top-up rules refused its credit and Tolem refunded it in full. */
export const CREDIT_REFUSED = 'credit_refused:';

/**
 * Moves a payment along the state machine and settles its money when it ends: succeeded posts
 * the pending top-up, failed/canceled/expired voids it. Safe to repeat and to race: the ledger
 * settles once per payment, and the row moves by compare-and-set. A credit the top-up rules
 * refuse (a terminated line, a daily limit) voids the reservation, fails the payment and gives
 * the money back at the provider.
 */
export async function transitionPayment(ctx: AppContext, payment: PaymentRow, input: TransitionInput): Promise<Result<PaymentRow>> {
  const from = payment.status as PaymentStatus;
  if (from === input.to) return ok(payment);
  if (!canTransition(from, input.to)) return fail('payment_state_invalid', { from, to: input.to });
  let to = input.to;
  const patch: Partial<PaymentRow> = input.failureReason ? { failure_reason: input.failureReason } : {};
  const settlement = settlementOf(to);
  if (settlement) {
    const settled = await ctx.writer.submit(settlePaymentCommand(payment, settlement, ctx.settings.topup, ctx.settings.lifecycle));
    if (!settled.ok) {
      // Already voided (an earlier refusal whose refund or record did not finish): the provider has
      // the money and the line was not credited, so finish the refusal rather than leave it charged.
      const voided = settled.error.code === 'idempotency_key_reused';
      if (voided && (settlement !== 'post' || !canTransition(from, 'failed'))) return fail('payment_state_invalid', { from, to, reason: 'settled_otherwise' });
      if (!voided && (settlement === 'void' || TRANSIENT.includes(settled.error.code) || !canTransition(from, 'failed'))) return settled;
      const code = voided ? 'voided' : settled.error.code;
      const refused = await refuseCredit(ctx, payment, code);
      if (!refused.ok) return refused;
      // The refund's id at the provider, kept with the move to failed: its notification is told
      // apart from one of a refund Tolem did not make (the dashboard, a chargeback).
      if (refused.value !== null) input = { ...input, raw: { ...(typeof input.raw === 'object' && input.raw !== null ? input.raw : {}), creditRefundId: refused.value } };
      to = 'failed';
      patch.failure_reason = `${CREDIT_REFUSED}${code}`;
    } else if (settled.value.value.action === 'post') {
      patch.topup_id = settled.value.value.topUpId;
      patch.receipt_number = settled.value.value.receiptNumber;
    }
    patch.settled_at = ctx.clock.now().toISOString();
  }
  const current = await record(ctx, payment, to, input, patch);
  if (current.status === 'succeeded' && current.purpose === 'purchase') await completePurchase(ctx, current);
  return ok(current.purpose === 'purchase' ? (await findPayment(ctx, payment.id))! : current);
}

/** How often a transition is retried when another event moved the row meanwhile. */
const RECORD_ATTEMPTS_MAX = 4;

/**
 * Records the move by compare-and-set. When another event moved the row first (a "processing"
 * racing a "succeeded"), re-reads it and records from there while the move is still legal, so
 * that a settled payment never stays behind in a live state.
 */
async function record(ctx: AppContext, payment: PaymentRow, to: PaymentStatus, input: TransitionInput, patch: Partial<PaymentRow>): Promise<PaymentRow> {
  let current = payment;
  for (let attempt = 0; attempt < RECORD_ATTEMPTS_MAX; attempt++) {
    const moved = await recordTransition(ctx, current, to, input.source, input.raw, patch);
    current = (await findPayment(ctx, payment.id))!;
    if (moved || current.status === to || !canTransition(current.status as PaymentStatus, to)) return current;
  }
  ctx.reportError(new Error('payment transition kept losing races'), { paymentId: payment.id, to });
  return current;
}

/** The provider took the money but the line may not be credited: void, then refund in full. */
async function refuseCredit(ctx: AppContext, payment: PaymentRow, code: string): Promise<Result<string | null>> {
  const voided = await ctx.writer.submit(settlePaymentCommand(payment, 'void', ctx.settings.topup, ctx.settings.lifecycle));
  if (!voided.ok) return voided;
  const provider = paymentProviders(ctx).get(payment.provider);
  if (provider && payment.provider_reference) {
    const refunded = await provider.refund(payment.provider_reference, BigInt(payment.amount), `payment:${payment.id}:refuse`)
      .catch(() => ({ ok: false as const, code: 'provider_unreachable' }));
    // No answer: not recorded as failed, so the next webhook attempt or reconciliation asks again.
    if (!refunded.ok && refunded.code === 'provider_unreachable') return fail('unavailable', { reason: 'refund_unanswered' });
    if (!refunded.ok) ctx.reportError(new Error(`refund after refused credit failed: ${refunded.code}`), { paymentId: payment.id, code });
    // Nothing asks after this refund again (it is no payment_refunds row): one the provider says failed
    // (the money stayed with the merchant), or has not paid back yet (WeChat Pay's PROCESSING, a Stripe
    // or PayPal refund pending), is for people to follow, not taken for done.
    else if (refunded.value.status === 'failed') ctx.reportError(new Error('refund after refused credit failed: the provider kept the money'), { paymentId: payment.id, code, providerRefundId: refunded.value.providerRefundId });
    else if (refunded.value.status === 'pending') ctx.reportError(new Error('refund after refused credit not paid back yet: follow it at the provider'), { paymentId: payment.id, code, providerRefundId: refunded.value.providerRefundId });
    if (refunded.ok) return ok(refunded.value.providerRefundId);
  }
  return ok(null);
}
