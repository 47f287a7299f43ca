import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startStripeFake, type StripeFake } from '../../../../test/fakes/stripe-server.ts';
import type { PaymentProvider } from '../payment-provider.ts';
import { createStripeProvider } from './stripe-provider.ts';

const NOW = new Date('2026-03-01T10:00:00Z');
const NOW_S = NOW.getTime() / 1000;

describe('stripe provider against a local Stripe', () => {
  let fake: StripeFake;
  let stripe: PaymentProvider;
  before(async () => {
    fake = await startStripeFake();
    stripe = createStripeProvider({ secretKey: fake.secretKey, webhookSecret: fake.webhookSecret, apiBase: fake.url, networkRetriesMax: 0, now: () => NOW });
  });
  after(async () => fake?.close());

  const input = { paymentId: 'pay_1', amount: 500_000n, currency: 'KZT', description: 'Top-up +7701***4567', returnUrl: 'https://tolem.example/pay/return', idempotencyKey: 'payment:pay_1:initiate', language: 'kk' as const };

  it('initiate → pay → status → refund, with amounts in KZT minor units and idempotency passed through', async () => {
    const first = await stripe.initiate(input);
    assert.ok(first.ok);
    assert.equal(first.value.status, 'requires_action');
    assert.ok(first.value.redirectUrl?.startsWith(fake.url));
    const session = fake.session(first.value.providerReference);
    assert.equal(session.amount_total, 500_000);
    assert.equal(session.currency, 'kzt');
    assert.equal(session.locale, 'ru');
    assert.equal(session.metadata.payment_id, 'pay_1');
    const again = await stripe.initiate(input);
    assert.ok(again.ok);
    assert.equal(again.value.providerReference, first.value.providerReference, 'the same Idempotency-Key makes the same session');
    assert.equal(fake.requests.filter((r) => r.path === '/v1/checkout/sessions').every((r) => r.headers['idempotency-key'] === input.idempotencyKey), true);

    const open = await stripe.getStatus(first.value.providerReference);
    assert.ok(open.ok);
    assert.equal(open.value.status, 'requires_action');
    fake.pay(first.value.providerReference);
    const paid = await stripe.getStatus(first.value.providerReference);
    assert.ok(paid.ok);
    assert.equal(paid.value.status, 'succeeded');
    assert.equal(paid.value.amountCaptured, 500_000n);

    const refund = await stripe.refund(first.value.providerReference, 200_000n, 'payment:pay_1:refund:1');
    assert.ok(refund.ok);
    assert.equal(refund.value.status, 'succeeded');
    const replayed = await stripe.refund(first.value.providerReference, 200_000n, 'payment:pay_1:refund:1');
    assert.ok(replayed.ok);
    assert.equal(replayed.value.providerRefundId, refund.value.providerRefundId, 'a retried refund is the same refund');
    const tooMuch = await stripe.refund(first.value.providerReference, 400_000n, 'payment:pay_1:refund:2');
    assert.equal(tooMuch.ok, false);
    assert.equal(!tooMuch.ok && tooMuch.code, 'refund_refused');
    // Another request under the key still running at Stripe (409): not a refusal, since it may be
    // paying the card back; answered as no answer, so that Tolem keeps the money reserved.
    const running = fake.holdKey('payment:pay_1:refund:3');
    const inFlight = await stripe.refund(first.value.providerReference, 100_000n, 'payment:pay_1:refund:3');
    assert.equal(!inFlight.ok && inFlight.code, 'provider_unreachable');
    running.release();
    const done = await stripe.refund(first.value.providerReference, 100_000n, 'payment:pay_1:refund:3');
    assert.ok(done.ok);
    // A refund the bank has not paid out: pending, then read back by id until it is decided.
    fake.refundsPending(true);
    const slow = await stripe.refund(first.value.providerReference, 50_000n, 'payment:pay_1:refund:4');
    fake.refundsPending(false);
    assert.ok(slow.ok);
    assert.equal(slow.value.status, 'pending');
    assert.equal((await stripe.refundStatus(first.value.providerReference, slow.value.providerRefundId, 'payment:pay_1:refund:4')).ok, true);
    assert.equal(fake.requests.at(-1)!.path, `/v1/refunds/${slow.value.providerRefundId}`);
    fake.settleRefund(slow.value.providerRefundId, 'failed');
    const failed = await stripe.refundStatus(first.value.providerReference, slow.value.providerRefundId, 'payment:pay_1:refund:4');
    assert.equal(failed.ok && failed.value.status, 'failed');
    const missing = await stripe.refundStatus(first.value.providerReference, 're_test_nope', 'payment:pay_1:refund:5');
    assert.equal(!missing.ok && missing.code, 'not_found');
  });

  it('cancel expires an open session; unknown references are not_found', async () => {
    const started = await stripe.initiate({ ...input, paymentId: 'pay_2', idempotencyKey: 'payment:pay_2:initiate' });
    assert.ok(started.ok);
    const canceled = await stripe.cancel(started.value.providerReference);
    assert.ok(canceled.ok);
    assert.equal(canceled.value.status, 'expired');
    const missing = await stripe.getStatus('cs_test_nope');
    assert.equal(!missing.ok && missing.code, 'not_found');
    const currency = await stripe.initiate({ ...input, currency: 'XYZ' });
    assert.equal(!currency.ok && currency.code, 'currency_unsupported');
  });

  it('verifies webhooks with the SDK and normalises checkout events', async () => {
    const started = await stripe.initiate({ ...input, paymentId: 'pay_3', idempotencyKey: 'payment:pay_3:initiate' });
    assert.ok(started.ok);
    fake.pay(started.value.providerReference);
    const delivery = fake.webhook('checkout.session.completed', started.value.providerReference, { timestamp: NOW_S - 10, eventId: 'evt_1' });
    const event = await stripe.parseWebhook(delivery);
    assert.ok(event.ok);
    assert.deepEqual({ ...event.value, raw: undefined }, {
      eventId: 'evt_1', providerReference: started.value.providerReference, status: 'succeeded', amount: 500_000n, currency: 'KZT',
      paymentId: 'pay_3', occurredAt: new Date((NOW_S - 10) * 1000).toISOString(), raw: undefined,
    });
    const expired = await stripe.parseWebhook(fake.webhook('checkout.session.expired', started.value.providerReference, { timestamp: NOW_S }));
    assert.ok(expired.ok);
    assert.equal(expired.value.status, 'expired');
  });

  it('refuses forged, tampered, stale and future webhooks', async () => {
    const started = await stripe.initiate({ ...input, paymentId: 'pay_4', idempotencyKey: 'payment:pay_4:initiate' });
    assert.ok(started.ok);
    const reference = started.value.providerReference;
    const codeOf = async (request: { rawBody: string; headers: Record<string, string> }) => {
      const result = await stripe.parseWebhook(request);
      return result.ok ? 'ok' : result.code;
    };
    assert.equal(await codeOf(fake.webhook('checkout.session.completed', reference, { timestamp: NOW_S, secret: 'whsec_somebodyelse123' })), 'webhook_signature_invalid');
    const good = fake.webhook('checkout.session.completed', reference, { timestamp: NOW_S });
    assert.equal(await codeOf({ ...good, rawBody: good.rawBody.replace('500000', '900000') }), 'webhook_signature_invalid');
    assert.equal(await codeOf({ rawBody: good.rawBody, headers: {} }), 'webhook_signature_invalid');
    assert.equal(await codeOf(fake.webhook('checkout.session.completed', reference, { timestamp: NOW_S - 301 })), 'webhook_timestamp_stale');
    assert.equal(await codeOf(fake.webhook('checkout.session.completed', reference, { timestamp: NOW_S + 301 })), 'webhook_timestamp_stale');
    assert.equal(await codeOf(fake.webhook('checkout.session.completed', reference, { timestamp: NOW_S - 299 })), 'ok');
  });

  it('an API that does not answer is provider_unreachable, never a throw', async () => {
    const closed = await startStripeFake();
    await closed.close();
    const result = await createStripeProvider({ secretKey: closed.secretKey, webhookSecret: closed.webhookSecret, apiBase: closed.url, networkRetriesMax: 0, timeoutMs: 2000 }).getStatus('cs_test_1');
    assert.equal(!result.ok && result.code, 'provider_unreachable');
  });

  it('refuses wrong options at creation with a clear message', () => {
    assert.throws(() => createStripeProvider({ secretKey: 'pk_test_123456789', webhookSecret: 'whsec_12345678' }), /secretKey/);
    assert.throws(() => createStripeProvider({ secretKey: 'sk_test_123456789', webhookSecret: '' }), /webhookSecret/);
    assert.throws(() => createStripeProvider({ secretKey: 'sk_test_123456789', webhookSecret: 'whsec_12345678', apiBase: 'ftp://x' }), /apiBase/);
  });
});
