import type { AppContext } from '../app-context.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { unstorableText } from '../domain/text.ts';
import { findPayment, findPaymentByReference, insertInboxEvent, setPayerDetails } from './payments-repository.ts';
import type { WebhookEvent, WebhookRequest } from './providers/payment-provider.ts';
import { paymentProviders } from './provider-registry.ts';
import { REFUND_EVENT_STATUS } from './process-webhook-event.ts';

const REFUSALS = ['webhook_signature_invalid', 'webhook_timestamp_stale'] as const;
/**
 * A provider that verifies its webhooks by an API call (PayPal's verify-webhook-signature) could
 * not be asked, or refused Tolem's credentials: the event is unjudged, not bad. 503, so it is sent again.
 */
const UNVERIFIED = ['provider_unreachable', 'provider_credentials_invalid'];

/**
 * The webhook edge (after Medusa): verify, store raw once per (provider, event id), acknowledge.
 * Processing is the inbox worker's job, so the provider gets its 2xx fast and a crash loses nothing.
 */
export async function receiveWebhook(ctx: AppContext, providerId: string, request: WebhookRequest): Promise<Result<{ inboxId: string; duplicate: boolean }>> {
  const provider = paymentProviders(ctx).get(providerId);
  if (!provider) return fail('payment_provider_unknown');
  // A parser meets whatever a signed body holds (null, an array, a field of the wrong type): what
  // it cannot read is the sender's error, never the server's.
  const parsed = await provider.parseWebhook(request).catch(() => ({ ok: false as const, code: 'webhook_payload_invalid' }));
  if (!parsed.ok && UNVERIFIED.includes(parsed.code)) return fail('unavailable', { reason: parsed.code });
  if (!parsed.ok) return fail((REFUSALS as readonly string[]).includes(parsed.code) ? parsed.code as (typeof REFUSALS)[number] : 'webhook_payload_invalid');
  const event = parsed.value;
  if (!storable(event)) return fail('webhook_payload_invalid');
  const now = ctx.clock.now().toISOString();
  const payment = (event.paymentId ? await findPayment(ctx, event.paymentId) : undefined) ?? await findPaymentByReference(ctx, providerId, event.providerReference);
  const matched = payment && payment.provider === providerId ? payment : undefined;
  const inboxId = ctx.ids.next('whk');
  const inserted = await insertInboxEvent(ctx, {
    id: inboxId, provider: providerId, event_id: event.eventId, provider_reference: event.providerReference, payment_id: matched?.id ?? null,
    event_status: event.refundId !== undefined ? REFUND_EVENT_STATUS : event.status, amount: event.amount ?? null, currency: event.currency ?? null, failure_reason: event.failureReason ?? null, status: 'received',
    raw_body: request.rawBody, attempts: 0n, next_attempt_at: now, last_error: null, received_at: now, processed_at: null, provider_refund_id: event.refundId ?? null,
  });
  if (inserted && matched) await setPayerDetails(ctx, matched.id, { ...(event.payerFingerprint ? { payer_fingerprint: event.payerFingerprint } : {}), ...(event.cardLast4 ? { card_last4: event.cardLast4 } : {}) });
  return ok({ inboxId, duplicate: !inserted });
}

/** The largest amount a bigint column holds (2^63 - 1): beyond it an event's amount is nonsense, and no database would store it. */
const AMOUNT_MAX = 2n ** 63n - 1n;

/** The most characters each text of an event may have: what the inbox's columns are meant to hold. */
const TEXT_LENGTHS_MAX: Partial<Record<keyof WebhookEvent, number>> = {
  eventId: 255, providerReference: 255, paymentId: 100, currency: 8, failureReason: 500, payerFingerprint: 255, occurredAt: 40, refundId: 255,
};

/**
 * Whether a signed event's texts can be stored as they are, the same on both databases: no
 * U+0000 (PostgreSQL text refuses it, SQLite would keep it), no lone surrogate half (stored as
 * replacement characters, differently by each), nothing longer than its column is meant for. A
 * provider's parser reads the raw body, so the server's check of parsed bodies never saw them.
 */
function storable(event: WebhookEvent): boolean {
  // The event id is the inbox's key (provider, event id): an event without one (a Stripe event
  // whose signed body has no `id`) cannot be stored once, and was a 500 from the NOT NULL column.
  if (typeof event.eventId !== 'string' || event.eventId === '') return false;
  if (event.amount !== undefined && (typeof event.amount !== 'bigint' || event.amount < 0n || event.amount > AMOUNT_MAX)) return false;
  for (const [field, max] of Object.entries(TEXT_LENGTHS_MAX) as [keyof WebhookEvent, number][]) {
    const value = event[field];
    if (value === undefined) continue;
    if (typeof value !== 'string' || value.length > max || unstorableText(value) !== null) return false;
  }
  return true;
}
