import assert from 'node:assert/strict';
import { generateKeyPairSync } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { startWeChatPayFake, type WeChatPayFake } from '../../../../test/fakes/wechatpay-server.ts';
import type { PaymentProvider } from '../payment-provider.ts';
import { createWeChatPayProvider } from './wechatpay-provider.ts';
import type { WeChatPayProviderOptions } from './wechatpay-options.ts';

const NOW = new Date('2026-03-01T10:00:00Z');
const NOW_S = NOW.getTime() / 1000;

describe('wechatpay provider against a local WeChat Pay API v3', () => {
  let fake: WeChatPayFake;
  let options: WeChatPayProviderOptions;
  let wechat: PaymentProvider;
  before(async () => {
    fake = await startWeChatPayFake();
    options = {
      mchId: fake.mchId, appId: fake.appId, merchantSerial: fake.merchantSerial, merchantPrivateKey: fake.merchantPrivateKeyPem,
      platformPublicKeys: { [fake.platformSerial]: fake.platformPublicKeyPem }, apiV3Key: fake.apiV3Key, apiBase: fake.url,
      notifyUrl: 'https://tolem.example/v1/payments/webhooks/wechatpay', kztPerYuan: '68.50', now: () => NOW,
    };
    wechat = createWeChatPayProvider(options);
  });
  after(async () => fake?.close());

  const input = { paymentId: 'pay_01WECHAT', amount: 500_000n, currency: 'KZT', description: '话费充值 +7701***4567', returnUrl: 'https://tolem.example/pay/return', idempotencyKey: 'payment:pay_01WECHAT:initiate', language: 'zh' as const };

  it('native order (signed request) → pay → query → refund, with fen converted inside the adapter', async () => {
    const started = await wechat.initiate(input);
    assert.ok(started.ok);
    assert.equal(started.value.status, 'requires_action');
    assert.match(started.value.qrContent ?? '', /^weixin:\/\/wxpay\/bizpayurl\?pr=/);
    // 5 000 ₸ / 68.50 = 72.992… ¥ → 7 300 fen.
    assert.equal(fake.order('pay_01WECHAT').amount.total, 7300);
    assert.match(String(fake.requests[0]!.headers.authorization), /^WECHATPAY2-SHA256-RSA2048 mchid="1900000109",nonce_str="\w+",signature="[^"]+",timestamp="\d+",serial_no="[0-9A-F]+"$/);
    const waiting = await wechat.getStatus('pay_01WECHAT');
    assert.ok(waiting.ok);
    assert.equal(waiting.value.status, 'requires_action');
    fake.pay('pay_01WECHAT');
    const paid = await wechat.getStatus('pay_01WECHAT');
    assert.ok(paid.ok);
    assert.equal(paid.value.status, 'succeeded');
    assert.equal(paid.value.amountCaptured, 500_000n, 'the exact tenge amount comes back through attach');
    const refund = await wechat.refund('pay_01WECHAT', 500_000n, 'payment:pay_01WECHAT:refund');
    assert.ok(refund.ok);
    assert.equal(refund.value.status, 'pending', 'WeChat Pay answers PROCESSING first');
    assert.equal(fake.order('pay_01WECHAT').refunded, 7300);
    const retried = await wechat.refund('pay_01WECHAT', 500_000n, 'payment:pay_01WECHAT:refund');
    assert.ok(retried.ok);
    assert.equal(retried.value.providerRefundId, refund.value.providerRefundId);
    const more = await wechat.refund('pay_01WECHAT', 100_000n, 'payment:pay_01WECHAT:refund:2');
    assert.equal(!more.ok && more.code, 'refund_refused');
    // The refund is looked up by the merchant's refund number, made from the same key.
    const outRefundNo = fake.requests.find((r) => r.path === '/v3/refund/domestic/refunds')!.rawBody;
    const number = JSON.parse(outRefundNo).out_refund_no;
    const still = await wechat.refundStatus('pay_01WECHAT', refund.value.providerRefundId, 'payment:pay_01WECHAT:refund');
    assert.equal(still.ok && still.value.status, 'pending');
    assert.equal(fake.requests.at(-1)!.path, `/v3/refund/domestic/refunds/${number}`);
    fake.settleRefund(number, 'SUCCESS');
    const done = await wechat.refundStatus('pay_01WECHAT', refund.value.providerRefundId, 'payment:pay_01WECHAT:refund');
    assert.ok(done.ok);
    assert.equal(done.value.status, 'succeeded');
    assert.equal(done.value.providerRefundId, refund.value.providerRefundId);
    const unknown = await wechat.refundStatus('pay_01WECHAT', '5030', 'payment:pay_01WECHAT:refund:never');
    assert.equal(!unknown.ok && unknown.code, 'not_found');
  });

  it('a refund the bank cannot pay back (ABNORMAL: the card is closed) waits for the operator; CLOSED is a refusal', async () => {
    const started = await wechat.initiate({ ...input, paymentId: 'pay_03WECHAT' });
    assert.ok(started.ok);
    fake.pay('pay_03WECHAT');
    const refund = await wechat.refund('pay_03WECHAT', 200_000n, 'refund_rf_03');
    assert.equal(refund.ok && refund.value.status, 'pending');
    fake.settleRefund('refund_rf_03', 'ABNORMAL');
    const abnormal = await wechat.refundStatus('pay_03WECHAT', refund.ok ? refund.value.providerRefundId : '', 'refund_rf_03');
    assert.ok(abnormal.ok);
    assert.equal(abnormal.value.status, 'pending', 'the money is held by WeChat Pay, not back with the merchant');
    assert.match(abnormal.value.attention ?? '', /^wechatpay_abnormal/);
    const other = await wechat.refund('pay_03WECHAT', 100_000n, 'refund_rf_04');
    assert.equal(other.ok && other.value.status, 'pending');
    fake.settleRefund('refund_rf_04', 'CLOSED');
    const closed = await wechat.refundStatus('pay_03WECHAT', other.ok ? other.value.providerRefundId : '', 'refund_rf_04');
    assert.equal(closed.ok && closed.value.status, 'failed');
  });

  it('refunds in parts are each their share of the fen paid, on the running total: they add up to the order, and a rate changed since does not matter', async () => {
    const started = await wechat.initiate({ ...input, paymentId: 'pay_05WECHAT' });
    assert.ok(started.ok);
    fake.pay('pay_05WECHAT');
    assert.equal(fake.order('pay_05WECHAT').amount.total, 7300);
    // Configured since at another rate: the refunds still divide the 73.00 ¥ paid.
    const later = createWeChatPayProvider({ ...options, kztPerYuan: '70.00' });
    const sent: number[] = [];
    let before = 0n;
    for (const [index, amount] of [166_667n, 166_667n, 166_666n].entries()) {
      const refund = await later.refund('pay_05WECHAT', amount, `refund_rf_05_${index}`, before);
      assert.equal(refund.ok && refund.value.status, 'pending', `part ${index + 1}`);
      sent.push(JSON.parse(fake.requests.filter((r) => r.path === '/v3/refund/domestic/refunds').at(-1)!.rawBody).amount.refund);
      before += amount;
    }
    // Rounded up per part at the rate, each third was 2 434 fen: 7 302 in all, and the third refused.
    assert.deepEqual(sent, [2433, 2433, 2434]);
    assert.equal(fake.order('pay_05WECHAT').refunded, 7300);
    const over = await later.refund('pay_05WECHAT', 1n, 'refund_rf_05_over', before);
    assert.equal(!over.ok && over.code, 'refund_refused', 'nothing is left to refund');
  });

  it('an order made at one rate is paid in full after the rate changed: attach\'s tenge, not the new rate\'s', async () => {
    const started = await wechat.initiate({ ...input, paymentId: 'pay_06WECHAT' });
    assert.ok(started.ok);
    fake.pay('pay_06WECHAT');
    const later = createWeChatPayProvider({ ...options, kztPerYuan: '70.00' });
    const paid = await later.getStatus('pay_06WECHAT');
    assert.equal(paid.ok && paid.value.amountCaptured, 500_000n);
    const event = await later.parseWebhook(fake.notify('pay_06WECHAT', { timestamp: NOW_S }));
    assert.ok(event.ok);
    assert.deepEqual([event.value.amount, event.value.currency], [500_000n, 'KZT']);
  });

  it('a refund\'s notification (REFUND.SUCCESS) names its refund and moves no payment', async () => {
    const started = await wechat.initiate({ ...input, paymentId: 'pay_07WECHAT' });
    assert.ok(started.ok);
    fake.pay('pay_07WECHAT');
    const refund = await wechat.refund('pay_07WECHAT', 100_000n, 'refund_rf_07');
    assert.ok(refund.ok);
    const outRefundNo = JSON.parse(fake.requests.filter((r) => r.path === '/v3/refund/domestic/refunds').at(-1)!.rawBody).out_refund_no;
    fake.settleRefund(outRefundNo, 'SUCCESS');
    const event = await wechat.parseWebhook(fake.notify('pay_07WECHAT', { timestamp: NOW_S, refund: outRefundNo }));
    assert.ok(event.ok);
    assert.deepEqual([event.value.refundId, event.value.status, event.value.amount, event.value.currency, event.value.paymentId], [refund.value.providerRefundId, 'unknown', 1460n, 'CNY', 'pay_07WECHAT']);
  });

  it('cancel closes an unpaid order; H5 needs the payer IP; missing orders are not_found', async () => {
    const started = await wechat.initiate({ ...input, paymentId: 'pay_02WECHAT' });
    assert.ok(started.ok);
    const closed = await wechat.cancel('pay_02WECHAT');
    assert.ok(closed.ok);
    assert.equal(closed.value.status, 'canceled');
    const status = await wechat.getStatus('pay_02WECHAT');
    assert.ok(status.ok);
    assert.equal(status.value.status, 'canceled');
    const missing = await wechat.getStatus('pay_NOPE00');
    assert.equal(!missing.ok && missing.code, 'not_found');
    const h5 = createWeChatPayProvider({ ...options, mode: 'h5' });
    const noIp = await h5.initiate({ ...input, paymentId: 'pay_03WECHAT' });
    assert.equal(!noIp.ok && noIp.code, 'payer_ip_required');
    const withIp = await h5.initiate({ ...input, paymentId: 'pay_03WECHAT', payerIp: '203.0.113.7' } as typeof input);
    assert.ok(withIp.ok);
    assert.match(withIp.value.redirectUrl ?? '', /^https:\/\/wx\.tenpay\.com\//);
  });

  it('an API that does not answer is provider_unreachable, never a throw', async () => {
    const closed = await startWeChatPayFake();
    await closed.close();
    const result = await createWeChatPayProvider({ ...options, apiBase: closed.url, timeoutMs: 2000 }).getStatus('pay_01WECHAT');
    assert.equal(!result.ok && result.code, 'provider_unreachable');
  });

  it('refuses answers signed by an unknown platform key and wrong options at creation', async () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const fooled = createWeChatPayProvider({ ...options, platformPublicKeys: { [fake.platformSerial]: publicKey.export({ type: 'spki', format: 'pem' }).toString() } });
    const answer = await fooled.getStatus('pay_01WECHAT');
    assert.equal(!answer.ok && answer.code, 'provider_response_unverified');
    assert.throws(() => createWeChatPayProvider({ ...options, apiV3Key: 'short' }), /apiV3Key/);
    assert.throws(() => createWeChatPayProvider({ ...options, platformPublicKeys: {} }), /platformPublicKeys/);
    assert.throws(() => createWeChatPayProvider({ ...options, merchantPrivateKey: 'x', notifyUrl: 'http://tolem.example/n' }), /merchantPrivateKey.*notifyUrl/);
  });

  it('verifies notifications (SHA256withRSA over timestamp, nonce, body) and decrypts the resource with AES-256-GCM', async () => {
    await wechat.initiate({ ...input, paymentId: 'pay_04WECHAT' });
    fake.pay('pay_04WECHAT');
    const event = await wechat.parseWebhook(fake.notify('pay_04WECHAT', { timestamp: NOW_S - 30, eventId: 'EV-1' }));
    assert.ok(event.ok);
    assert.equal(event.value.eventId, 'EV-1');
    assert.equal(event.value.providerReference, 'pay_04WECHAT');
    assert.equal(event.value.status, 'succeeded');
    assert.equal(event.value.amount, 500_000n);
    assert.equal(event.value.currency, 'KZT');
    assert.match(event.value.payerFingerprint ?? '', /^[0-9a-f]{32}$/);
    const codeOf = async (request: { rawBody: string; headers: Record<string, string> }) => {
      const result = await wechat.parseWebhook(request);
      return result.ok ? 'ok' : result.code;
    };
    const { privateKey: stranger } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    assert.equal(await codeOf(fake.notify('pay_04WECHAT', { timestamp: NOW_S, signWith: stranger })), 'webhook_signature_invalid');
    assert.equal(await codeOf(fake.notify('pay_04WECHAT', { timestamp: NOW_S, serial: 'PUB_KEY_ID_UNKNOWN' })), 'webhook_signature_invalid');
    const good = fake.notify('pay_04WECHAT', { timestamp: NOW_S });
    assert.equal(await codeOf({ ...good, rawBody: good.rawBody.replace('TRANSACTION.SUCCESS', 'TRANSACTION.CLOSED') }), 'webhook_signature_invalid');
    assert.equal(await codeOf({ ...good, headers: { ...good.headers, 'wechatpay-signature': 'WECHATPAY/SIGNTEST/abc' } }), 'webhook_signature_invalid');
    assert.equal(await codeOf(fake.notify('pay_04WECHAT', { timestamp: NOW_S - 301 })), 'webhook_timestamp_stale');
    assert.equal(await codeOf(fake.notify('pay_04WECHAT', { timestamp: NOW_S + 301 })), 'webhook_timestamp_stale');
    assert.equal(await codeOf(fake.notify('pay_04WECHAT', { timestamp: NOW_S, apiV3Key: 'x'.repeat(32) })), 'webhook_payload_invalid');
    assert.equal(await codeOf(good), 'ok');
  });
});
