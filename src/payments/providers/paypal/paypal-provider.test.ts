import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startPayPalFake, type PayPalFake } from '../../../../test/fakes/paypal-server.ts';
import type { PaymentProvider } from '../payment-provider.ts';
import { createPayPalProvider } from './paypal-provider.ts';

const NOW = new Date('2026-03-01T10:00:00Z');

describe('paypal provider against a local PayPal', () => {
  let fake: PayPalFake;
  let paypal: PaymentProvider;
  before(async () => {
    fake = await startPayPalFake();
    paypal = createPayPalProvider({
      clientId: fake.clientId, clientSecret: fake.clientSecret, webhookId: fake.webhookId, apiBase: fake.url,
      settlementCurrency: 'USD', kztPerSettlementUnit: '512.34', now: () => NOW,
    });
  });
  after(async () => fake?.close());

  const input = { paymentId: 'pay_1', amount: 500_000n, currency: 'KZT', description: 'Top-up', returnUrl: 'https://tolem.example/pay/return', idempotencyKey: 'payment:pay_1:initiate', language: 'zh' as const };

  it('initiate → approve → capture → status → refund, converting KZT to the settlement currency inside the adapter', async () => {
    const created = await paypal.initiate(input);
    assert.ok(created.ok);
    assert.equal(created.value.status, 'requires_action');
    assert.match(created.value.redirectUrl ?? '', /\/checkoutnow\?token=/);
    const order = fake.order(created.value.providerReference);
    // 5 000 ₸ / 512.34 = 9.759… USD, rounded up to the cent.
    assert.deepEqual(order.purchase_units[0].amount, { currency_code: 'USD', value: '9.76' });
    assert.equal(order.application_context.locale, 'zh-CN');
    const again = await paypal.initiate(input);
    assert.ok(again.ok);
    assert.equal(again.value.providerReference, created.value.providerReference, 'PayPal-Request-Id makes a retry the same order');
    assert.equal(fake.tokensIssued(), 1, 'the OAuth token is cached');

    const notApproved = await paypal.capture(created.value.providerReference, input.amount);
    assert.ok(notApproved.ok);
    assert.equal(notApproved.value.status, 'requires_action', 'nothing to capture before the payer approves');
    fake.approve(created.value.providerReference);
    const approved = await paypal.getStatus(created.value.providerReference);
    assert.ok(approved.ok);
    assert.equal(approved.value.status, 'processing');
    const captured = await paypal.capture(created.value.providerReference, input.amount);
    assert.ok(captured.ok);
    assert.equal(captured.value.status, 'succeeded');
    assert.equal(captured.value.amountCaptured, 500_000n, 'reported back in tenge exactly');
    const capturedAgain = await paypal.capture(created.value.providerReference, input.amount);
    assert.ok(capturedAgain.ok);
    assert.equal(capturedAgain.value.status, 'succeeded');

    const refund = await paypal.refund(created.value.providerReference, 500_000n, 'payment:pay_1:refund');
    assert.ok(refund.ok);
    assert.equal(refund.value.status, 'succeeded');
    const refundBody = JSON.parse(fake.requests.at(-1)!.rawBody);
    assert.deepEqual(refundBody.amount, { currency_code: 'USD', value: '9.76' });
    assert.equal(fake.requests.at(-1)!.headers['paypal-request-id'], 'payment:pay_1:refund');
    const twice = await paypal.refund(created.value.providerReference, 500_000n, 'payment:pay_1:refund:2');
    assert.equal(!twice.ok && twice.code, 'refund_refused');
    const read = await paypal.refundStatus(created.value.providerReference, refund.value.providerRefundId, 'payment:pay_1:refund');
    assert.equal(read.ok && read.value.status, 'succeeded');
    assert.equal(fake.requests.at(-1)!.path, `/v2/payments/refunds/${refund.value.providerRefundId}`);
  });

  it('refunds in parts are each their share of the capture, on the running total: they add up to it to the cent', async () => {
    const created = await paypal.initiate({ ...input, paymentId: 'pay_thirds', idempotencyKey: 'payment:pay_thirds:initiate' });
    assert.ok(created.ok);
    fake.approve(created.value.providerReference);
    assert.equal((await paypal.capture(created.value.providerReference, input.amount)).ok, true);
    const sent: string[] = [];
    let before = 0n;
    for (const [index, amount] of [166_667n, 166_667n, 166_666n].entries()) {
      const refund = await paypal.refund(created.value.providerReference, amount, `payment:pay_thirds:refund:${index}`, before);
      assert.equal(refund.ok && refund.value.status, 'succeeded', `part ${index + 1}`);
      sent.push(JSON.parse(fake.requests.at(-1)!.rawBody).amount.value);
      before += amount;
    }
    // 9.76 USD captured; at the rate, rounded up per part, each third was 3.26 USD: 9.78 in all, and the third refused.
    assert.deepEqual(sent, ['3.25', '3.25', '3.26']);
    const over = await paypal.refund(created.value.providerReference, 1n, 'payment:pay_thirds:refund:over', before);
    assert.equal(!over.ok && over.code, 'refund_refused', 'nothing is left to refund');
  });

  it('a PENDING refund is read back until PayPal decides it; CANCELLED is a refusal', async () => {
    const created = await paypal.initiate({ ...input, paymentId: 'pay_p2', idempotencyKey: 'payment:pay_p2:initiate' });
    assert.ok(created.ok);
    fake.approve(created.value.providerReference);
    assert.ok((await paypal.capture(created.value.providerReference, 500_000n)).ok);
    fake.refundsPending(true);
    const refund = await paypal.refund(created.value.providerReference, 500_000n, 'payment:pay_p2:refund');
    fake.refundsPending(false);
    assert.ok(refund.ok);
    assert.equal(refund.value.status, 'pending');
    const still = await paypal.refundStatus(created.value.providerReference, refund.value.providerRefundId, 'payment:pay_p2:refund');
    assert.equal(still.ok && still.value.status, 'pending');
    fake.settleRefund(refund.value.providerRefundId, 'CANCELLED');
    const canceled = await paypal.refundStatus(created.value.providerReference, refund.value.providerRefundId, 'payment:pay_p2:refund');
    assert.equal(canceled.ok && canceled.value.status, 'failed');
    const missing = await paypal.refundStatus(created.value.providerReference, 'NOPE', 'payment:pay_p2:refund:2');
    assert.equal(!missing.ok && missing.code, 'not_found');
  });

  it('without a settlement currency KZT is currency_unsupported; options are checked at creation', async () => {
    const plain = createPayPalProvider({ clientId: fake.clientId, clientSecret: fake.clientSecret, webhookId: fake.webhookId, apiBase: fake.url });
    const refused = await plain.initiate(input);
    assert.equal(!refused.ok && refused.code, 'currency_unsupported');
    assert.throws(() => createPayPalProvider({ clientId: '', clientSecret: 'x', webhookId: 'y', apiBase: fake.url }), /clientId/);
    assert.throws(() => createPayPalProvider({ clientId: 'a', clientSecret: 'x', webhookId: 'y', apiBase: 'http://paypal.example' }), /apiBase/);
    assert.throws(() => createPayPalProvider({ clientId: 'a', clientSecret: 'x', webhookId: 'y', apiBase: fake.url, settlementCurrency: 'KZT', kztPerSettlementUnit: '1' }), /settlementCurrency/);
    assert.throws(() => createPayPalProvider({ clientId: 'a', clientSecret: 'x', webhookId: 'y', apiBase: fake.url, settlementCurrency: 'USD', kztPerSettlementUnit: 'abc' }), /kztPerSettlementUnit/);
    const wrongSecret = createPayPalProvider({ clientId: fake.clientId, clientSecret: 'wrong', webhookId: fake.webhookId, apiBase: fake.url, settlementCurrency: 'USD', kztPerSettlementUnit: '500' });
    const denied = await wrongSecret.getStatus('X');
    assert.equal(!denied.ok && denied.code, 'provider_credentials_invalid');
  });

  it('a provider that does not answer is provider_unreachable, never a throw', async () => {
    const closed = await startPayPalFake();
    await closed.close();
    const unreachable = createPayPalProvider({ clientId: 'a', clientSecret: 'b', webhookId: 'c', apiBase: closed.url, settlementCurrency: 'USD', kztPerSettlementUnit: '500', timeoutMs: 2000 });
    const result = await unreachable.initiate(input);
    assert.equal(!result.ok && result.code, 'provider_unreachable');
  });

  it('verifies webhooks through verify-webhook-signature and normalises them', async () => {
    const created = await paypal.initiate({ ...input, paymentId: 'pay_2', idempotencyKey: 'payment:pay_2:initiate' });
    assert.ok(created.ok);
    fake.approve(created.value.providerReference);
    const approved = await paypal.parseWebhook(fake.webhook('CHECKOUT.ORDER.APPROVED', created.value.providerReference, { time: NOW, eventId: 'WH-1' }));
    assert.ok(approved.ok);
    assert.equal(approved.value.status, 'processing');
    assert.equal(approved.value.paymentId, 'pay_2');
    assert.equal(approved.value.eventId, 'WH-1');
    await paypal.capture(created.value.providerReference, input.amount);
    const completed = await paypal.parseWebhook(fake.webhook('PAYMENT.CAPTURE.COMPLETED', created.value.providerReference, { time: new Date(NOW.getTime() - 60_000) }));
    assert.ok(completed.ok);
    assert.equal(completed.value.providerReference, created.value.providerReference);
    assert.equal(completed.value.status, 'succeeded');
    assert.equal(completed.value.amount, 500_000n);
    assert.equal(completed.value.currency, 'KZT');
  });

  it('an order made at one rate is captured in full after the rate changed: custom_id\'s tenge, not the new rate\'s', async () => {
    const created = await paypal.initiate({ ...input, paymentId: 'pay_rate', idempotencyKey: 'payment:pay_rate:initiate' });
    assert.ok(created.ok);
    fake.approve(created.value.providerReference);
    const later = createPayPalProvider({
      clientId: fake.clientId, clientSecret: fake.clientSecret, webhookId: fake.webhookId, apiBase: fake.url,
      settlementCurrency: 'USD', kztPerSettlementUnit: '520.00', now: () => NOW,
    });
    const captured = await later.capture(created.value.providerReference, input.amount);
    assert.deepEqual([captured.ok && captured.value.status, captured.ok && captured.value.amountCaptured], ['succeeded', 500_000n]);
    for (const type of ['CHECKOUT.ORDER.COMPLETED', 'PAYMENT.CAPTURE.COMPLETED']) {
      const event = await later.parseWebhook(fake.webhook(type, created.value.providerReference, { time: NOW }));
      assert.ok(event.ok);
      assert.deepEqual([event.value.amount, event.value.currency], [500_000n, 'KZT'], type);
    }
  });

  it('an order COMPLETED with its capture still PENDING is not yet paid: the capture decides', async () => {
    const created = await paypal.initiate({ ...input, paymentId: 'pay_pending', idempotencyKey: 'payment:pay_pending:initiate' });
    assert.ok(created.ok);
    fake.approve(created.value.providerReference);
    await paypal.capture(created.value.providerReference, input.amount);
    fake.setCaptureStatus(created.value.providerReference, 'PENDING');
    const held = await paypal.parseWebhook(fake.webhook('CHECKOUT.ORDER.COMPLETED', created.value.providerReference, { time: NOW }));
    assert.ok(held.ok);
    assert.equal(held.value.status, 'processing');
    fake.setCaptureStatus(created.value.providerReference, 'COMPLETED');
    const paid = await paypal.parseWebhook(fake.webhook('CHECKOUT.ORDER.COMPLETED', created.value.providerReference, { time: NOW }));
    assert.ok(paid.ok);
    assert.deepEqual([paid.value.status, paid.value.amount, paid.value.currency], ['succeeded', 500_000n, 'KZT']);
  });

  it('refuses forged, tampered, foreign and stale webhooks', async () => {
    const created = await paypal.initiate({ ...input, paymentId: 'pay_3', idempotencyKey: 'payment:pay_3:initiate' });
    assert.ok(created.ok);
    const reference = created.value.providerReference;
    const codeOf = async (request: { rawBody: string; headers: Record<string, string> }) => {
      const result = await paypal.parseWebhook(request);
      return result.ok ? 'ok' : result.code;
    };
    const { privateKey: stranger } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    assert.equal(await codeOf(fake.webhook('CHECKOUT.ORDER.APPROVED', reference, { time: NOW, signWith: stranger })), 'webhook_signature_invalid');
    const good = fake.webhook('CHECKOUT.ORDER.APPROVED', reference, { time: NOW });
    assert.equal(await codeOf({ ...good, rawBody: good.rawBody.replace('APPROVED', 'COMPLETED') }), 'webhook_signature_invalid');
    assert.equal(await codeOf(fake.webhook('CHECKOUT.ORDER.APPROVED', reference, { time: NOW, webhookId: 'WH-OTHER' })), 'webhook_signature_invalid');
    assert.equal(await codeOf({ ...good, headers: { ...good.headers, 'paypal-transmission-sig': '' } }), 'webhook_signature_invalid');
    assert.equal(await codeOf(fake.webhook('CHECKOUT.ORDER.APPROVED', reference, { time: new Date(NOW.getTime() - 301_000) })), 'webhook_timestamp_stale');
    assert.equal(await codeOf(fake.webhook('CHECKOUT.ORDER.APPROVED', reference, { time: new Date(NOW.getTime() + 301_000) })), 'webhook_timestamp_stale');
    assert.equal(await codeOf(good), 'ok');
  });

  it('has PayPal verify the body as it was delivered, not re-serialized: PayPal\'s signature covers the exact bytes', async () => {
    const created = await paypal.initiate({ ...input, paymentId: 'pay_4', idempotencyKey: 'payment:pay_4:initiate' });
    assert.ok(created.ok);
    // Written otherwise than JSON.stringify would write it again: slashes escaped (as many JSON writers do), or spaced out.
    for (const serialize of [(event: unknown) => JSON.stringify(event).replace(/\//g, '\\/'), (event: unknown) => JSON.stringify(event, null, 2)]) {
      const delivered = fake.webhook('CHECKOUT.ORDER.APPROVED', created.value.providerReference, { time: NOW, serialize });
      assert.notEqual(JSON.stringify(JSON.parse(delivered.rawBody)), delivered.rawBody);
      const parsed = await paypal.parseWebhook(delivered);
      assert.ok(parsed.ok, parsed.ok ? '' : parsed.code);
      assert.equal(parsed.value.status, 'processing');
    }
  });
});
