import type { AppContext } from '../app-context.ts';
import { canTransition } from './payment-state.ts';
import type { PaymentRow } from './payments-repository.ts';
import type { PaymentStatus } from './providers/payment-provider.ts';
import { paymentProviders } from './provider-registry.ts';
import { transitionPayment } from './transition-payment.ts';

/**
 * Whether a provider's answer is a success for an amount other than the payment's: never credited,
 * whichever way the answer came (a capture, the expiry's cancel, the reconciliation's question),
 * as a webhook saying so is not (process-webhook-event.ts); reported and left for review.
 */
export function successOfAnotherAmount(ctx: AppContext, payment: PaymentRow, answer: { status: PaymentStatus; amountCaptured?: bigint }, source: string): boolean {
  if (answer.status !== 'succeeded' || answer.amountCaptured === undefined || answer.amountCaptured === BigInt(payment.amount)) return false;
  ctx.reportError(new Error('the provider took an amount other than the payment\'s; left for review'), { paymentId: payment.id, source, amount: payment.amount, amountCaptured: String(answer.amountCaptured) });
  return true;
}

/**
 * A payment the payer approved (processing) is captured: PayPal needs the call to take the money;
 * providers that capture by themselves answer their current state. The answer moves the payment
 * on; a failed call leaves it processing for the reconciliation job to ask again.
 */
export async function capturePayment(ctx: AppContext, payment: PaymentRow): Promise<void> {
  if (payment.status !== 'processing' || !payment.provider_reference) return;
  const provider = paymentProviders(ctx).get(payment.provider);
  if (!provider) return;
  const captured = await provider.capture(payment.provider_reference, BigInt(payment.amount)).catch(() => ({ ok: false as const, code: 'provider_unreachable' }));
  if (!captured.ok) return;
  const { status, raw, failureReason } = captured.value;
  if (status === payment.status || !canTransition(payment.status as PaymentStatus, status)) return;
  if (successOfAnotherAmount(ctx, payment, captured.value, 'capture')) return;
  const moved = await transitionPayment(ctx, payment, { to: status, source: 'capture', raw, failureReason });
  if (!moved.ok) ctx.reportError(new Error(`capture transition failed: ${moved.error.code}`), { paymentId: payment.id });
}
