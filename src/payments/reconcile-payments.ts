import type { AppContext } from '../app-context.ts';
import { capturePayment, successOfAnotherAmount } from './capture-payment.ts';
import { canTransition } from './payment-state.ts';
import { paymentsStuck, touchPayment } from './payments-repository.ts';
import type { PaymentStatus } from './providers/payment-provider.ts';
import { paymentProviders } from './provider-registry.ts';
import { transitionPayment } from './transition-payment.ts';

/**
 * The janitor (after Kill Bill's): payments stuck in processing or unknown for longer than
 * PAYMENT_RECONCILE_AFTER_MINUTES are asked about at the provider and settled by its answer.
 * Returns how many payments it moved.
 */
export async function reconcilePayments(ctx: AppContext): Promise<number> {
  const olderThan = new Date(ctx.clock.now().getTime() - ctx.settings.payments.reconcileAfterMinutes * 60_000).toISOString();
  const stuck = await paymentsStuck(ctx, olderThan, ctx.settings.payments.batchSizeMax);
  let moved = 0;
  for (const payment of stuck) {
    const provider = paymentProviders(ctx).get(payment.provider);
    if (!provider || !payment.provider_reference) {
      // No one to ask (its provider taken out of PAYMENT_PROVIDERS): to the back of the queue too, or
      // a batch of such payments, read first every run, kept every other payment from being reconciled.
      await touchPayment(ctx, payment);
      continue;
    }
    const status = await provider.getStatus(payment.provider_reference).catch(() => ({ ok: false as const, code: 'provider_unreachable' }));
    // Asked: to the back of the queue, so that a few payments the provider cannot answer about do not starve the rest.
    await touchPayment(ctx, payment);
    if (!status.ok) continue;
    let to: PaymentStatus = status.value.status;
    let answer: { status: PaymentStatus; amountCaptured?: bigint } = status.value;
    // A checkout still open at the provider after Tolem gave up on it: close it there, expire here.
    if (to === 'requires_action' || to === 'created') {
      if (payment.expires_at > ctx.clock.now().toISOString()) continue;
      // Its answer decides, as in expiry: a payer who paid at that moment is credited, and a
      // checkout that could not be closed is asked about again on the next run.
      const canceled = await provider.cancel(payment.provider_reference).catch(() => ({ ok: false as const, code: 'provider_unreachable' }));
      if (!canceled.ok) continue;
      answer = canceled.value;
      const said = canceled.value.status;
      to = said === 'succeeded' || said === 'processing' || said === 'failed' || said === 'unknown' ? said : 'expired';
    }
    if (to === 'processing' && payment.status === 'processing') {
      await capturePayment(ctx, payment);
      continue;
    }
    if (to === payment.status || !canTransition(payment.status as PaymentStatus, to)) continue;
    if (successOfAnotherAmount(ctx, payment, answer, 'reconciliation')) continue;
    const result = await transitionPayment(ctx, payment, { to, source: 'reconciliation', raw: status.value.raw, failureReason: status.value.failureReason });
    if (result.ok) moved++;
    else ctx.reportError(new Error(`reconciling payment failed: ${result.error.code}`), { paymentId: payment.id });
  }
  return moved;
}
