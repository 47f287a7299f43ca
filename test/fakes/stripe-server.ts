import { createHmac, randomBytes } from 'node:crypto';
import { startFakeServer, type FakeRequest, type FakeResponse, type RunningFake } from './fake-http-server.ts';

/**
 * A local Stripe that the official SDK can talk to (host/port/protocol options): Checkout
 * Sessions, their PaymentIntents, refunds, expiry, Idempotency-Key replay, and webhook events
 * signed like Stripe's (`Stripe-Signature: t=…,v1=HMAC-SHA256(secret, "t.payload")`).
 */
export interface StripeFake extends RunningFake {
  secretKey: string;
  webhookSecret: string;
  /** The payer completes the hosted page: the session is paid and gets a PaymentIntent. */
  pay(sessionId: string): void;
  session(sessionId: string): any;
  /** A session's PaymentIntent (its `status`: `processing` while a delayed payment method is on its way, `requires_payment_method` once it failed). */
  intent(intentId: string): any;
  /**
   * Holds requests under `key` as still running at Stripe: until `release()`, another request with
   * that Idempotency-Key gets Stripe's 409 `idempotency_error` ("another request with the same key
   * is in progress"); on release the held one runs.
   */
  holdKey(key: string): { release(): void };
  /** New refunds stay `pending` (a bank's refund not yet paid out) until `settleRefund`; off by default. */
  refundsPending(on: boolean): void;
  /** The bank decides a pending refund: `failed` or `canceled` gives the money back to the charge. */
  settleRefund(refundId: string, status: 'succeeded' | 'failed' | 'canceled'): void;
  refund(refundId: string): any;
  /**
   * While on, Stripe does each POST but its answer is lost (a 500 `api_error`, replays under a key
   * too): the SDK's retries get no answer either. Reads are answered.
   */
  answersLost(on: boolean): void;
  /** Stripe prunes idempotency keys once they are 24 hours old: a key sent again after that makes a new request. */
  forgetIdempotencyKeys(): void;
  /** A webhook delivery as Stripe would send it; `timestamp` in seconds defaults to now. */
  webhook(type: string, sessionId: string, options?: { timestamp?: number; secret?: string; eventId?: string }): { rawBody: string; headers: Record<string, string> };
}

const id = (prefix: string) => `${prefix}_test_${randomBytes(8).toString('hex')}`;

export async function startStripeFake(options: { secretKey?: string; webhookSecret?: string } = {}): Promise<StripeFake> {
  const secretKey = options.secretKey ?? `sk_test_${randomBytes(12).toString('hex')}`;
  const webhookSecret = options.webhookSecret ?? `whsec_${randomBytes(16).toString('hex')}`;
  const sessions = new Map<string, any>();
  const intents = new Map<string, any>();
  const refunds = new Map<string, any>();
  let pendingRefunds = false;
  let lostAnswers = false;
  const replies = new Map<string, FakeResponse>();
  let base = '';

  const error = (status: number, code: string, message: string): FakeResponse => ({ status, body: { error: { type: 'invalid_request_error', code, message } } });

  function withIntent(session: any, expand: boolean) {
    return expand && session.payment_intent ? { ...session, payment_intent: intents.get(session.payment_intent) } : session;
  }

  function route(request: FakeRequest): FakeResponse {
    if (request.headers.authorization !== `Bearer ${secretKey}`) return { status: 401, body: { error: { type: 'invalid_request_error', message: 'Invalid API Key provided' } } };
    const form = new URLSearchParams(request.rawBody);
    const expand = [...request.query.values(), ...form.values()].includes('payment_intent');
    let match: RegExpMatchArray | null;
    if (request.method === 'POST' && request.path === '/v1/checkout/sessions') {
      const amount = Number(form.get('line_items[0][price_data][unit_amount]'));
      const currency = form.get('line_items[0][price_data][currency]');
      if (!Number.isSafeInteger(amount) || amount <= 0 || !currency) return error(400, 'parameter_invalid_integer', 'Invalid amount');
      const sessionId = id('cs');
      const metadata = Object.fromEntries([...form.entries()].filter(([k]) => k.startsWith('metadata[')).map(([k, v]) => [k.slice(9, -1), v]));
      const session = {
        id: sessionId, object: 'checkout.session', mode: form.get('mode'), amount_total: amount, currency, status: 'open', payment_status: 'unpaid',
        payment_intent: null, url: `${base}/pay/${sessionId}`, success_url: form.get('success_url'), locale: form.get('locale'),
        client_reference_id: form.get('client_reference_id'), metadata, created: Math.floor(Date.now() / 1000),
      };
      sessions.set(sessionId, session);
      return { status: 200, body: session };
    }
    if ((match = request.path.match(/^\/v1\/checkout\/sessions\/([\w]+)$/)) && request.method === 'GET') {
      const session = sessions.get(match[1]!);
      return session ? { status: 200, body: withIntent(session, expand) } : error(404, 'resource_missing', 'No such checkout.session');
    }
    if ((match = request.path.match(/^\/v1\/checkout\/sessions\/([\w]+)\/expire$/)) && request.method === 'POST') {
      const session = sessions.get(match[1]!);
      if (!session) return error(404, 'resource_missing', 'No such checkout.session');
      if (session.status !== 'open') return error(400, 'checkout_session_not_open', 'Only open sessions can be expired');
      session.status = 'expired';
      return { status: 200, body: session };
    }
    if (request.method === 'POST' && request.path === '/v1/refunds') {
      const intent = intents.get(form.get('payment_intent') ?? '');
      if (!intent) return error(404, 'resource_missing', 'No such payment_intent');
      const amount = Number(form.get('amount') ?? intent.amount_received - intent.amount_refunded);
      if (amount <= 0 || intent.amount_refunded + amount > intent.amount_received) return error(400, 'charge_already_refunded', 'Refund exceeds the charge');
      intent.amount_refunded += amount;
      const metadata = Object.fromEntries([...form.entries()].filter(([k]) => k.startsWith('metadata[')).map(([k, v]) => [k.slice(9, -1), v]));
      const refund = { id: id('re'), object: 'refund', amount, currency: intent.currency, payment_intent: intent.id, status: pendingRefunds ? 'pending' : 'succeeded', metadata, created: Math.floor(Date.now() / 1000) };
      refunds.set(refund.id, refund);
      return { status: 200, body: { ...refund } };
    }
    if (request.method === 'GET' && request.path === '/v1/refunds') {
      // GET /v1/refunds?payment_intent=…: a PaymentIntent's refunds, newest first.
      const of = request.query.get('payment_intent');
      const data = [...refunds.values()].filter((refund) => of === null || refund.payment_intent === of).reverse().map((refund) => ({ ...refund }));
      return { status: 200, body: { object: 'list', url: '/v1/refunds', has_more: false, data } };
    }
    if ((match = request.path.match(/^\/v1\/refunds\/(\w+)$/)) && request.method === 'GET') {
      const refund = refunds.get(match[1]!);
      return refund ? { status: 200, body: { ...refund } } : error(404, 'resource_missing', 'No such refund');
    }
    return error(404, 'resource_missing', `Unrecognized request URL (${request.method}: ${request.path})`);
  }

  const held = new Set<string>();
  const fake = await startFakeServer((request) => {
    const key = request.headers['idempotency-key'];
    if (typeof key === 'string' && held.has(key)) {
      return { status: 409, body: { error: { type: 'idempotency_error', message: 'There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through).' } } };
    }
    const replayKey = typeof key === 'string' && request.method === 'POST' ? `${request.path}:${key}` : null;
    const lost: FakeResponse = { status: 500, body: { error: { type: 'api_error', message: 'An unknown error occurred' } } };
    if (replayKey && replies.has(replayKey)) return lostAnswers ? lost : { ...replies.get(replayKey)!, headers: { 'idempotent-replayed': 'true' } };
    const response = route(request);
    if (replayKey) replies.set(replayKey, response);
    return lostAnswers && request.method === 'POST' ? lost : response;
  });
  base = fake.url;

  return {
    ...fake, secretKey, webhookSecret,
    pay(sessionId) {
      const session = sessions.get(sessionId);
      const intent = { id: id('pi'), object: 'payment_intent', amount: session.amount_total, amount_received: session.amount_total, amount_refunded: 0, currency: session.currency, status: 'succeeded', metadata: session.metadata };
      intents.set(intent.id, intent);
      Object.assign(session, { status: 'complete', payment_status: 'paid', payment_intent: intent.id });
    },
    session: (sessionId) => sessions.get(sessionId),
    intent: (intentId) => intents.get(intentId),
    refundsPending(on) {
      pendingRefunds = on;
    },
    settleRefund(refundId, status) {
      const refund = refunds.get(refundId);
      if (status !== 'succeeded') intents.get(refund.payment_intent).amount_refunded -= refund.amount;
      refund.status = status;
    },
    refund: (refundId) => refunds.get(refundId),
    answersLost(on) {
      lostAnswers = on;
    },
    forgetIdempotencyKeys() {
      replies.clear();
    },
    holdKey(key) {
      held.add(key);
      return { release: () => held.delete(key) };
    },
    webhook(type, sessionId, options = {}) {
      const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
      // A payment_intent.* event carries the session's PaymentIntent (with the metadata Tolem set), the others the session.
      const session = sessions.get(sessionId);
      const object = type.startsWith('payment_intent.')
        ? intents.get(session.payment_intent) ?? { id: id('pi'), object: 'payment_intent', amount: session.amount_total, currency: session.currency, status: 'requires_payment_method', metadata: session.metadata }
        : session;
      const rawBody = JSON.stringify({ id: options.eventId ?? id('evt'), object: 'event', type, created: timestamp, data: { object } });
      const signature = createHmac('sha256', options.secret ?? webhookSecret).update(`${timestamp}.${rawBody}`).digest('hex');
      return { rawBody, headers: { 'stripe-signature': `t=${timestamp},v1=${signature}`, 'content-type': 'application/json' } };
    },
  };
}
