import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startAlipayFake, type AlipayFake } from '../../test/fakes/alipay-server.ts';
import { DIALECTS } from '../../test/support/databases.ts';
import type { TestApp } from '../../test/support/test-app.ts';
import { createApp } from '../app.ts';
import { runJobsOnce } from '../jobs/scheduler.ts';
import { webhookInboxJob } from './payment-jobs.ts';
import { addLine, createPayment, getPayment, mainAccount, processWebhooks, providerReferenceOf, startPaymentsApp } from './payments-test-support.ts';

/**
 * A tenge payment Alipay took in yuan, refunded in parts: each part is its share of the yuan paid,
 * so that the parts add up to the trade's total to the fen (yuan rounded up per part came to a fen
 * over it, and Alipay refused the last part), whatever the rate configured since.
 */
for (const dialect of DIALECTS) {
  describe(`refunds in parts of a payment made in yuan [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let alipay: AlipayFake;
    before(async () => {
      alipay = await startAlipayFake();
      t = await startPaymentsApp(dialect.name, {
        providers: ['sandbox', 'alipay'],
        providerEnv: {
          ALIPAY_APP_ID: alipay.appId, ALIPAY_APP_PRIVATE_KEY: alipay.appPrivateKeyPem, ALIPAY_PUBLIC_KEY: alipay.alipayPublicKeyPem,
          ALIPAY_GATEWAY_URL: alipay.gatewayUrl, ALIPAY_NOTIFY_URL: 'https://tolem.example/v1/webhooks/alipay', ALIPAY_KZT_PER_YUAN: '68.50',
        },
      });
      await addLine(t, '+77011231001');
      await addLine(t, '+77011231002');
    });
    after(async () => {
      await t?.close();
      await alipay?.close();
    });
    const refundOf = (paymentId: string, amount: number, key: string) =>
      t.request('POST', `/v1/payments/${paymentId}/refunds`, { body: { amount }, headers: { 'idempotency-key': key } });

    it('three thirds of 5,000 ₸ paid as 73.00 ¥ go back as 24.33 + 24.33 + 24.34 ¥, and the line is debited 5,000 ₸', async () => {
      const created = await createPayment(t, { msisdn: '+77011231001', amount: 500_000, provider: 'alipay' }, 'alipay-thirds');
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(alipay.openPage(created.body.redirectUrl).ok, true);
      const reference = await providerReferenceOf(t, created.body.id);
      assert.equal(alipay.trade(reference).total_amount, '73.00', '5,000 ₸ / 68.50, rounded up to the fen');
      alipay.pay(reference);
      const { rawBody, headers } = alipay.notify(reference, { notifyTime: t.clock.now() });
      assert.equal((await t.request('POST', '/v1/webhooks/alipay', { token: null, rawBody, headers })).status, 200);
      await processWebhooks(t);
      assert.equal((await getPayment(t, created.body.id)).status, 'succeeded');
      assert.equal((await mainAccount(t, '+77011231001')).available, 500_000);

      // Rounded up per part, each third was 24.34 ¥: 73.02 ¥ in all, and Alipay refused the third.
      const parts = [166_667, 166_667, 166_666];
      for (const [index, amount] of parts.entries()) {
        const refund = await refundOf(created.body.id, amount, `alipay-third-${index}`);
        assert.equal(refund.status, 201, `part ${index + 1}: ${JSON.stringify(refund.body)}`);
      }
      const asked = alipay.requests.map((r) => new URLSearchParams(r.rawBody)).filter((p) => p.get('method') === 'alipay.trade.refund').map((p) => JSON.parse(p.get('biz_content')!).refund_amount);
      assert.deepEqual(asked, ['24.33', '24.33', '24.34']);
      assert.equal(alipay.trade(reference).refunded_cents, 7300, 'the whole trade went back, to the fen');
      const payment = await getPayment(t, created.body.id);
      assert.equal(payment.refundedAmount, 500_000);
      assert.equal((await mainAccount(t, '+77011231001')).available, 0);
      await t.verify();
    });

    it('a payment made before ALIPAY_KZT_PER_YUAN changed is credited in full when the payer pays after the restart', async () => {
      const created = await createPayment(t, { msisdn: '+77011231002', amount: 500_000, provider: 'alipay' }, 'alipay-rate-change');
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(alipay.openPage(created.body.redirectUrl).ok, true);
      const reference = await providerReferenceOf(t, created.body.id);
      // The operator sets a new rate and restarts (a process with the new setting on the same database); the payer pays the 73.00 ¥ on the open page.
      const settings = t.app.ctx.settings;
      const restarted = await createApp({ ...settings, payments: { ...settings.payments, providerEnv: { ...settings.payments.providerEnv, ALIPAY_KZT_PER_YUAN: '70.00' } } }, { clock: t.clock, logLevel: 'silent' });
      try {
        alipay.pay(reference);
        const { rawBody, headers } = alipay.notify(reference, { notifyTime: t.clock.now() });
        const delivered = await restarted.server.inject({ method: 'POST', url: '/v1/webhooks/alipay', headers, payload: rawBody });
        assert.deepEqual([delivered.statusCode, delivered.body], [200, 'success']);
        await runJobsOnce(restarted.ctx, [webhookInboxJob]);
      } finally {
        await restarted.close();
      }
      const inbox = await t.app.ctx.db.selectFrom('webhook_inbox').select(['status', 'last_error']).where('provider_reference', '=', reference).execute();
      assert.deepEqual(inbox.map((row) => row.status), ['processed'], JSON.stringify(inbox));
      assert.equal((await getPayment(t, created.body.id)).status, 'succeeded');
      assert.equal((await mainAccount(t, '+77011231002')).available, 500_000);
    });
  });
}
