import type { AppContext } from '../app-context.ts';
import type { Actor } from '../auth/actor.ts';
import { purchasePackage } from '../packages/purchase-package.ts';
import { setPurchaseOutcome, type PaymentRow } from './payments-repository.ts';

/** The payments machinery buying on the payer's behalf, after their money has reached the line. */
const PAYMENT_ACTOR: Actor = { id: 'payments', kind: 'system', role: 'admin', sourceAccountId: null };

/**
 * purpose=purchase: the payment tops the line up first (same rules as any top-up), then buys the
 * offering from the balance, once per payment (the purchase's idempotency key is the payment's).
 * If buying fails (price changed, offering withdrawn), the money stays on the balance and the
 * reason is kept on the payment for the payer and support to see.
 */
export async function completePurchase(ctx: AppContext, payment: PaymentRow): Promise<void> {
  if (payment.purpose !== 'purchase' || !payment.offering_code || payment.package_id) return;
  // At the price paid: a price changed since is refused (price_changed) and the money stays on the
  // balance, never made up from what the line held before. Auto-renewal off, as at the counter: the
  // payer (anyone may pay for any number) paid once by card and agreed to no charges of the line's
  // balance later; the subscriber may turn it on.
  const bought = await purchasePackage(ctx, PAYMENT_ACTOR, { msisdn: payment.msisdn, offering: payment.offering_code, expectedPrice: Number(payment.amount) }, `payment:${payment.id}`, false);
  await setPurchaseOutcome(ctx, payment.id, bought.ok ? { package_id: bought.value.purchase.id, purchase_error: null } : { package_id: null, purchase_error: bought.error.code });
}
