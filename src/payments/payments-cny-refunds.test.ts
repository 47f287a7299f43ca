import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startAlipayFake, type AlipayFake } from '../../test/fakes/alipay-server.ts';
import { startWeChatPayFake, type WeChatPayFake } from '../../test/fakes/wechatpay-server.ts';
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

    /** A line paid 5,000 ₸ through Alipay (73.00 ¥), the payment succeeded. */
    async function paidThroughAlipay(msisdn: string, key: string) {
      await addLine(t, msisdn);
      const created = await createPayment(t, { msisdn, amount: 500_000, provider: 'alipay' }, key);
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(alipay.openPage(created.body.redirectUrl).ok, true);
      const reference = await providerReferenceOf(t, created.body.id);
      alipay.pay(reference);
      const { rawBody, headers } = alipay.notify(reference, { notifyTime: t.clock.now() });
      assert.equal((await t.request('POST', '/v1/webhooks/alipay', { token: null, rawBody, headers })).status, 200);
      await processWebhooks(t);
      assert.equal((await getPayment(t, created.body.id)).status, 'succeeded');
      return { paymentId: created.body.id as string, reference };
    }

    it('a full refund whose answer was lost, repeated after Alipay closed the trade (as a full refund does), is posted once', async () => {
      const { paymentId, reference } = await paidThroughAlipay('+77011231003', 'alipay-full-lost');
      alipay.answerNextRefundUnknown();
      const lost = await refundOf(paymentId, 500_000, 'alipay-full-refund');
      assert.equal(lost.body.error?.code, 'payment_provider_failed', JSON.stringify(lost.body));
      assert.equal(alipay.trade(reference).trade_status, 'TRADE_CLOSED');
      assert.equal((await mainAccount(t, '+77011231003')).available, 0, 'kept reserved');
      const repeat = await refundOf(paymentId, 500_000, 'alipay-full-refund');
      assert.equal(repeat.status, 201, JSON.stringify(repeat.body));
      assert.equal(repeat.body.status, 'succeeded');
      assert.equal(alipay.trade(reference).refunded_cents, 7300, 'refunded once');
      assert.equal((await mainAccount(t, '+77011231003')).available, 0, 'the money is not back on the line');
      assert.equal((await getPayment(t, paymentId)).refundedAmount, 500_000);
      await t.verify();
    });

    it("an Alipay settlement file's yuan are matched against the yuan Alipay was asked for, not the tenge", async () => {
      const { reference } = await paidThroughAlipay('+77011231005', 'alipay-settlement');
      const reconcile = async (row: string) => {
        const report = await t.request('POST', '/v1/admin/reconciliation/alipay', { rawBody: `reference,amount,currency\n${row}`, headers: { 'content-type': 'text/csv' } });
        assert.equal(report.status, 200, JSON.stringify(report.body));
        return { matched: report.body.matched as number, kinds: (report.body.mismatches as { reference: string; kind: string }[]).filter((m) => m.reference === reference).map((m) => m.kind) };
      };
      assert.deepEqual(await reconcile(`${reference},7300,CNY`), { matched: 1, kinds: [] });
      assert.deepEqual(await reconcile(`${reference},500000,KZT`), { matched: 1, kinds: [] });
      assert.deepEqual(await reconcile(`${reference},7301,CNY`), { matched: 0, kinds: ['amount_differs'] });
      // Beside a yuan row, Tolem's side in yuan too: the fen apart are seen.
      const differs = await t.request('POST', '/v1/admin/reconciliation/alipay', { rawBody: `reference,amount,currency\n${reference},7301,CNY`, headers: { 'content-type': 'text/csv' } });
      assert.deepEqual((differs.body.mismatches as { reference: string; tolemAmount: number; providerAmount: number }[]).filter((m) => m.reference === reference).map((m) => [m.tolemAmount, m.providerAmount]), [[7300, 7301]]);
      const twice = await t.request('POST', '/v1/admin/reconciliation/alipay', { rawBody: `reference,amount,currency\n${reference},7300,CNY\n${reference},7300,CNY`, headers: { 'content-type': 'text/csv' } });
      assert.deepEqual((twice.body.mismatches as { reference: string; kind: string; tolemAmount: number }[]).filter((m) => m.reference === reference).map((m) => [m.kind, m.tolemAmount]), [['duplicate_in_settlement', 7300]]);
      assert.deepEqual(await reconcile(`${reference},7300,USD`), { matched: 0, kinds: ['amount_differs'] });
    });

    it("Alipay's notification of Tolem's own refund is set aside; one of a refund made at Alipay's portal is kept for review", async () => {
      const { paymentId, reference } = await paidThroughAlipay('+77011231004', 'alipay-refund-notices');
      assert.equal((await refundOf(paymentId, 100_000, 'alipay-own-refund')).status, 201);
      const asked = alipay.requests.map((r) => new URLSearchParams(r.rawBody)).filter((p) => p.get('method') === 'alipay.trade.refund').map((p) => JSON.parse(p.get('biz_content')!));
      const own = asked.find((biz) => biz.out_trade_no === reference)!.out_request_no as string;
      const deliver = async (refund: { fee: string; outBizNo: string }) => {
        const notice = alipay.notify(reference, { notifyTime: t.clock.now(), refund });
        assert.equal((await t.request('POST', '/v1/webhooks/alipay', { token: null, rawBody: notice.rawBody, headers: notice.headers })).text, 'success');
        return new URLSearchParams(notice.rawBody).get('notify_id')!;
      };
      const ours = await deliver({ fee: '14.60', outBizNo: own });
      // 20.00 ¥ refunded at the portal: Alipay's refund_fee is what the trade has refunded in all (34.60 ¥).
      alipay.refundAtPortal(reference, 'HZ-portal-1', '20.00');
      const portal = await deliver({ fee: '34.60', outBizNo: 'HZ-portal-1' });
      for (let attempt = 0; attempt < 4; attempt++) {
        await processWebhooks(t);
        t.clock.advance(5 * 60_000);
      }
      const inboxOf = (eventId: string) => t.app.ctx.db.selectFrom('webhook_inbox').select(['status', 'last_error']).where('event_id', '=', eventId).executeTakeFirstOrThrow();
      assert.equal((await inboxOf(ours)).status, 'ignored');
      const foreign = await inboxOf(portal);
      assert.equal(foreign.status, 'mismatch', JSON.stringify(foreign));
      assert.match(foreign.last_error ?? '', /a refund Tolem did not make \(.*, 2000 CNY\)/, 'its own amount, not the trade\'s refunded total');
      assert.equal((await mainAccount(t, '+77011231004')).available, 400_000, 'nothing moved by a notification');
    });
  });
}

/**
 * A refund answer Tolem cannot verify (WeChat Pay signed it with a platform key Tolem does not
 * have yet: a rotation) says nothing of whether the refund was made: kept reserved, like no answer,
 * and a repeat under its key asks again under the same refund, never voided as if refused (the payer paid back twice).
 */
for (const dialect of DIALECTS) {
  describe(`a WeChat Pay refund answer Tolem cannot verify [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let wechat: WeChatPayFake;
    // The refund's answer, while set, comes signed under a platform key serial Tolem does not know
    // (the adapter takes `fetch` when it is made: wrapped before the app starts).
    let rotateRefundAnswers = false;
    const realFetch = globalThis.fetch;
    before(async () => {
      globalThis.fetch = (async (input: Parameters<typeof fetch>[0], init?: Parameters<typeof fetch>[1]) => {
        const response = await realFetch(input, init);
        if (!rotateRefundAnswers || init?.method !== 'POST' || !String(input).endsWith('/v3/refund/domestic/refunds')) return response;
        const rotated = new Headers(response.headers);
        rotated.set('wechatpay-serial', 'PUB_KEY_ID_NEWLY_ROTATED');
        return new Response(await response.text(), { status: response.status, headers: rotated });
      }) as typeof fetch;
      wechat = await startWeChatPayFake();
      t = await startPaymentsApp(dialect.name, {
        providers: ['sandbox', 'wechatpay'],
        providerEnv: {
          WECHATPAY_MCH_ID: wechat.mchId, WECHATPAY_APP_ID: wechat.appId, WECHATPAY_MERCHANT_SERIAL: wechat.merchantSerial,
          WECHATPAY_MERCHANT_PRIVATE_KEY: wechat.merchantPrivateKeyPem, WECHATPAY_PLATFORM_KEY_ID: wechat.platformSerial,
          WECHATPAY_PLATFORM_PUBLIC_KEY: wechat.platformPublicKeyPem, WECHATPAY_API_V3_KEY: wechat.apiV3Key,
          WECHATPAY_NOTIFY_URL: 'https://tolem.example/v1/webhooks/wechatpay', WECHATPAY_API_BASE: wechat.url, WECHATPAY_KZT_PER_YUAN: '68.50',
        },
      });
      await addLine(t, '+77011239002');
    });
    after(async () => {
      globalThis.fetch = realFetch;
      await t?.close();
      await wechat?.close();
    });

    it('keeps the refund reserved, and a repeat under its key settles it once', async () => {
      const created = await createPayment(t, { msisdn: '+77011239002', amount: 500_000, provider: 'wechatpay' }, 'wx-unverified');
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const reference = await providerReferenceOf(t, created.body.id);
      wechat.pay(reference);
      const { rawBody, headers } = wechat.notify(reference, { timestamp: Math.floor(t.clock.now().getTime() / 1000) });
      assert.equal((await t.request('POST', '/v1/webhooks/wechatpay', { token: null, rawBody, headers })).status, 200);
      await processWebhooks(t);
      assert.equal((await getPayment(t, created.body.id)).status, 'succeeded');

      rotateRefundAnswers = true;
      let unverified;
      try {
        unverified = await t.request('POST', `/v1/payments/${created.body.id}/refunds`, { body: { amount: 500_000 }, headers: { 'idempotency-key': 'wx-full' } });
      } finally {
        rotateRefundAnswers = false;
      }
      assert.deepEqual([unverified.body.error?.code, unverified.body.error?.details?.code], ['payment_provider_failed', 'provider_response_unverified'], JSON.stringify(unverified.body));
      assert.equal((await mainAccount(t, '+77011239002')).available, 0, 'kept reserved: WeChat Pay took the refund');
      const repeat = await t.request('POST', `/v1/payments/${created.body.id}/refunds`, { body: { amount: 500_000 }, headers: { 'idempotency-key': 'wx-full' } });
      // WeChat Pay's refunds answer PROCESSING until the bank decides: the same refund, pending, asked about by the job.
      assert.deepEqual([repeat.status, repeat.body.status], [202, 'pending'], JSON.stringify(repeat.body));
      assert.equal(wechat.order(reference).refunded, 7300, 'refunded once at WeChat Pay');
      assert.equal((await mainAccount(t, '+77011239002')).available, 0);
      const payment = await getPayment(t, created.body.id);
      assert.equal(payment.refunds.length, 1);
      await t.verify();
    });
  });
}
