import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startWeChatPayFake, type WeChatPayFake } from '../../test/fakes/wechatpay-server.ts';
import { DIALECTS } from '../../test/support/databases.ts';
import type { TestApp } from '../../test/support/test-app.ts';
import { addLine, createPayment, getPayment, mainAccount, processWebhooks, providerReferenceOf, startPaymentsApp } from './payments-test-support.ts';

/**
 * A payment the line could not take (terminated while the payer paid) is refunded in full by Tolem
 * itself (transition-payment.ts, refuseCredit). The provider's notification of that refund is not
 * "a refund Tolem did not make: the payer was paid back and the line not debited", which asked
 * people to debit a line that was never credited; and one saying that refund failed is kept for
 * people to pay the payer back.
 */
for (const dialect of DIALECTS) {
  describe(`notifications of the refund of a refused credit [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let wechat: WeChatPayFake;
    before(async () => {
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
    });
    after(async () => {
      await t?.close();
      await wechat?.close();
    });

    const now = () => Math.floor(t.clock.now().getTime() / 1000);
    const deliver = async (notice: { rawBody: string; headers: Record<string, string> }) => {
      assert.equal((await t.request('POST', '/v1/webhooks/wechatpay', { token: null, rawBody: notice.rawBody, headers: notice.headers })).status, 200);
      return JSON.parse(notice.rawBody).id as string;
    };

    /** A WeChat Pay payment paid after its line was terminated: failed, credit refused, refunded at WeChat Pay (PROCESSING). */
    async function refusedCredit(msisdn: string, key: string) {
      await addLine(t, msisdn);
      const created = await createPayment(t, { msisdn, amount: 500_000, provider: 'wechatpay' }, key);
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const reference = await providerReferenceOf(t, created.body.id);
      await t.app.ctx.db.updateTable('lines').set({ status: 'terminated' }).where('msisdn', '=', msisdn).execute();
      wechat.pay(reference);
      await deliver(wechat.notify(reference, { timestamp: now() }));
      await processWebhooks(t);
      const failed = await getPayment(t, created.body.id);
      assert.deepEqual([failed.status, failed.failureReason], ['failed', 'credit_refused:line_terminated']);
      const refund = wechat.requests.filter((r) => r.method === 'POST' && r.path === '/v3/refund/domestic/refunds').map((r) => JSON.parse(r.rawBody)).find((b) => b.out_trade_no === reference)!;
      assert.equal(refund.amount.refund, 7300, 'the whole payment refunded at WeChat Pay');
      return { paymentId: created.body.id as string, reference, outRefundNo: refund.out_refund_no as string };
    }

    const inboxOf = (eventId: string) => t.app.ctx.db.selectFrom('webhook_inbox').select(['status', 'last_error']).where('event_id', '=', eventId).executeTakeFirstOrThrow();
    const processRepeatedly = async () => {
      for (let attempt = 0; attempt < 4; attempt++) {
        await processWebhooks(t);
        t.clock.advance(5 * 60_000);
      }
    };

    it('REFUND.SUCCESS of it is set aside, not kept as a refund Tolem did not make', async () => {
      const { reference, outRefundNo } = await refusedCredit('+77011238001', 'wx-refused-success');
      wechat.settleRefund(outRefundNo, 'SUCCESS');
      const event = await deliver(wechat.notify(reference, { timestamp: now(), refund: outRefundNo }));
      await processRepeatedly();
      const row = await inboxOf(event);
      assert.equal(row.status, 'ignored', JSON.stringify(row));
      assert.equal((await mainAccount(t, '+77011238001')).available, 0);
    });

    it('REFUND.CLOSED of it (the payer was not paid back) is kept for review as such', async () => {
      const { reference, outRefundNo } = await refusedCredit('+77011238002', 'wx-refused-closed');
      wechat.settleRefund(outRefundNo, 'CLOSED');
      const event = await deliver(wechat.notify(reference, { timestamp: now(), refund: outRefundNo }));
      await processRepeatedly();
      const row = await inboxOf(event);
      assert.equal(row.status, 'mismatch', JSON.stringify(row));
      assert.doesNotMatch(row.last_error ?? '', /a refund Tolem did not make/);
      assert.match(row.last_error ?? '', /refused credit/);
      await t.verify();
    });

    it('a notification of another refund of it (made in the merchant platform) is kept as a refund Tolem did not make, not set aside', async () => {
      const { reference, outRefundNo } = await refusedCredit('+77011238003', 'wx-refused-dashboard');
      wechat.settleRefund(outRefundNo, 'CLOSED');
      const dashboard = wechat.dashboardRefund(reference, 7300);
      const event = await deliver(wechat.notify(reference, { timestamp: now(), refund: dashboard }));
      await processRepeatedly();
      const row = await inboxOf(event);
      assert.equal(row.status, 'mismatch', JSON.stringify(row));
      assert.match(row.last_error ?? '', /a refund Tolem did not make/);
      // Its own refund's notification is still set aside as before.
      wechat.settleRefund(outRefundNo, 'SUCCESS');
      const own = await deliver(wechat.notify(reference, { timestamp: now(), refund: outRefundNo }));
      await processRepeatedly();
      assert.equal((await inboxOf(own)).status, 'ignored');
      await t.verify();
    });
  });
}
