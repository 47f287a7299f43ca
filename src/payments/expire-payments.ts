import type { AppContext } from '../app-context.ts';
import { successOfAnotherAmount } from './capture-payment.ts';
import { paymentsDueForExpiry, type PaymentRow } from './payments-repository.ts';
import { paymentProviders } from './provider-registry.ts';
import { transitionPayment } from './transition-payment.ts';

/**
 * Expires payments nobody finished in time (PAYMENT_EXPIRY_MINUTES) and voids their reservations.
 * The provider is asked first and its checkout canceled: a payer who paid at the last second is
 * credited, not expired.
 */
export async function expirePayments(ctx: AppContext): Promise<number> {
  const due = await paymentsDueForExpiry(ctx, ctx.settings.payments.batchSizeMax);
  for (const payment of due) {
    const outcome = await providerOutcome(ctx, payment);
    const moved = await transitionPayment(ctx, payment, { to: outcome.status, source: 'expiry', raw: outcome.raw, failureReason: outcome.failureReason });
    if (!moved.ok) ctx.reportError(new Error(`expiring payment failed: ${moved.error.code}`), { paymentId: payment.id });
  }
  return due.length;
}

async function providerOutcome(ctx: AppContext, payment: PaymentRow): Promise<{ status: 'expired' | 'processing' | 'succeeded' | 'failed' | 'unknown'; raw?: unknown; failureReason?: string }> {
  if (!payment.provider_reference) return { status: 'expired' };
  const provider = paymentProviders(ctx).get(payment.provider);
  // Its provider taken out of PAYMENT_PROVIDERS cannot be asked whether the payer paid there: not
  // taken for unpaid (voided, the payer's money left at the provider) but `unknown`, its money
  // reserved, for reconciliation to settle by the provider's answer once it is enabled again.
  if (!provider) return { status: 'unknown', raw: { code: 'provider_not_enabled' } };
  const canceled = await provider.cancel(payment.provider_reference).catch(() => ({ ok: false as const, code: 'provider_unreachable' }));
  if (!canceled.ok) return { status: 'unknown', raw: { code: canceled.code } };
  const { status, raw, failureReason } = canceled.value;
  // Paid, but not the payment's amount: not credited, not expired either (the payer was charged).
  if (successOfAnotherAmount(ctx, payment, canceled.value, 'expiry')) return { status: 'unknown', raw: { amountDiffers: true, raw } };
  if (status === 'succeeded' || status === 'processing' || status === 'failed' || status === 'unknown') return { status, raw, failureReason };
  return { status: 'expired', raw };
}
