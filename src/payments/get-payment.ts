import type { AppContext } from '../app-context.ts';
import type { Actor } from '../auth/actor.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { clientSecretMatches, paymentView, type PaymentView } from './payment-view.ts';
import { findPayment, listPaymentEvents, listRefunds } from './payments-repository.ts';
import { refundView, type RefundView } from './refund-payment.ts';

export type PaymentDetails = PaymentView & { events?: { from: string | null; to: string; source: string; at: string }[]; refunds?: RefundView[] };

/**
 * A payment for its creator (who holds the client secret from the create answer) or an admin,
 * who also sees its transitions and refunds. Anyone else gets payment_not_found, not forbidden,
 * so ids cannot be probed.
 */
export async function getPayment(ctx: AppContext, actor: Actor | null, id: string, clientSecret: string | undefined): Promise<Result<PaymentDetails>> {
  const payment = await findPayment(ctx, id);
  const isAdmin = actor?.role === 'admin';
  if (!payment || (!isAdmin && !clientSecretMatches(ctx.settings.secretKey, id, clientSecret))) return fail('payment_not_found');
  const view: PaymentDetails = paymentView(payment);
  if (isAdmin) {
    view.events = (await listPaymentEvents(ctx, id)).map((e) => ({ from: e.from_status, to: e.to_status, source: e.source, at: e.created_at }));
    view.refunds = (await listRefunds(ctx, id)).map(refundView);
  }
  return ok(view);
}
