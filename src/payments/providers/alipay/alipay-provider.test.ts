import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startAlipayFake, type AlipayFake } from '../../../../test/fakes/alipay-server.ts';
import type { PaymentProvider } from '../payment-provider.ts';
import { ALIPAY_NOTIFY_ACKNOWLEDGEMENT, createAlipayProvider } from './alipay-provider.ts';

const NOW = new Date('2026-03-01T10:00:00Z');

describe('alipay provider against a local Alipay gateway', () => {
  let fake: AlipayFake;
  let alipay: PaymentProvider;
  before(async () => {
    fake = await startAlipayFake();
    alipay = createAlipayProvider({
      appId: fake.appId, appPrivateKey: fake.appPrivateKeyPem, alipayPublicKey: fake.alipayPublicKeyPem, gatewayUrl: fake.gatewayUrl,
      notifyUrl: 'https://tolem.example/v1/payments/webhooks/alipay', kztPerYuan: '68.50', now: () => NOW,
    });
  });
  after(async () => fake?.close());

  const input = {
    paymentId: 'pay_01ALIPAY', amount: 500_000n, currency: 'KZT', description: 'Top-up +7701***4567', returnUrl: 'https://tolem.example/pay/return', idempotencyKey: 'payment:pay_01ALIPAY:initiate',
    language: 'zh' as const, expiresAt: '2026-03-01T10:30:00.000Z',
  };

  it('page pay (signed RSA2) → pay → query → refund, with yuan converted inside the adapter', async () => {
    const started = await alipay.initiate(input);
    assert.ok(started.ok);
    assert.equal(started.value.status, 'requires_action');
    const url = new URL(started.value.redirectUrl!);
    assert.equal(url.searchParams.get('method'), 'alipay.trade.page.pay');
    assert.equal(url.searchParams.get('sign_type'), 'RSA2');
    assert.equal(url.searchParams.get('timestamp'), '2026-03-01 18:00:00', 'Beijing time');
    const biz = JSON.parse(url.searchParams.get('biz_content')!);
    // 5 000 ₸ / 68.50 = 72.992… ¥, rounded up to the fen.
    assert.equal(biz.total_amount, '73.00');
    assert.equal(biz.product_code, 'FAST_INSTANT_TRADE_PAY');
    // The trade closes at Alipay when Tolem expires the payment, whenever the payer opens the link.
    assert.equal(biz.time_expire, '2026-03-01 18:30:00');
    assert.equal((await alipay.getStatus(started.value.providerReference)).ok, true, 'a trade not opened yet is still awaited');
    assert.deepEqual(fake.openPage(started.value.redirectUrl!), { ok: true });
    const tampered = started.value.redirectUrl!.replace('73.00', '0.01');
    assert.equal(fake.openPage(tampered).ok, false, 'the gateway refuses a changed amount');

    const waiting = await alipay.getStatus(started.value.providerReference);
    assert.ok(waiting.ok);
    assert.equal(waiting.value.status, 'requires_action');
    fake.pay(started.value.providerReference);
    const paid = await alipay.getStatus(started.value.providerReference);
    assert.ok(paid.ok);
    assert.equal(paid.value.status, 'succeeded');
    assert.equal(paid.value.amountCaptured, 500_000n, 'the exact tenge amount comes back');

    // Alipay made the refund but answers "unknown" (20000): not a refusal, asked again under the same number.
    fake.answerNextRefundUnknown();
    const unknown = await alipay.refund(started.value.providerReference, 500_000n, 'payment:pay_01ALIPAY:refund');
    assert.equal(!unknown.ok && unknown.code, 'provider_unreachable');
    const refund = await alipay.refund(started.value.providerReference, 500_000n, 'payment:pay_01ALIPAY:refund');
    assert.ok(refund.ok);
    assert.equal(refund.value.status, 'succeeded');
    assert.equal(fake.trade(started.value.providerReference).refunded_cents, 7300);
    const retried = await alipay.refund(started.value.providerReference, 500_000n, 'payment:pay_01ALIPAY:refund');
    assert.ok(retried.ok, 'the same out_request_no is the same refund');
    assert.equal(fake.trade(started.value.providerReference).refunded_cents, 7300);
    const more = await alipay.refund(started.value.providerReference, 100_000n, 'payment:pay_01ALIPAY:refund:2');
    assert.equal(!more.ok && more.code, 'refund_refused');
    const read = await alipay.refundStatus(started.value.providerReference, refund.value.providerRefundId, 'payment:pay_01ALIPAY:refund');
    assert.ok(read.ok);
    assert.equal(read.value.status, 'succeeded');
    assert.equal(read.value.providerRefundId, refund.value.providerRefundId);
    const never = await alipay.refundStatus(started.value.providerReference, 'x', 'payment:pay_01ALIPAY:refund:never');
    assert.equal(!never.ok && never.code, 'not_found');
  });

  it('cancel closes a waiting trade; wap mode and currencies; options checked at creation', async () => {
    const started = await alipay.initiate({ ...input, paymentId: 'pay_02ALIPAY' });
    assert.ok(started.ok);
    fake.openPage(started.value.redirectUrl!);
    const closed = await alipay.cancel(started.value.providerReference);
    assert.ok(closed.ok);
    assert.equal(closed.value.status, 'canceled');
    const status = await alipay.getStatus(started.value.providerReference);
    assert.ok(status.ok);
    assert.equal(status.value.status, 'canceled');
    const wap = createAlipayProvider({ appId: fake.appId, appPrivateKey: fake.appPrivateKeyPem, alipayPublicKey: fake.alipayPublicKeyPem, gatewayUrl: fake.gatewayUrl, notifyUrl: 'https://tolem.example/n', mode: 'wap' });
    const wapStarted = await wap.initiate({ ...input, currency: 'CNY', amount: 1234n });
    assert.ok(wapStarted.ok);
    assert.equal(new URL(wapStarted.value.redirectUrl!).searchParams.get('method'), 'alipay.trade.wap.pay');
    const noRate = await wap.initiate(input);
    assert.equal(!noRate.ok && noRate.code, 'currency_unsupported');
    assert.throws(() => createAlipayProvider({ appId: fake.appId, appPrivateKey: 'nonsense', alipayPublicKey: fake.alipayPublicKeyPem, notifyUrl: 'https://x.example/n' }), /appPrivateKey/);
    assert.throws(() => createAlipayProvider({ appId: 'abc', appPrivateKey: fake.appPrivateKeyPem, alipayPublicKey: fake.alipayPublicKeyPem, notifyUrl: 'http://x.example/n' }), /appId.*notifyUrl/);
  });

  it('a gateway that does not answer is provider_unreachable, never a throw', async () => {
    const closed = await startAlipayFake();
    await closed.close();
    const unreachable = createAlipayProvider({ appId: fake.appId, appPrivateKey: fake.appPrivateKeyPem, alipayPublicKey: fake.alipayPublicKeyPem, gatewayUrl: closed.gatewayUrl, notifyUrl: 'https://x.example/n', timeoutMs: 2000 });
    const result = await unreachable.getStatus('pay_X_1');
    assert.equal(!result.ok && result.code, 'provider_unreachable');
  });

  it('a query answer signed by someone else is not believed', async () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const fooled = createAlipayProvider({ appId: fake.appId, appPrivateKey: fake.appPrivateKeyPem, alipayPublicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(), gatewayUrl: fake.gatewayUrl, notifyUrl: 'https://x.example/n', kztPerYuan: '68.50', now: () => NOW });
    const answer = await fooled.getStatus(`${input.paymentId}_500000`);
    assert.equal(!answer.ok && answer.code, 'provider_response_unverified');
  });

  it('a trade made at one rate is paid in full after ALIPAY_KZT_PER_YUAN changed: the trade number\'s tenge, not the new rate\'s', async () => {
    const started = await alipay.initiate({ ...input, paymentId: 'pay_05ALIPAY' });
    assert.ok(started.ok);
    fake.openPage(started.value.redirectUrl!);
    assert.equal(fake.trade(started.value.providerReference).total_amount, '73.00');
    // The operator sets a new rate and restarts while the payer has the page open; the payer pays the 73.00 ¥ asked.
    const later = createAlipayProvider({ appId: fake.appId, appPrivateKey: fake.appPrivateKeyPem, alipayPublicKey: fake.alipayPublicKeyPem, gatewayUrl: fake.gatewayUrl, notifyUrl: 'https://tolem.example/n', kztPerYuan: '70.00', now: () => NOW });
    fake.pay(started.value.providerReference);
    const paid = await later.getStatus(started.value.providerReference);
    assert.equal(paid.ok && paid.value.amountCaptured, 500_000n);
    const event = await later.parseWebhook(fake.notify(started.value.providerReference, { notifyTime: NOW }));
    assert.ok(event.ok);
    assert.deepEqual([event.value.amount, event.value.currency], [500_000n, 'KZT']);
  });

  it('verifies async notifications with the Alipay public key; refuses forged, tampered and stale ones', async () => {
    const started = await alipay.initiate({ ...input, paymentId: 'pay_03ALIPAY' });
    assert.ok(started.ok);
    fake.openPage(started.value.redirectUrl!);
    fake.pay(started.value.providerReference);
    assert.equal(ALIPAY_NOTIFY_ACKNOWLEDGEMENT, 'success');
    const notification = fake.notify(started.value.providerReference, { notifyTime: new Date(NOW.getTime() - 60_000), notifyId: 'n-1' });
    const event = await alipay.parseWebhook(notification);
    assert.ok(event.ok);
    assert.equal(event.value.eventId, 'n-1');
    assert.equal(event.value.providerReference, started.value.providerReference);
    assert.equal(event.value.paymentId, 'pay_03ALIPAY');
    assert.equal(event.value.status, 'succeeded');
    assert.equal(event.value.amount, 500_000n);
    assert.equal(event.value.currency, 'KZT');
    const codeOf = async (request: { rawBody: string; headers: Record<string, string> }) => {
      const result = await alipay.parseWebhook(request);
      return result.ok ? 'ok' : result.code;
    };
    const { privateKey: stranger } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    assert.equal(await codeOf(fake.notify(started.value.providerReference, { notifyTime: NOW, signWith: stranger })), 'webhook_signature_invalid');
    const good = fake.notify(started.value.providerReference, { notifyTime: NOW });
    assert.equal(await codeOf({ ...good, rawBody: good.rawBody.replace('total_amount=73.00', 'total_amount=730.00') }), 'webhook_signature_invalid');
    assert.equal(await codeOf({ ...good, rawBody: good.rawBody.replace(/&sign=[^&]*/, '') }), 'webhook_signature_invalid');
    assert.equal(await codeOf(fake.notify(started.value.providerReference, { notifyTime: new Date(NOW.getTime() - 301_000) })), 'webhook_timestamp_stale');
    assert.equal(await codeOf(good), 'ok');
  });

  it('a notification carrying an empty parameter is verified as Alipay signs it, the empty one included (key=)', async () => {
    const started = await alipay.initiate({ ...input, paymentId: 'pay_06ALIPAY' });
    assert.ok(started.ok);
    fake.openPage(started.value.redirectUrl!);
    fake.pay(started.value.providerReference);
    const event = await alipay.parseWebhook(fake.notify(started.value.providerReference, { notifyTime: NOW, extra: { passback_params: '' } }));
    assert.equal(event.ok ? event.value.status : event.code, 'succeeded');
  });
});
