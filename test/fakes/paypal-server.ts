import { createSign, createVerify, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { startFakeServer, type FakeRequest, type FakeResponse, type RunningFake } from './fake-http-server.ts';

/**
 * A local PayPal speaking Orders v2: OAuth2 client credentials, orders with PayPal-Request-Id
 * replay, approval links, capture, capture refunds, and webhooks signed like PayPal's
 * (SHA256withRSA over `transmissionId|transmissionTime|webhookId|crc32(body)`), checked by
 * POST /v1/notifications/verify-webhook-signature with the fake's own key pair.
 */
export interface PayPalFake extends RunningFake {
  clientId: string;
  clientSecret: string;
  webhookId: string;
  tokensIssued(): number;
  order(id: string): any;
  /** The payer approves the order on PayPal's page. */
  approve(orderId: string): void;
  /**
   * The payer's funding source is declined when the order is captured: the capture answers 422
   * UNPROCESSABLE_ENTITY, issue INSTRUMENT_DECLINED, and takes nothing; the order stays APPROVED (PayPal
   * asks the merchant to send the payer back to choose another funding source).
   */
  declineCapture(orderId: string): void;
  /** PayPal drops an order not completed within its lifetime (3 hours by default): it is gone, and GET answers 404 RESOURCE_NOT_FOUND. */
  dropOrder(orderId: string): void;
  /** Sets the status of an order's capture (PENDING: held for an eCheck or a risk review). */
  setCaptureStatus(orderId: string, status: 'PENDING' | 'COMPLETED' | 'DECLINED'): void;
  /** New refunds stay PENDING (an eCheck's, a balance short of them) until `settleRefund`; off by default. */
  refundsPending(on: boolean): void;
  /** PayPal decides a pending refund: FAILED or CANCELLED gives the money back to the capture. */
  settleRefund(refundId: string, status: 'COMPLETED' | 'FAILED' | 'CANCELLED'): void;
  refund(refundId: string): any;
  /**
   * A webhook signed like PayPal's. PAYMENT.CAPTURE.REFUNDED carries a refund as its resource (`refundId`, default the
   * order's last), PAYMENT.CAPTURE.REVERSED a reversal (a refund PayPal made on a dispute, of the whole capture).
   */
  webhook(eventType: string, orderId: string, options?: { time?: Date; eventId?: string; signWith?: KeyObject; webhookId?: string; refundId?: string; serialize?: (event: unknown) => string }): { rawBody: string; headers: Record<string, string> };
}

/** PayPal's currency list has no KZT (developer.paypal.com/docs/reports/reference/paypal-supported-currencies). */
const SUPPORTED = new Set(['USD', 'EUR', 'GBP', 'CNY', 'RUB', 'JPY', 'CAD', 'AUD']);

export async function startPayPalFake(): Promise<PayPalFake> {
  const clientId = `client-${randomBytes(6).toString('hex')}`;
  const clientSecret = randomBytes(16).toString('hex');
  const webhookId = `WH-${randomBytes(6).toString('hex').toUpperCase()}`;
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const tokens = new Set<string>();
  const orders = new Map<string, any>();
  const captures = new Map<string, any>();
  const refunds = new Map<string, any>();
  let pendingRefunds = false;
  const declinedCaptures = new Set<string>();
  const replies = new Map<string, FakeResponse>();
  let base = '';
  const newId = () => randomBytes(8).toString('hex').toUpperCase();
  const problem = (status: number, name: string, issue: string): FakeResponse => ({ status, body: { name, details: [{ issue }], debug_id: newId() } });

  const refundBody = (refund: any) => ({ id: refund.id, status: refund.status, amount: refund.amount, links: [{ rel: 'up', href: `${base}/v2/payments/captures/${refund.capture_id}`, method: 'GET' }] });

  function route(request: FakeRequest): FakeResponse {
    if (request.method === 'POST' && request.path === '/v1/oauth2/token') {
      const expected = `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`;
      if (request.headers.authorization !== expected || !request.rawBody.includes('grant_type=client_credentials')) return { status: 401, body: { error: 'invalid_client' } };
      const token = `A21AA${randomBytes(16).toString('hex')}`;
      tokens.add(token);
      return { status: 200, body: { scope: 'https://uri.paypal.com/services/payments', access_token: token, token_type: 'Bearer', expires_in: 32400 } };
    }
    if (!tokens.has((request.headers.authorization ?? '').replace(/^Bearer /, ''))) return { status: 401, body: { error: 'invalid_token' } };
    const body = request.rawBody ? JSON.parse(request.rawBody) : {};
    let match: RegExpMatchArray | null;
    if (request.method === 'POST' && request.path === '/v2/checkout/orders') {
      const unit = body.purchase_units?.[0];
      if (body.intent !== 'CAPTURE' || !unit) return problem(400, 'INVALID_REQUEST', 'MISSING_REQUIRED_PARAMETER');
      if (!SUPPORTED.has(unit.amount?.currency_code)) return problem(422, 'UNPROCESSABLE_ENTITY', 'CURRENCY_NOT_SUPPORTED');
      if (!/^\d{1,10}(\.\d{2})?$/.test(unit.amount?.value ?? '')) return problem(400, 'INVALID_REQUEST', 'DECIMAL_PRECISION');
      const id = newId();
      const order = {
        id, intent: 'CAPTURE', status: 'CREATED', purchase_units: [{ reference_id: unit.reference_id, custom_id: unit.custom_id, description: unit.description, amount: unit.amount }],
        application_context: body.application_context, create_time: new Date().toISOString(),
        links: [{ rel: 'self', href: `${base}/v2/checkout/orders/${id}`, method: 'GET' }, { rel: 'approve', href: `${base}/checkoutnow?token=${id}`, method: 'GET' }],
      };
      orders.set(id, order);
      return { status: 201, body: order };
    }
    if ((match = request.path.match(/^\/v2\/checkout\/orders\/(\w+)$/)) && request.method === 'GET') {
      const order = orders.get(match[1]!);
      return order ? { status: 200, body: order } : problem(404, 'RESOURCE_NOT_FOUND', 'INVALID_RESOURCE_ID');
    }
    if ((match = request.path.match(/^\/v2\/checkout\/orders\/(\w+)\/capture$/)) && request.method === 'POST') {
      const order = orders.get(match[1]!);
      if (!order) return problem(404, 'RESOURCE_NOT_FOUND', 'INVALID_RESOURCE_ID');
      if (order.status === 'COMPLETED') return problem(422, 'UNPROCESSABLE_ENTITY', 'ORDER_ALREADY_CAPTURED');
      if (order.status !== 'APPROVED') return problem(422, 'UNPROCESSABLE_ENTITY', 'ORDER_NOT_APPROVED');
      if (declinedCaptures.has(order.id)) return problem(422, 'UNPROCESSABLE_ENTITY', 'INSTRUMENT_DECLINED');
      const unit = order.purchase_units[0];
      const capture = { id: newId(), status: 'COMPLETED', amount: unit.amount, custom_id: unit.custom_id, refunded: 0, supplementary_data: { related_ids: { order_id: order.id } } };
      captures.set(capture.id, capture);
      order.status = 'COMPLETED';
      unit.payments = { captures: [capture] };
      return { status: 201, body: order };
    }
    if ((match = request.path.match(/^\/v2\/payments\/captures\/(\w+)\/refund$/)) && request.method === 'POST') {
      const capture = captures.get(match[1]!);
      if (!capture) return problem(404, 'RESOURCE_NOT_FOUND', 'INVALID_RESOURCE_ID');
      const cents = Math.round(Number(body.amount?.value ?? capture.amount.value) * 100);
      if (body.amount && body.amount.currency_code !== capture.amount.currency_code) return problem(422, 'UNPROCESSABLE_ENTITY', 'REFUND_CURRENCY_MISMATCH');
      if (cents <= 0 || capture.refunded + cents > Math.round(Number(capture.amount.value) * 100)) return problem(422, 'UNPROCESSABLE_ENTITY', 'REFUND_AMOUNT_EXCEEDED');
      capture.refunded += cents;
      const refund = { id: newId(), status: pendingRefunds ? 'PENDING' : 'COMPLETED', amount: body.amount ?? capture.amount, capture_id: capture.id, cents };
      refunds.set(refund.id, refund);
      return { status: 201, body: refundBody(refund) };
    }
    if ((match = request.path.match(/^\/v2\/payments\/captures\/(\w+)$/)) && request.method === 'GET') {
      const capture = captures.get(match[1]!);
      if (!capture) return problem(404, 'RESOURCE_NOT_FOUND', 'INVALID_RESOURCE_ID');
      const { refunded: _refunded, ...shown } = capture;
      return { status: 200, body: shown };
    }
    if ((match = request.path.match(/^\/v2\/payments\/refunds\/(\w+)$/)) && request.method === 'GET') {
      const refund = refunds.get(match[1]!);
      return refund ? { status: 200, body: refundBody(refund) } : problem(404, 'RESOURCE_NOT_FOUND', 'INVALID_RESOURCE_ID');
    }
    if (request.method === 'POST' && request.path === '/v1/notifications/verify-webhook-signature') {
      // Over the exact text of webhook_event as sent: PayPal's transmission signature covers the bytes it delivered.
      const message = `${body.transmission_id}|${body.transmission_time}|${body.webhook_id}|${crc32(rawMemberText(request.rawBody, 'webhook_event') ?? '')}`;
      const verified = body.auth_algo === 'SHA256withRSA' && body.cert_url === `${base}/v1/notifications/certs/CERT-1` && body.webhook_id === webhookId
        && createVerify('sha256').update(message).verify(publicKey, String(body.transmission_sig ?? ''), 'base64');
      return { status: 200, body: { verification_status: verified ? 'SUCCESS' : 'FAILURE' } };
    }
    return problem(404, 'RESOURCE_NOT_FOUND', 'INVALID_RESOURCE_ID');
  }

  const fake = await startFakeServer((request) => {
    const key = request.headers['paypal-request-id'];
    const replayKey = typeof key === 'string' && request.method === 'POST' ? `${request.path}:${key}` : null;
    if (replayKey && replies.has(replayKey)) return replies.get(replayKey)!;
    const response = route(request);
    if (replayKey && response.status < 500) replies.set(replayKey, response);
    return response;
  });
  base = fake.url;

  return {
    ...fake, clientId, clientSecret, webhookId,
    tokensIssued: () => tokens.size,
    order: (id) => orders.get(id),
    approve(orderId) {
      orders.get(orderId).status = 'APPROVED';
    },
    dropOrder(orderId) {
      orders.delete(orderId);
    },
    declineCapture(orderId) {
      declinedCaptures.add(orderId);
    },
    refundsPending(on) {
      pendingRefunds = on;
    },
    settleRefund(refundId, status) {
      const refund = refunds.get(refundId);
      if (status !== 'COMPLETED') captures.get(refund.capture_id).refunded -= refund.cents;
      refund.status = status;
    },
    refund: (refundId) => refunds.get(refundId),
    setCaptureStatus(orderId, status) {
      orders.get(orderId).purchase_units[0].payments.captures[0].status = status;
    },
    webhook(eventType, orderId, options = {}) {
      const order = orders.get(orderId);
      const capture = order.purchase_units[0].payments?.captures?.[0];
      const refundOf = (refund: any) => ({ ...refundBody(refund), custom_id: order.purchase_units[0].custom_id, create_time: (options.time ?? new Date()).toISOString() });
      const ours = eventType === 'PAYMENT.CAPTURE.REFUNDED'
        ? (options.refundId ? refunds.get(options.refundId) : [...refunds.values()].filter((r) => r.capture_id === capture?.id).at(-1))
        : undefined;
      const resource = eventType === 'PAYMENT.CAPTURE.REFUNDED' ? refundOf(ours)
        // PayPal's own reversal (a dispute) carries no custom_id: only its links name the capture.
        : eventType === 'PAYMENT.CAPTURE.REVERSED' ? refundBody({ id: newId(), status: 'COMPLETED', amount: capture.amount, capture_id: capture.id })
        : eventType.startsWith('PAYMENT.CAPTURE') ? capture : order;
      const time = (options.time ?? new Date()).toISOString();
      const rawBody = (options.serialize ?? JSON.stringify)({ id: options.eventId ?? `WH-${newId()}`, event_version: '1.0', create_time: time, resource_type: eventType === 'PAYMENT.CAPTURE.REFUNDED' || eventType === 'PAYMENT.CAPTURE.REVERSED' ? 'refund' : eventType.startsWith('PAYMENT') ? 'capture' : 'checkout-order', event_type: eventType, resource });
      const transmissionId = randomBytes(16).toString('hex');
      const message = `${transmissionId}|${time}|${options.webhookId ?? webhookId}|${crc32(rawBody)}`;
      const signer = options.signWith ?? privateKey;
      const signature = createSign('sha256').update(message).sign(signer, 'base64');
      return {
        rawBody,
        headers: {
          'content-type': 'application/json', 'paypal-auth-algo': 'SHA256withRSA', 'paypal-cert-url': `${base}/v1/notifications/certs/CERT-1`,
          'paypal-transmission-id': transmissionId, 'paypal-transmission-sig': signature, 'paypal-transmission-time': time,
        },
      };
    },
  };
}

/**
 * The exact text of a top-level member's value in a JSON object (`{"a":1,"key":{…}}` → `{…}`), as it
 * was written, not re-serialized; null when the text has no such member.
 */
function rawMemberText(json: string, key: string): string | null {
  const start = json.indexOf(`${JSON.stringify(key)}:`);
  if (start < 0) return null;
  let index = start + JSON.stringify(key).length + 1;
  while (/\s/.test(json[index] ?? '')) index++;
  const from = index;
  let depth = 0;
  let inString = false;
  for (; index < json.length; index++) {
    const char = json[index]!;
    if (inString) {
      if (char === '\\') index++;
      else if (char === '"') inString = false;
      continue;
    }
    if (char === '"') inString = true;
    else if (char === '{' || char === '[') depth++;
    else if (char === '}' || char === ']') {
      if (depth === 0) break;
      depth--;
      if (depth === 0) return json.slice(from, index + 1);
    } else if (char === ',' && depth === 0) break;
  }
  return json.slice(from, index).trim();
}
