import type { AppContext } from '../app-context.ts';
import { finishRefund, providerKeyOf } from './refund-payment.ts';
import { findPayment, pendingRefundsDue, updateRefund } from './payments-repository.ts';
import { paymentProviders } from './provider-registry.ts';

/** The start of a pending refund's `failureReason` while its provider is not enabled. */
export const PROVIDER_NOT_ENABLED = 'provider_not_enabled';

/** How long after it was last asked a pending refund is asked again. */
export const REFUND_ASK_AGAIN_MS = 60_000;

/**
 * Asks the provider after each refund it answered `pending` (WeChat Pay's PROCESSING, a Stripe or
 * PayPal refund not yet paid out), and settles those it has decided: paid back, the reservation is
 * posted with its receipt; refused (WeChat Pay's CLOSED, Stripe's failed), it goes back to the
 * line's balance (or to breakage, the line terminated meanwhile). WeChat Pay's ABNORMAL stays
 * pending, marked for the operator. A refund still pending, or one the provider could not be asked
 * about, is asked again a minute later. A refund that never got the provider's answer at all has
 * no provider id and is not asked here: the admin repeats the request under its key.
 */
export async function checkPendingRefunds(ctx: AppContext): Promise<{ handled: number; more: boolean }> {
  const limit = ctx.settings.payments.batchSizeMax;
  const due = await pendingRefundsDue(ctx, new Date(ctx.clock.now().getTime() - REFUND_ASK_AGAIN_MS).toISOString(), limit);
  for (const refund of due) {
    const payment = await findPayment(ctx, refund.payment_id);
    const provider = payment?.provider_reference ? paymentProviders(ctx).get(payment.provider) : undefined;
    if (!payment || !provider) {
      // Its provider was taken out of PAYMENT_PROVIDERS: kept pending, said on the refund for the operator.
      await updateRefund(ctx, refund.id, { failure_reason: `${PROVIDER_NOT_ENABLED}: ${payment?.provider ?? 'unknown'} is not in PAYMENT_PROVIDERS; enable it again to settle this refund` });
      continue;
    }
    const answer = await provider.refundStatus(payment.provider_reference!, refund.provider_refund_id!, providerKeyOf(refund)).catch(() => ({ ok: false as const, code: 'provider_unreachable' }));
    const finished = await finishRefund(ctx, payment, refund, answer, 'status');
    // Asked, and not decided: its turn comes again after the others'.
    if (!finished.ok || finished.value.status === 'pending') await updateRefund(ctx, refund.id, {});
  }
  return { handled: due.length, more: due.length === limit };
}
