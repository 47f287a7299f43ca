import { createHash } from 'node:crypto';
import type { InitiateInput, InitiateResult, PaymentProvider, PaymentStatus, ProviderResult, RefundResult, StatusResult, WebhookEvent, WebhookRequest } from '../payment-provider.ts';
import { payPalClient, RawJson, type PayPalAnswer } from './paypal-client.ts';
import { decimalOf, kztOf, minorOf, orderAmountOf } from './paypal-money.ts';
import { validatePayPalOptions, type PayPalProviderOptions, type ValidatedPayPalOptions } from './paypal-options.ts';
import { refundShare } from '../refund-share.ts';

/** PayPal has no Kazakh page; Russian is what Kazakh speakers in Kazakhstan read. */
const LOCALES = { en: 'en-US', ru: 'ru-RU', kk: 'ru-RU', zh: 'zh-CN' } as const;
const REQUEST_ID_LENGTH_MAX = 108;
/** A capture's 422 issues that say the payer's funding source was refused (developer.paypal.com, "Handle funding failures"). */
const CAPTURE_DECLINED = ['INSTRUMENT_DECLINED', 'TRANSACTION_REFUSED', 'PAYER_CANNOT_PAY', 'MAX_NUMBER_OF_PAYMENT_ATTEMPTS_EXCEEDED', 'REDIRECT_PAYER_FOR_ALTERNATE_FUNDING'];
const DESCRIPTION_LENGTH_MAX = 127;

type Fail = { ok: false; code: string; message?: string };
const failOf = (answer: Extract<PayPalAnswer, { ok: false }>): Fail => ({ ok: false, code: answer.code, ...(answer.message ? { message: answer.message } : {}) });

/** PayPal-Request-Id takes at most 108 characters; longer keys are hashed, which keeps them stable. */
function requestIdOf(key: string): string {
  return key.length <= REQUEST_ID_LENGTH_MAX ? key : createHash('sha256').update(key).digest('hex');
}

/** A refund's status: PENDING (an eCheck's, a balance short of it) is not settled yet; CANCELLED and FAILED are refusals; anything else waits. */
function refundResultOf(body: { id?: unknown; status?: unknown }): RefundResult {
  const status = body.status === 'COMPLETED' ? 'succeeded' : body.status === 'FAILED' || body.status === 'CANCELLED' ? 'failed' : 'pending';
  return { providerRefundId: String(body.id), status, raw: body };
}

/** custom_id carries Tolem's payment id and the original amount, so that KZT can be reported back exactly. */
function customIdOf(input: InitiateInput): string {
  return `${input.paymentId}|${input.amount}${input.currency}`;
}

function parseCustomId(customId: unknown): { paymentId: string; amount: bigint; currency: string } | null {
  const match = typeof customId === 'string' ? /^(.+)\|(\d+)([A-Z]{3})$/.exec(customId) : null;
  return match ? { paymentId: match[1]!, amount: BigInt(match[2]!), currency: match[3]! } : null;
}

function orderStatusOf(order: any): PaymentStatus {
  const capture = order?.purchase_units?.[0]?.payments?.captures?.[0];
  switch (order?.status) {
    case 'CREATED': case 'SAVED': case 'PAYER_ACTION_REQUIRED': return 'requires_action';
    case 'APPROVED': return 'processing';
    case 'VOIDED': return 'canceled';
    case 'COMPLETED': return captureStatusOf(capture?.status);
    default: return 'unknown';
  }
}

function captureStatusOf(status: unknown): PaymentStatus {
  if (status === 'COMPLETED') return 'succeeded';
  if (status === 'PENDING') return 'processing';
  if (status === 'DECLINED' || status === 'FAILED') return 'failed';
  return 'unknown';
}

/**
 * The captured amount in the payment's own currency (tenge when the order was converted): the
 * amount `custom_id` carries when the capture took what the order asked for (`asked`, the order's
 * own amount, which Tolem set at the rate of that day: a rate configured since does not change it),
 * else the settlement amount converted at the rate. Where the order's amount is not given (a capture
 * event, a capture answer without it), the capture is the order's: Tolem captures whole orders.
 */
function capturedAmountOf(capture: any, customId: unknown, settings: ValidatedPayPalOptions, asked?: { value?: unknown; currency_code?: unknown }): bigint | undefined {
  const minor = minorOf(String(capture?.amount?.value ?? ''));
  if (minor === null) return undefined;
  const original = parseCustomId(customId);
  if (!original || original.currency !== 'KZT') return minor;
  const whole = asked === undefined || (minorOf(String(asked.value ?? '')) === minor && asked.currency_code === capture.amount.currency_code);
  return whole ? original.amount : kztOf(minor, settings);
}

export function createPayPalProvider(options: PayPalProviderOptions): PaymentProvider {
  const settings = validatePayPalOptions(options);
  const client = payPalClient(settings);

  function statusResult(order: any): StatusResult {
    const status = orderStatusOf(order);
    const unit = order?.purchase_units?.[0];
    const capture = unit?.payments?.captures?.[0];
    const captured = status === 'succeeded' ? capturedAmountOf(capture, unit?.custom_id ?? capture?.custom_id, settings, unit?.amount) : undefined;
    return { status, ...(captured !== undefined ? { amountCaptured: captured } : {}), raw: order };
  }

  async function getStatus(reference: string): Promise<ProviderResult<StatusResult>> {
    const answer = await client.call('GET', `/v2/checkout/orders/${encodeURIComponent(reference)}`);
    // PayPal drops an order not completed within its lifetime (3 hours by default) and answers 404
    // RESOURCE_NOT_FOUND for it. The money is only ever taken by Tolem's own capture, which leaves the
    // order COMPLETED and kept: an order gone was never paid. Canceled, so that expiry and
    // reconciliation void it, instead of asking for ever about a payment left unknown or processing
    // (Tolem's jobs, or PayPal, down for longer than that) with its money reserved.
    if (!answer.ok && answer.code === 'not_found') return { ok: true, value: { status: 'canceled', failureReason: 'order_expired', raw: { code: 'not_found', message: answer.message ?? null } } };
    return answer.ok ? { ok: true, value: statusResult(answer.body) } : failOf(answer);
  }

  /**
   * A refund's resource carries no order id, and `custom_id` only when the refund was asked with one
   * (Tolem's are): one made in PayPal's dashboard, or a dispute's reversal, is matched to its
   * payment through the capture its `up` link names, read back (order id and `custom_id`).
   */
  async function findRefundedCapture(event: any): Promise<void> {
    const type = String(event?.event_type ?? '');
    const resource = event?.resource;
    if ((type !== 'PAYMENT.CAPTURE.REFUNDED' && type !== 'PAYMENT.CAPTURE.REVERSED') || typeof resource !== 'object' || resource === null || parseCustomId(resource.custom_id)) return;
    const up = Array.isArray(resource.links) ? resource.links.find((link: any) => link?.rel === 'up') : undefined;
    const captureId = /\/v2\/payments\/captures\/([\w-]+)$/.exec(String(up?.href ?? ''))?.[1];
    if (!captureId) return;
    const capture = await client.call('GET', `/v2/payments/captures/${encodeURIComponent(captureId)}`);
    if (!capture.ok) return;
    resource.custom_id = capture.body.custom_id;
    resource.supplementary_data = capture.body.supplementary_data;
  }

  return {
    id: 'paypal',
    async initiate(input): Promise<ProviderResult<InitiateResult>> {
      const amount = orderAmountOf(input.amount, input.currency, settings);
      if (!amount) return { ok: false, code: 'currency_unsupported', message: input.currency === 'KZT' ? 'PayPal has no KZT: set PAYPAL_SETTLEMENT_CURRENCY and PAYPAL_KZT_PER_UNIT' : undefined };
      const answer = await client.call('POST', '/v2/checkout/orders', {
        intent: 'CAPTURE',
        purchase_units: [{ reference_id: input.paymentId, custom_id: customIdOf(input), description: input.description.slice(0, DESCRIPTION_LENGTH_MAX), amount: { currency_code: amount.currency, value: decimalOf(amount.minor) } }],
        application_context: { return_url: input.returnUrl, cancel_url: input.returnUrl, locale: LOCALES[input.language], user_action: 'PAY_NOW', shipping_preference: 'NO_SHIPPING' },
      }, requestIdOf(input.idempotencyKey));
      if (!answer.ok) return failOf(answer);
      const approve = (answer.body.links ?? []).find((link: { rel: string }) => link.rel === 'approve' || link.rel === 'payer-action');
      const charged = amount.currency === input.currency ? {} : { charged: { amount: amount.minor, currency: amount.currency } };
      return { ok: true, value: { providerReference: String(answer.body.id), status: orderStatusOf(answer.body), ...(approve ? { redirectUrl: String(approve.href) } : {}), ...charged, raw: answer.body } };
    },
    getStatus,
    // Captures only an approved order, so that PayPal-Request-Id never stores a refusal that a
    // later, valid capture would replay. An order not approved yet is reported as it stands.
    async capture(reference): Promise<ProviderResult<StatusResult>> {
      const current = await client.call('GET', `/v2/checkout/orders/${encodeURIComponent(reference)}`);
      if (!current.ok) return failOf(current);
      if (current.body.status !== 'APPROVED') return { ok: true, value: statusResult(current.body) };
      const answer = await client.call('POST', `/v2/checkout/orders/${encodeURIComponent(reference)}/capture`, {}, requestIdOf(`capture:${reference}`));
      if (answer.ok) return { ok: true, value: statusResult(answer.body) };
      // Captured meanwhile (by a retry that lost its answer): report the order as it stands.
      if (answer.message === 'ORDER_ALREADY_CAPTURED') return getStatus(reference);
      // The payer's funding source was declined (422 INSTRUMENT_DECLINED and its kin): nothing was
      // taken, and PayPal only asks the payer to choose another source on its page, which a payer
      // sent back to Tolem never sees. The order stays APPROVED, so asked again it declines again:
      // failed, not left processing (which never expires) with its money reserved for ever.
      if (answer.code === 'provider_rejected' && CAPTURE_DECLINED.includes(answer.message ?? '')) {
        return { ok: true, value: { status: 'failed', failureReason: 'instrument_declined', raw: { issue: answer.message, status: answer.status } } };
      }
      return failOf(answer);
    },
    async refund(reference, amount, idempotencyKey, refundedBefore = 0n): Promise<ProviderResult<RefundResult>> {
      const order = await client.call('GET', `/v2/checkout/orders/${encodeURIComponent(reference)}`);
      if (!order.ok) return failOf(order);
      const unit = order.body.purchase_units?.[0];
      const capture = unit?.payments?.captures?.[0];
      if (!capture) return { ok: false, code: 'refund_refused', message: 'the order has no capture' };
      const original = parseCustomId(unit.custom_id ?? capture.custom_id);
      const capturedMinor = minorOf(String(capture.amount.value)) ?? 0n;
      // Its share of the capture when the order carries the amount paid, so that the parts add up to the whole.
      const converted = original ? refundShare(capturedMinor, original.amount, refundedBefore, amount) ?? 0n : (orderAmountOf(amount, capture.amount.currency_code, settings)?.minor ?? 0n);
      const refundMinor = converted > capturedMinor ? capturedMinor : converted;
      if (refundMinor <= 0n) return { ok: false, code: 'refund_refused', message: 'nothing of the capture is left to refund' };
      const answer = await client.call('POST', `/v2/payments/captures/${encodeURIComponent(capture.id)}/refund`,
        { amount: { currency_code: capture.amount.currency_code, value: decimalOf(refundMinor) }, custom_id: unit.custom_id }, requestIdOf(idempotencyKey));
      if (!answer.ok) return answer.code === 'provider_rejected' ? { ...failOf(answer), code: 'refund_refused' } : failOf(answer);
      return { ok: true, value: refundResultOf(answer.body) };
    },
    async refundStatus(_reference, providerRefundId): Promise<ProviderResult<RefundResult>> {
      const answer = await client.call('GET', `/v2/payments/refunds/${encodeURIComponent(providerRefundId)}`);
      return answer.ok ? { ok: true, value: refundResultOf(answer.body) } : failOf(answer);
    },
    // PayPal offers no cancel for an order the payer has not approved; it lapses after 3 hours.
    // Tolem stops waiting for it, and a later approval is refused by the payment's state machine.
    async cancel(reference): Promise<ProviderResult<StatusResult>> {
      const current = await getStatus(reference);
      if (!current.ok) return current;
      return current.value.status === 'requires_action' ? { ok: true, value: { ...current.value, status: 'canceled' } } : current;
    },
    async parseWebhook(request: WebhookRequest): Promise<ProviderResult<WebhookEvent>> {
      const header = (name: string) => { const value = request.headers[name]; return typeof value === 'string' ? value : undefined; };
      const transmission = {
        auth_algo: header('paypal-auth-algo'), cert_url: header('paypal-cert-url'), transmission_id: header('paypal-transmission-id'),
        transmission_sig: header('paypal-transmission-sig'), transmission_time: header('paypal-transmission-time'),
      };
      if (Object.values(transmission).some((v) => !v)) return { ok: false, code: 'webhook_signature_invalid' };
      const sentAtMs = Date.parse(transmission.transmission_time!);
      if (!Number.isFinite(sentAtMs)) return { ok: false, code: 'webhook_signature_invalid' };
      if (Math.abs(settings.now().getTime() - sentAtMs) > settings.webhookToleranceSeconds * 1000) return { ok: false, code: 'webhook_timestamp_stale' };
      let event: any;
      try { event = JSON.parse(request.rawBody); } catch { return { ok: false, code: 'webhook_payload_invalid' }; }
      // webhook_event is the body as delivered, spliced in as it is: PayPal checks the CRC32 of the
      // exact bytes it sent, and the same event written again by JSON.stringify (slashes no longer
      // escaped, spacing dropped, a number such as 1.0 written 1) fails verification as if forged.
      const fields = JSON.stringify({ ...transmission, webhook_id: settings.webhookId });
      const verdict = await client.call('POST', '/v1/notifications/verify-webhook-signature', new RawJson(`${fields.slice(0, -1)},"webhook_event":${request.rawBody}}`));
      if (!verdict.ok) return failOf(verdict);
      if (verdict.body.verification_status !== 'SUCCESS') return { ok: false, code: 'webhook_signature_invalid' };
      await findRefundedCapture(event);
      return normaliseEvent(event, settings);
    },
  };
}

function normaliseEvent(event: any, settings: ValidatedPayPalOptions): ProviderResult<WebhookEvent> {
  const type = String(event?.event_type ?? '');
  const resource = event?.resource ?? {};
  if (typeof event?.id !== 'string') return { ok: false, code: 'webhook_payload_invalid' };
  // A refund's (ours, or one made at PayPal) or a reversal's notification: its resource is the refund, not the capture.
  if (type === 'PAYMENT.CAPTURE.REFUNDED' || type === 'PAYMENT.CAPTURE.REVERSED') {
    const original = parseCustomId(resource.custom_id);
    const minor = minorOf(String(resource.amount?.value ?? ''));
    return {
      ok: true,
      value: {
        eventId: event.id, providerReference: String(resource.supplementary_data?.related_ids?.order_id ?? ''), status: 'unknown', refundId: String(resource.id ?? ''),
        ...(minor !== null ? { amount: minor, currency: String(resource.amount.currency_code) } : {}),
        ...(original ? { paymentId: original.paymentId } : {}),
        ...(typeof event.create_time === 'string' ? { occurredAt: event.create_time } : {}), raw: event,
      },
    };
  }
  const isCapture = type.startsWith('PAYMENT.CAPTURE.');
  const reference = isCapture ? resource.supplementary_data?.related_ids?.order_id : resource.id;
  const customId = isCapture ? resource.custom_id : resource.purchase_units?.[0]?.custom_id;
  let status: PaymentStatus = 'unknown';
  if (isCapture) status = captureStatusOf(type === 'PAYMENT.CAPTURE.COMPLETED' ? 'COMPLETED' : type === 'PAYMENT.CAPTURE.PENDING' ? 'PENDING' : type.endsWith('DENIED') || type.endsWith('DECLINED') ? 'DECLINED' : '');
  else if (type === 'CHECKOUT.ORDER.APPROVED') status = 'processing';
  // An order is COMPLETED even while its capture is PENDING (an eCheck, a risk review): the money
  // is taken only when the capture is, so the capture's status and amount decide, as in getStatus.
  else if (type === 'CHECKOUT.ORDER.COMPLETED') status = orderStatusOf(resource);
  else if (type === 'CHECKOUT.ORDER.VOIDED') status = 'canceled';
  const original = parseCustomId(customId);
  const orderCapture = type === 'CHECKOUT.ORDER.COMPLETED' ? resource.purchase_units?.[0]?.payments?.captures?.[0] : undefined;
  const amount = isCapture ? capturedAmountOf(resource, customId, settings)
    : orderCapture ? capturedAmountOf(orderCapture, customId, settings, resource.purchase_units?.[0]?.amount)
    : status === 'succeeded' ? undefined : original?.amount;
  return {
    ok: true,
    value: {
      eventId: event.id, providerReference: String(reference ?? ''), status,
      ...(amount !== undefined ? { amount, currency: original?.currency ?? resource.amount?.currency_code } : {}),
      ...(original ? { paymentId: original.paymentId } : {}),
      ...(typeof event.create_time === 'string' ? { occurredAt: event.create_time } : {}), raw: event,
    },
  };
}
