import type { AppContext } from '../app-context.ts';
import { fail, ok } from '../domain/result.ts';
import { BREAKAGE_ACCOUNT_ID, clearingAccountId, lineMainAccountId } from '../ledger/accounts.ts';
import type { LedgerCommand } from '../ledger/ledger-writer.ts';
import { findBonusGrantOfTopUp } from '../promotions/promotions-repository.ts';
import { allocateReceipt, receiptCounterFor } from '../receipts/allocate-receipt.ts';
import { findPayment, paidRefundsDue, recountRefundedAmount, updateRefund, type PaymentRow, type RefundRow } from './payments-repository.ts';
import { paymentProviders } from './provider-registry.ts';
import { forfeitIfTerminated, providerKeyOf, refundedCounterOf, refundPostedCounterOf } from './refund-payment.ts';

/** How long after it was last asked a paid-back refund is asked again. */
export const REFUND_RECHECK_INTERVAL_MS = 24 * 3_600_000;
const DAY_MS = 86_400_000;

/** Why a reversed refund is no longer paid back, on its record. */
export const REFUND_FAILED_AFTER_SUCCESS = 'refund_failed_after_success';

/**
 * Asks again, once a day for PAYMENT_REFUND_RECHECK_DAYS (30), after each refund paid back by a
 * provider that may still fail it (Stripe: the card's bank returns the money, and the refund moves
 * from succeeded to failed). One that failed is reversed: the money the provider has back goes
 * back on the line's balance (or on to breakage, the line terminated meanwhile), with a receipt of
 * its own and `payment.refund_reversed`, and the refund is `reversed`, its amount refundable again.
 */
export async function recheckPaidRefunds(ctx: AppContext): Promise<{ handled: number; more: boolean }> {
  const registry = paymentProviders(ctx);
  const providers = registry.ids.filter((id) => registry.get(id)!.refundsMayFailAfterSuccess === true);
  const days = ctx.settings.payments.refundRecheckDays;
  if (days === 0 || providers.length === 0) return { handled: 0, more: false };
  const now = ctx.clock.now().getTime();
  const limit = ctx.settings.payments.batchSizeMax;
  const due = await paidRefundsDue(ctx, providers, new Date(now - days * DAY_MS).toISOString(), new Date(now - REFUND_RECHECK_INTERVAL_MS).toISOString(), limit);
  for (const refund of due) {
    const payment = await findPayment(ctx, refund.payment_id);
    const provider = payment?.provider_reference ? registry.get(payment.provider) : undefined;
    const answer = provider
      ? await provider.refundStatus(payment!.provider_reference!, refund.provider_refund_id!, providerKeyOf(refund)).catch(() => ({ ok: false as const, code: 'provider_unreachable' }))
      : undefined;
    if (payment && answer?.ok && answer.value.status === 'failed') {
      try {
        await reverseRefund(ctx, payment, refund);
        continue;
      } catch (error) {
        // Reported, and asked again a day later: one refund the ledger refuses must not hold up the others.
        ctx.reportError(error, { refundId: refund.id });
      }
    }
    // Paid back still (or not answered, or not reversed): asked again a day later, after the others.
    await updateRefund(ctx, refund.id, {});
  }
  return { handled: due.length, more: due.length === limit };
}

/** Reverses a paid-back refund the provider now says failed; a repeat (a crash between the steps) replays the ledger's answer. */
export async function reverseRefund(ctx: AppContext, payment: PaymentRow, refund: RefundRow): Promise<void> {
  const grant = payment.topup_id ? await findBonusGrantOfTopUp(ctx, payment.topup_id) : undefined;
  const reversed = await ctx.writer.submit(refundReversal(payment, refund, grant !== undefined));
  if (!reversed.ok) throw new Error(`refund ${refund.id} could not be reversed: ${reversed.error.code}`);
  await updateRefund(ctx, refund.id, { status: 'reversed', failure_reason: REFUND_FAILED_AFTER_SUCCESS });
  await recountRefundedAmount(ctx, payment.id);
}

/**
 * The money back from the provider's clearing account to the line. The payment's refunded counter
 * gives the amount back, so it can be refunded again; the bonus share the refund took back stays
 * taken (its counter is left as it is, so later refunds take back only the rest of the grant).
 */
function refundReversal(payment: PaymentRow, refund: RefundRow, bonusGranted: boolean): LedgerCommand<{ receiptNumber: string }> {
  const main = lineMainAccountId(payment.line_id);
  const clearing = clearingAccountId(payment.provider);
  const amount = BigInt(refund.amount);
  const posted = refundPostedCounterOf(payment.id);
  return {
    name: 'refund_reversal',
    idempotency: { key: `refund:${refund.id}:reversal`, fingerprint: refund.id, expiresAt: null },
    lock: (now) => ({
      lines: [payment.line_id], accounts: [main, clearing, BREAKAGE_ACCOUNT_ID],
      counters: [refundedCounterOf(payment.id), receiptCounterFor(now), ...(bonusGranted ? [posted] : [])],
    }),
    execute(tx) {
      // A receipt of its own, as a top-up reversal has: the refund's receipt stands, and summing receipts nets them.
      const receiptNumber = allocateReceipt(tx, { kind: 'refund_reversal', referenceId: refund.id, lineId: payment.line_id, amount, currency: refund.currency });
      const back = tx.transfer({ debitAccountId: clearing, creditAccountId: main, amount, unit: 'KZT', code: 'refund_reversal', metadata: { paymentId: payment.id, refundId: refund.id, receipt: receiptNumber } });
      if (!back.ok) return fail(back.code);
      tx.increment(refundedCounterOf(payment.id), -amount);
      // The refunds' share of the bonus is counted on what they paid back: this one paid back nothing.
      if (bonusGranted) tx.increment(posted, -amount);
      // Termination forfeited what was on the line then; this money follows it now.
      const forfeited = forfeitIfTerminated(tx, payment, refund);
      if (!forfeited.ok) return forfeited;
      tx.outbox('payment.refund_reversed', { paymentId: payment.id, refundId: refund.id, lineId: payment.line_id, amount: Number(amount), currency: refund.currency, receiptNumber, forfeited: forfeited.value, language: tx.line(payment.line_id)?.language ?? null });
      return ok({ receiptNumber });
    },
  };
}
