import Stripe from 'stripe';
import { isoInstant } from '../../../domain/time.ts';
import type { InitiateInput, InitiateResult, PaymentProvider, PaymentStatus, ProviderResult, RefundResult, StatusResult, WebhookEvent, WebhookRequest } from '../payment-provider.ts';
import { validateStripeOptions, type StripeProviderOptions } from './stripe-options.ts';

/**
 * Stripe through the official SDK and Checkout Sessions: the payer is sent to Stripe's hosted page,
 * the session id is the provider reference. Tolem's minor units are Stripe's for the two-decimal
 * currencies listed here (KZT included), so amounts pass unchanged, as integers.
 */
const STRIPE_CURRENCIES = new Set(['KZT', 'USD', 'EUR', 'RUB', 'CNY', 'GBP']);
/** Checkout has no Kazakh; Russian is what Kazakh speakers in Kazakhstan read. */
const CHECKOUT_LOCALES = { en: 'en', ru: 'ru', kk: 'ru', zh: 'zh' } as const;

type Fail = { ok: false; code: string; message?: string };

function failureOf(error: unknown): Fail {
  const e = error as { type?: string; statusCode?: number; message?: string };
  if (e.statusCode === 404) return { ok: false, code: 'not_found', message: e.message };
  // 409: another request with the same idempotency key is still running at Stripe. Not a refusal:
  // that request may be paying the card back, so it is answered like no answer at all.
  if (e.type === 'StripeConnectionError' || e.type === 'StripeAPIError' || (e.statusCode ?? 0) >= 500 || e.statusCode === 429 || e.statusCode === 409) return { ok: false, code: 'provider_unreachable', message: e.message };
  return { ok: false, code: 'provider_rejected', message: e.message };
}

/** The refund's metadata key holding Tolem's idempotency key for it (`refund:<refundId>`): the refund is found by it after Stripe has forgotten the key. */
const REFUND_KEY_METADATA = 'tolem_idempotency_key';

function minorUnitsOf(amount: bigint): number {
  const value = Number(amount);
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`amount ${amount} cannot be sent to Stripe`);
  return value;
}

function statusOfSession(session: Stripe.Checkout.Session): PaymentStatus {
  if (session.status === 'expired') return 'expired';
  if (session.status === 'open') return 'requires_action';
  if (session.status === 'complete') {
    if (session.payment_status !== 'unpaid') return 'succeeded';
    // A delayed payment method (a bank debit) that failed leaves the session complete and unpaid for
    // good: only its PaymentIntent, when expanded, says so (back to requires_payment_method, or canceled).
    return delayedPaymentFailed(session) ? 'failed' : 'processing';
  }
  return 'unknown';
}

function delayedPaymentFailed(session: Stripe.Checkout.Session): boolean {
  const intent = session.payment_intent;
  return typeof intent === 'object' && intent !== null && (intent.status === 'requires_payment_method' || intent.status === 'canceled');
}

const EVENT_STATUSES: Record<string, PaymentStatus> = {
  'checkout.session.async_payment_succeeded': 'succeeded',
  'checkout.session.async_payment_failed': 'failed',
  'checkout.session.expired': 'expired',
};

export function createStripeProvider(options: StripeProviderOptions): PaymentProvider {
  const settings = validateStripeOptions(options);
  const stripe = new Stripe(settings.secretKey, { ...settings.api, maxNetworkRetries: settings.networkRetriesMax, timeout: settings.timeoutMs, telemetry: false });

  async function sessionStatus(reference: string): Promise<ProviderResult<StatusResult>> {
    try {
      const session = await stripe.checkout.sessions.retrieve(reference, { expand: ['payment_intent'] });
      const status = statusOfSession(session);
      const intent = session.payment_intent as Stripe.PaymentIntent | null;
      return {
        ok: true,
        value: {
          status, ...(status === 'succeeded' ? { amountCaptured: BigInt(intent?.amount_received ?? session.amount_total ?? 0) } : {}),
          ...(status === 'failed' ? { failureReason: intent?.last_payment_error?.code ?? 'declined' } : {}), raw: session,
        },
      };
    } catch (error) {
      return failureOf(error);
    }
  }

  return {
    id: 'stripe',
    // "A refund can fail after it succeeded" (Stripe's refunds guide): the bank returns it, and the money comes back to the balance.
    refundsMayFailAfterSuccess: true,
    async initiate(input: InitiateInput): Promise<ProviderResult<InitiateResult>> {
      if (!STRIPE_CURRENCIES.has(input.currency)) return { ok: false, code: 'currency_unsupported' };
      try {
        const session = await stripe.checkout.sessions.create({
          mode: 'payment', client_reference_id: input.paymentId, success_url: input.returnUrl, cancel_url: input.returnUrl, locale: CHECKOUT_LOCALES[input.language],
          line_items: [{ quantity: 1, price_data: { currency: input.currency.toLowerCase(), unit_amount: minorUnitsOf(input.amount), product_data: { name: input.description } } }],
          metadata: { payment_id: input.paymentId }, payment_intent_data: { metadata: { payment_id: input.paymentId } },
        }, { idempotencyKey: input.idempotencyKey });
        return { ok: true, value: { providerReference: session.id, status: statusOfSession(session), ...(session.url ? { redirectUrl: session.url } : {}), raw: session } };
      } catch (error) {
        return failureOf(error);
      }
    },
    getStatus: sessionStatus,
    // Checkout captures automatically; capture only reports the state.
    capture: (reference) => sessionStatus(reference),
    async refund(reference, amount, idempotencyKey): Promise<ProviderResult<RefundResult>> {
      try {
        const session = await stripe.checkout.sessions.retrieve(reference);
        if (typeof session.payment_intent !== 'string') return { ok: false, code: 'refund_refused', message: 'the session has no payment' };
        // Stripe prunes an idempotency key once it is 24 hours old, and the same key sent after that is
        // a new request: a refund whose answer was lost, asked again days later, was made twice (or,
        // for the whole payment, refused as already refunded, and voided back onto the line). The
        // refund made under the key is found first, by the key it carries in its metadata.
        for await (const made of stripe.refunds.list({ payment_intent: session.payment_intent, limit: 100 })) {
          if (made.metadata?.[REFUND_KEY_METADATA] === idempotencyKey) return { ok: true, value: refundResultOf(made) };
        }
        const refund = await stripe.refunds.create({ payment_intent: session.payment_intent, amount: minorUnitsOf(amount), metadata: { [REFUND_KEY_METADATA]: idempotencyKey } }, { idempotencyKey });
        return { ok: true, value: refundResultOf(refund) };
      } catch (error) {
        const failure = failureOf(error);
        return failure.code === 'provider_rejected' ? { ...failure, code: 'refund_refused' } : failure;
      }
    },
    async refundStatus(_reference, providerRefundId): Promise<ProviderResult<RefundResult>> {
      try {
        return { ok: true, value: refundResultOf(await stripe.refunds.retrieve(providerRefundId)) };
      } catch (error) {
        return failureOf(error);
      }
    },
    async cancel(reference): Promise<ProviderResult<StatusResult>> {
      try {
        const session = await stripe.checkout.sessions.expire(reference);
        return { ok: true, value: { status: statusOfSession(session), raw: session } };
      } catch (error) {
        return failureOf(error);
      }
    },
    async parseWebhook(request: WebhookRequest): Promise<ProviderResult<WebhookEvent>> {
      const header = request.headers['stripe-signature'];
      if (typeof header !== 'string') return { ok: false, code: 'webhook_signature_invalid' };
      const nowMs = settings.now().getTime();
      // The SDK refuses old timestamps only; one from the future is refused here too.
      const timestamp = Number(/(?:^|,)t=(\d+)/.exec(header)?.[1]);
      if (!Number.isSafeInteger(timestamp)) return { ok: false, code: 'webhook_signature_invalid' };
      let event: Stripe.Event;
      try {
        event = stripe.webhooks.constructEvent(request.rawBody, header, settings.webhookSecret, settings.webhookToleranceSeconds, undefined, nowMs);
      } catch (error) {
        return { ok: false, code: /tolerance/i.test((error as Error).message) ? 'webhook_timestamp_stale' : 'webhook_signature_invalid' };
      }
      if (timestamp * 1000 - nowMs > settings.webhookToleranceSeconds * 1000) return { ok: false, code: 'webhook_timestamp_stale' };
      return { ok: true, value: normaliseEvent(event) };
    },
  };
}

/** A Refund's status: `pending` and `requires_action` (a bank transfer's details) are not settled yet. */
function refundResultOf(refund: Stripe.Refund): RefundResult {
  const status = refund.status === 'succeeded' ? 'succeeded' : refund.status === 'failed' || refund.status === 'canceled' ? 'failed' : 'pending';
  return { providerRefundId: refund.id, status, raw: refund };
}

function normaliseEvent(event: Stripe.Event): WebhookEvent {
  const object = event.data.object as { id?: string; object?: string; amount_total?: number | null; currency?: string | null; metadata?: Record<string, string> | null; payment_status?: string };
  let status: PaymentStatus = EVENT_STATUSES[event.type] ?? 'unknown';
  if (event.type === 'checkout.session.completed') status = object.payment_status === 'unpaid' ? 'processing' : 'succeeded';
  // Only a Checkout Session's events speak for a payment. Another object's (a PaymentIntent's
  // payment_intent.payment_failed, when the payer may still try another card on the same page)
  // carries Tolem's payment_id in its metadata too, but must not move the payment: matched by its
  // own id, it finds none (an orphan, listed for review) instead of setting the payment unknown.
  const isSession = object.object === 'checkout.session';
  return {
    eventId: event.id, providerReference: String(object.id ?? ''), status,
    ...(typeof object.amount_total === 'number' ? { amount: BigInt(object.amount_total) } : {}),
    ...(object.currency ? { currency: object.currency.toUpperCase() } : {}),
    ...(isSession && object.metadata?.payment_id ? { paymentId: object.metadata.payment_id } : {}),
    occurredAt: isoInstant(event.created * 1000), raw: event,
  };
}
