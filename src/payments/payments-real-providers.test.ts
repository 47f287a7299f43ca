import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import { startPayPalFake, type PayPalFake } from '../../test/fakes/paypal-server.ts';
import { startStripeFake, type StripeFake } from '../../test/fakes/stripe-server.ts';
import type { TestApp } from '../../test/support/test-app.ts';
import { createApp } from '../app.ts';
import { runJobsOnce } from '../jobs/scheduler.ts';
import { ManualClock } from '../platform/clock.ts';
import { refundStatusJob } from './payment-jobs.ts';
import { addLine, checkRefunds, recheckRefunds, createPayment, expire, getPayment, mainAccount, processWebhooks, providerReferenceOf, reconcile, startPaymentsApp } from './payments-test-support.ts';

/** The payments core with real adapters: Stripe (official SDK) and PayPal (Orders v2, capture after approval) against local fakes. */
for (const dialect of DIALECTS) {
  describe(`payments through the Stripe and PayPal adapters [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let stripe: StripeFake;
    let paypal: PayPalFake;
    before(async () => {
      stripe = await startStripeFake();
      paypal = await startPayPalFake();
      t = await startPaymentsApp(dialect.name, {
        providers: ['sandbox', 'stripe', 'paypal'],
        providerEnv: {
          STRIPE_SECRET_KEY: stripe.secretKey, STRIPE_WEBHOOK_SECRET: stripe.webhookSecret, STRIPE_API_BASE: stripe.url,
          PAYPAL_CLIENT_ID: paypal.clientId, PAYPAL_CLIENT_SECRET: paypal.clientSecret, PAYPAL_WEBHOOK_ID: paypal.webhookId,
          PAYPAL_API_BASE: paypal.url, PAYPAL_SETTLEMENT_CURRENCY: 'USD', PAYPAL_KZT_PER_UNIT: '500',
        },
      });
      for (const msisdn of ['+77011230001', '+77011230002', '+77011230003', '+77011230004', '+77011230005', '+77011230006', '+77011230007', '+77011230008', '+77011230009', '+77011230010', '+77011230011', '+77011230012', '+77011230013', '+77011230014', '+77011230015', '+77011230016']) await addLine(t, msisdn);
    });
    after(async () => {
      await t?.close();
      await stripe?.close();
      await paypal?.close();
    });

    const deliver = (type: string, sessionId: string, eventId?: string) => {
      const { rawBody, headers } = stripe.webhook(type, sessionId, { timestamp: Math.floor(t.clock.now().getTime() / 1000), eventId });
      return t.request('POST', '/v1/webhooks/stripe', { token: null, rawBody, headers });
    };

    it('pays by Stripe Checkout: redirect, signed webhook (twice), credited once', async () => {
      const created = await createPayment(t, { msisdn: '+77011230001', amount: 120_000, provider: 'stripe' }, 'stripe-1');
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.status, 'requires_action');
      assert.ok(created.body.redirectUrl.startsWith(stripe.url));
      const sessionId = await providerReferenceOf(t, created.body.id);
      stripe.pay(sessionId);
      assert.equal((await deliver('checkout.session.completed', sessionId, 'evt_once')).status, 200);
      const again = await deliver('checkout.session.completed', sessionId, 'evt_once');
      assert.equal(again.body.duplicate, true);
      await processWebhooks(t);
      const paid = await getPayment(t, created.body.id);
      assert.equal(paid.status, 'succeeded');
      assert.equal((await mainAccount(t, '+77011230001')).available, 120_000);
      const clearing = await t.app.ctx.db.selectFrom('ledger_accounts').select('id').where('id', '=', 'clearing:stripe').executeTakeFirst();
      assert.ok(clearing, 'the clearing account of an enabled provider exists');
      const refund = await t.request('POST', `/v1/payments/${created.body.id}/refunds`, { body: { amount: 20_000 }, headers: { 'idempotency-key': 'stripe-refund-1' } });
      assert.equal(refund.status, 201, JSON.stringify(refund.body));
      assert.equal((await mainAccount(t, '+77011230001')).available, 100_000);
      await t.verify();
    });

    it('a PaymentIntent\'s event (a declined first card) does not move the Checkout payment: the payer may try another card', async () => {
      const created = await createPayment(t, { msisdn: '+77011230004', amount: 60_000, provider: 'stripe' }, 'stripe-declined-first');
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const sessionId = await providerReferenceOf(t, created.body.id);
      assert.equal((await deliver('payment_intent.payment_failed', sessionId)).status, 200);
      await processWebhooks(t);
      assert.equal((await getPayment(t, created.body.id)).status, 'requires_action');
      // The second card pays: the session's event credits it.
      stripe.pay(sessionId);
      assert.equal((await deliver('checkout.session.completed', sessionId)).status, 200);
      await processWebhooks(t);
      assert.equal((await getPayment(t, created.body.id)).status, 'succeeded');
      await t.verify();
    });

    it('a forged Stripe signature is refused', async () => {
      const created = await createPayment(t, { msisdn: '+77011230002', amount: 50_000, provider: 'stripe' }, 'stripe-2');
      const sessionId = await providerReferenceOf(t, created.body.id);
      const { rawBody, headers } = stripe.webhook('checkout.session.completed', sessionId, { timestamp: Math.floor(t.clock.now().getTime() / 1000), secret: 'whsec_forged_forged_forged' });
      const forged = await t.request('POST', '/v1/webhooks/stripe', { token: null, rawBody, headers });
      assert.equal(forged.status, 400);
      assert.equal(forged.body.error.code, 'webhook_signature_invalid');
    });

    it('an unpaid Stripe session expires: the session is expired at Stripe and the reservation voided', async () => {
      const created = await createPayment(t, { msisdn: '+77011230002', amount: 50_000, provider: 'stripe' }, 'stripe-3');
      t.clock.advance(31 * 60_000);
      await expire(t);
      assert.equal((await getPayment(t, created.body.id)).status, 'expired');
      assert.equal(stripe.session(await providerReferenceOf(t, created.body.id)).status, 'expired');
      assert.equal((await mainAccount(t, '+77011230002')).creditsPending, 0);
      await t.verify();
    });

    /** A Stripe payment of `amount`, paid and credited. */
    async function paidByStripe(msisdn: string, amount: number, key: string) {
      const created = await createPayment(t, { msisdn, amount, provider: 'stripe' }, key);
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const sessionId = await providerReferenceOf(t, created.body.id);
      stripe.pay(sessionId);
      await deliver('checkout.session.completed', sessionId);
      await processWebhooks(t);
      assert.equal((await getPayment(t, created.body.id)).status, 'succeeded');
      return created.body.id as string;
    }
    const refundOf = (paymentId: string, amount: number, key: string) =>
      t.request('POST', `/v1/payments/${paymentId}/refunds`, { body: { amount }, headers: { 'idempotency-key': key } });
    const refundedEvents = async (refundId: string) =>
      (await t.app.ctx.db.selectFrom('outbox').select('payload').where('topic', '=', 'payment.refunded').execute()).filter((e) => JSON.parse(e.payload).refundId === refundId).length;

    /** A refund of a Stripe payment that the bank has not paid out yet: 202, pending. */
    async function pendingStripeRefund(msisdn: string, amount: number, key: string) {
      const paymentId = await paidByStripe(msisdn, 100_000, `stripe-${key}`);
      stripe.refundsPending(true);
      const pending = await refundOf(paymentId, amount, key);
      stripe.refundsPending(false);
      assert.equal(pending.status, 202, JSON.stringify(pending.body));
      return { paymentId, pending };
    }

    it('a refund the bank has not paid out is pending (202), kept reserved, and settled by the refund-status job once Stripe says succeeded', async () => {
      const { paymentId, pending } = await pendingStripeRefund('+77011230005', 40_000, 'pending-refund-1');
      assert.equal(pending.body.status, 'pending');
      assert.equal(pending.body.receiptNumber, null);
      assert.equal((await mainAccount(t, '+77011230005')).available, 60_000, 'reserved: not spendable meanwhile');
      assert.equal((await getPayment(t, paymentId)).refundedAmount, 0);
      // Asked at most once a minute; still pending at Stripe: nothing moves.
      assert.equal((await checkRefunds(t))['payments.refund-status'], 0);
      t.clock.advance(61_000);
      assert.equal((await checkRefunds(t))['payments.refund-status'], 1);
      const refund = await t.app.ctx.db.selectFrom('payment_refunds').selectAll().where('id', '=', pending.body.id).executeTakeFirstOrThrow();
      assert.equal(refund.status, 'pending');
      assert.ok(refund.provider_refund_id?.startsWith('re_'));
      assert.equal((await checkRefunds(t))['payments.refund-status'], 0, 'asked again only a minute later');
      stripe.settleRefund(refund.provider_refund_id!, 'succeeded');
      t.clock.advance(61_000);
      await checkRefunds(t);
      const paid = (await getPayment(t, paymentId)).refunds.find((r: { id: string }) => r.id === pending.body.id);
      assert.equal(paid.status, 'succeeded');
      assert.match(paid.receiptNumber, /^R-\d{4}-\d{8}$/);
      assert.equal((await getPayment(t, paymentId)).refundedAmount, 40_000);
      assert.equal((await mainAccount(t, '+77011230005')).available, 60_000);
      assert.equal(await refundedEvents(pending.body.id), 1);
      // The same request again: the settled refund, not a second one.
      const repeated = await refundOf(paymentId, 40_000, 'pending-refund-1');
      assert.equal(repeated.status, 201);
      assert.equal(repeated.headers['idempotent-replayed'], 'true');
      assert.equal(repeated.body.receiptNumber, paid.receiptNumber);
      assert.equal(stripe.refund(refund.provider_refund_id!).amount, 40_000);
      await t.verify();
    });

    // Stripe prunes an idempotency key once it is 24 hours old: a refund whose answer was lost, repeated
    // by the admin days later under its key, was a new request at Stripe.
    for (const [msisdn, amount] of [['+77011230015', 40_000], ['+77011230016', 100_000]] as const) {
      it(`a refund of ${amount === 100_000 ? 'the whole' : 'part of the'} payment whose answer was lost, repeated after Stripe forgot its key, is the refund Stripe made: paid back once, posted once`, async () => {
        const paymentId = await paidByStripe(msisdn, 100_000, `stripe-lost-${msisdn}`);
        stripe.answersLost(true);
        let lost;
        try {
          lost = await refundOf(paymentId, amount, `lost-refund-${msisdn}`);
        } finally {
          stripe.answersLost(false);
        }
        assert.deepEqual([lost.status, lost.body.error?.details?.code], [502, 'provider_unreachable'], JSON.stringify(lost.body));
        assert.equal((await mainAccount(t, msisdn)).available, 100_000 - amount, 'kept reserved: Stripe may have paid it back');
        stripe.forgetIdempotencyKeys();
        t.clock.advance(3 * 86_400_000);
        const repeat = await refundOf(paymentId, amount, `lost-refund-${msisdn}`);
        assert.deepEqual([repeat.status, repeat.body.status], [201, 'succeeded'], JSON.stringify(repeat.body));
        const intent = stripe.intent(stripe.session(await providerReferenceOf(t, paymentId)).payment_intent);
        assert.equal(intent.amount_refunded, amount, 'the card paid back once');
        assert.equal((await mainAccount(t, msisdn)).available, 100_000 - amount, 'the line debited once');
        assert.equal((await getPayment(t, paymentId)).refundedAmount, amount);
        await t.verify();
      });
    }

    it('a pending refund the bank fails is voided back to the line; a repeat under its key asks Stripe, never refunds twice', async () => {
      const paymentId = await paidByStripe('+77011230006', 100_000, 'stripe-failed-refund');
      stripe.refundsPending(true);
      const pending = await refundOf(paymentId, 100_000, 'failing-refund-1');
      assert.equal(pending.status, 202, JSON.stringify(pending.body));
      assert.equal((await mainAccount(t, '+77011230006')).available, 0);
      // Repeated while Stripe still has it pending: asked, not sent again.
      const again = await refundOf(paymentId, 100_000, 'failing-refund-1');
      stripe.refundsPending(false);
      assert.equal(again.status, 202);
      assert.equal(again.headers['idempotent-replayed'], 'true');
      const refund = await t.app.ctx.db.selectFrom('payment_refunds').selectAll().where('id', '=', pending.body.id).executeTakeFirstOrThrow();
      assert.equal(stripe.requests.filter((r) => r.method === 'POST' && r.path === '/v1/refunds' && r.headers['idempotency-key'] === `refund:${refund.id}`).length, 1);
      assert.equal(stripe.requests.at(-1)!.path, `/v1/refunds/${refund.provider_refund_id}`);
      stripe.settleRefund(refund.provider_refund_id!, 'failed');
      const settled = await refundOf(paymentId, 100_000, 'failing-refund-1');
      assert.equal(settled.status, 502);
      assert.equal(settled.body.error.details.code, 'refund_failed');
      const replayed = await refundOf(paymentId, 100_000, 'failing-refund-1');
      assert.deepEqual([replayed.status, replayed.body.error?.details.code], [502, 'refund_failed'], 'same key, same answer');
      assert.equal((await mainAccount(t, '+77011230006')).available, 100_000, 'the money is back on the line');
      const failed = (await getPayment(t, paymentId)).refunds.find((r: { id: string }) => r.id === pending.body.id);
      assert.equal(failed.status, 'failed');
      assert.equal(failed.failureReason, 'refund_failed');
      assert.equal(await refundedEvents(pending.body.id), 0);
      t.clock.advance(61_000);
      assert.equal((await checkRefunds(t))['payments.refund-status'], 0, 'nothing pending is left to ask about');
      // Refundable again in full: the failed refund gave its share of the payment back.
      const second = await refundOf(paymentId, 100_000, 'failing-refund-2');
      assert.equal(second.status, 201, JSON.stringify(second.body));
      assert.equal((await mainAccount(t, '+77011230006')).available, 0);
      await t.verify();
    });

    it('a pending refund the bank fails after the line was terminated goes to breakage with the rest of the line, not onto the closed line', async () => {
      const { pending } = await pendingStripeRefund('+77011230007', 60_000, 'terminated-refund-1');
      const closed = await t.request('POST', '/v1/lines/+77011230007/terminate', { body: { reason: 'SIM handed back' } });
      assert.equal(closed.status, 200, JSON.stringify(closed.body));
      const breakageBefore = await t.app.ctx.db.selectFrom('ledger_accounts').select('credits_posted').where('id', '=', 'breakage').executeTakeFirstOrThrow();
      const refund = await t.app.ctx.db.selectFrom('payment_refunds').selectAll().where('id', '=', pending.body.id).executeTakeFirstOrThrow();
      stripe.settleRefund(refund.provider_refund_id!, 'failed');
      t.clock.advance(61_000);
      await checkRefunds(t);
      assert.equal((await t.app.ctx.db.selectFrom('payment_refunds').select('status').where('id', '=', refund.id).executeTakeFirstOrThrow()).status, 'failed');
      const main = await mainAccount(t, '+77011230007');
      assert.equal(main.available, 0, 'nothing left on the terminated line');
      const breakageAfter = await t.app.ctx.db.selectFrom('ledger_accounts').select('credits_posted').where('id', '=', 'breakage').executeTakeFirstOrThrow();
      assert.equal(BigInt(breakageAfter.credits_posted) - BigInt(breakageBefore.credits_posted), 60_000n);
      await t.verify();
    });

    const refundRow = (id: string) => t.app.ctx.db.selectFrom('payment_refunds').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    const outboxOf = async (topic: string, refundId: string) =>
      (await t.app.ctx.db.selectFrom('outbox').select('payload').where('topic', '=', topic).execute()).map((e) => JSON.parse(e.payload)).filter((p) => p.refundId === refundId);

    it('a refund Stripe paid back and then failed (the bank returned it) is reversed by the daily recheck: the money back on the line once, refundable again', async () => {
      const paymentId = await paidByStripe('+77011230008', 100_000, 'stripe-reversed-refund');
      const paid = await refundOf(paymentId, 40_000, 'reversed-refund-1');
      assert.equal(paid.status, 201, JSON.stringify(paid.body));
      const kept = await refundOf(paymentId, 10_000, 'reversed-refund-2');
      assert.equal(kept.status, 201, JSON.stringify(kept.body));
      assert.equal((await mainAccount(t, '+77011230008')).available, 50_000);
      const refund = await refundRow(paid.body.id);
      stripe.settleRefund(refund.provider_refund_id!, 'failed');
      await recheckRefunds(t);
      assert.equal((await refundRow(refund.id)).status, 'succeeded', 'asked again only a day after it was last asked');

      t.clock.advance(24 * 3_600_000 + 60_000);
      await recheckRefunds(t);
      const reversed = await refundRow(refund.id);
      assert.deepEqual([reversed.status, reversed.failure_reason], ['reversed', 'refund_failed_after_success']);
      assert.equal((await refundRow(kept.body.id)).status, 'succeeded', 'a refund Stripe still calls paid stays as it is');
      assert.equal((await mainAccount(t, '+77011230008')).available, 90_000, 'the 400 ₸ Stripe has back are on the line again');
      const payment = await getPayment(t, paymentId);
      assert.equal(payment.refundedAmount, 10_000);
      assert.equal(payment.refunds.find((r: { id: string }) => r.id === refund.id).status, 'reversed');
      const events = await outboxOf('payment.refund_reversed', refund.id);
      assert.equal(events.length, 1);
      assert.deepEqual([events[0].amount, events[0].forfeited], [40_000, false]);
      const receipt = await t.app.ctx.db.selectFrom('receipts').selectAll().where('number', '=', events[0].receiptNumber).executeTakeFirstOrThrow();
      assert.deepEqual([receipt.kind, receipt.reference_id, BigInt(receipt.amount)], ['refund_reversal', refund.id, 40_000n]);
      for (const language of ['en', 'ru', 'kk', 'zh']) {
        const pdf = await t.request('GET', `/v1/receipts/${receipt.number}.pdf?language=${language}`);
        assert.deepEqual([pdf.status, String(pdf.headers['content-type'])], [200, 'application/pdf'], language);
      }
      const history = await t.request('GET', '/v1/lines/%2B77011230008/transactions');
      const movement = history.body.data.find((i: { code: string }) => i.code === 'refund_reversal');
      assert.ok(movement, JSON.stringify(history.body.data));
      assert.equal(movement.receipt, events[0].receiptNumber, 'the history links the reversal\'s receipt');

      // Asked again days later: reversed once, never twice.
      t.clock.advance(24 * 3_600_000 + 60_000);
      await recheckRefunds(t);
      assert.equal((await mainAccount(t, '+77011230008')).available, 90_000);
      assert.equal((await outboxOf('payment.refund_reversed', refund.id)).length, 1);
      // The amount is refundable again: all but the 100 ₸ still refunded.
      const again = await refundOf(paymentId, 90_000, 'reversed-refund-3');
      assert.equal(again.status, 201, JSON.stringify(again.body));
      assert.equal((await mainAccount(t, '+77011230008')).available, 0);
      // Past PAYMENT_REFUND_RECHECK_DAYS (30) a paid-back refund is no longer asked after.
      t.clock.advance(31 * 24 * 3_600_000);
      const asked = stripe.requests.length;
      await recheckRefunds(t);
      assert.equal(stripe.requests.filter((r) => r.path.startsWith('/v1/refunds/')).length, stripe.requests.slice(0, asked).filter((r) => r.path.startsWith('/v1/refunds/')).length);
      await t.verify();
    });

    it('a paid-back refund that fails after the line was terminated goes to breakage with the line\'s balance, and tells no one', async () => {
      const paymentId = await paidByStripe('+77011230009', 100_000, 'stripe-reversed-terminated');
      const paid = await refundOf(paymentId, 30_000, 'reversed-terminated-1');
      assert.equal(paid.status, 201, JSON.stringify(paid.body));
      const closed = await t.request('POST', '/v1/lines/+77011230009/terminate', { body: { reason: 'SIM handed back' } });
      assert.equal(closed.status, 200, JSON.stringify(closed.body));
      const breakage = async () => BigInt((await t.app.ctx.db.selectFrom('ledger_accounts').select('credits_posted').where('id', '=', 'breakage').executeTakeFirstOrThrow()).credits_posted);
      const before = await breakage();
      const refund = await refundRow(paid.body.id);
      stripe.settleRefund(refund.provider_refund_id!, 'failed');
      t.clock.advance(24 * 3_600_000 + 60_000);
      await recheckRefunds(t);
      assert.equal((await refundRow(refund.id)).status, 'reversed');
      assert.equal((await mainAccount(t, '+77011230009')).available, 0, 'nothing onto the terminated line');
      assert.equal(await breakage() - before, 30_000n);
      const [event] = await outboxOf('payment.refund_reversed', refund.id);
      assert.equal(event.forfeited, true);
      await t.verify();
    });

    it('a pending refund whose provider was taken out of PAYMENT_PROVIDERS stays pending, saying why, and settles once it is back', async () => {
      const { paymentId, pending } = await pendingStripeRefund('+77011230010', 25_000, 'removed-provider-refund');
      // A process started without Stripe, on the same database.
      const settings = { ...t.app.ctx.settings, payments: { ...t.app.ctx.settings.payments, providers: ['sandbox', 'paypal'] } };
      const without = await createApp(settings, { clock: new ManualClock(new Date(t.clock.now().getTime() + 120_000)), logLevel: 'silent' });
      try {
        await runJobsOnce(without.ctx, [refundStatusJob]);
      } finally {
        await without.close();
      }
      const waiting = await refundRow(pending.body.id);
      assert.equal(waiting.status, 'pending');
      assert.match(waiting.failure_reason ?? '', /^provider_not_enabled: stripe is not in PAYMENT_PROVIDERS/);
      assert.equal((await mainAccount(t, '+77011230010')).available, 75_000, 'still reserved');
      stripe.settleRefund(waiting.provider_refund_id!, 'succeeded');
      t.clock.advance(3 * 60_000);
      await checkRefunds(t);
      const settled = await refundRow(pending.body.id);
      assert.deepEqual([settled.status, settled.failure_reason], ['succeeded', null]);
      assert.equal((await getPayment(t, paymentId)).refundedAmount, 25_000);
      await t.verify();
    });

    it('PayPal: the payer approves, Tolem captures, the line is credited', async () => {
      const created = await createPayment(t, { msisdn: '+77011230003', amount: 100_000, provider: 'paypal' }, 'paypal-1');
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal(created.body.status, 'requires_action');
      const orderId = await providerReferenceOf(t, created.body.id);
      paypal.approve(orderId);
      const { rawBody, headers } = paypal.webhook('CHECKOUT.ORDER.APPROVED', orderId, { time: t.clock.now() });
      const delivered = await t.request('POST', '/v1/webhooks/paypal', { token: null, rawBody, headers });
      assert.equal(delivered.status, 200, JSON.stringify(delivered.body));
      await processWebhooks(t);
      const paid = await getPayment(t, created.body.id);
      assert.equal(paid.status, 'succeeded', JSON.stringify(paid.events));
      assert.deepEqual(paid.events.map((e: { to: string; source: string }) => `${e.to}:${e.source}`).slice(-2), ['processing:webhook', 'succeeded:capture']);
      assert.equal(paypal.order(orderId).status, 'COMPLETED');
      assert.equal((await mainAccount(t, '+77011230003')).available, 100_000);
      await t.verify();
    });

    it('PayPal: a capture PayPal declines (422 INSTRUMENT_DECLINED) fails the payment and voids its reservation, instead of leaving it processing for ever', async () => {
      const created = await createPayment(t, { msisdn: '+77011230012', amount: 100_000, provider: 'paypal' }, 'paypal-declined');
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const orderId = await providerReferenceOf(t, created.body.id);
      paypal.approve(orderId);
      paypal.declineCapture(orderId);
      const { rawBody, headers } = paypal.webhook('CHECKOUT.ORDER.APPROVED', orderId, { time: t.clock.now() });
      assert.equal((await t.request('POST', '/v1/webhooks/paypal', { token: null, rawBody, headers })).status, 200);
      await processWebhooks(t);
      // Nothing was taken: processing never expires, and asking PayPal again only declines again.
      t.clock.advance(11 * 60_000);
      await reconcile(t);
      const payment = await getPayment(t, created.body.id);
      assert.deepEqual([payment.status, payment.failureReason, payment.nextAction], ['failed', 'instrument_declined', 'retry_with_another_method'], JSON.stringify(payment.events));
      const account = await mainAccount(t, '+77011230012');
      assert.deepEqual([account.available, account.creditsPending], [0, 0]);
      await t.verify();
    });

    it('PayPal: the capture\'s own PAYMENT.CAPTURE.COMPLETED of a payment whose credit was refused (refunded in full) is set aside, not kept as a late success to pay the payer back again', async () => {
      const created = await createPayment(t, { msisdn: '+77011230013', amount: 100_000, provider: 'paypal' }, 'paypal-refused-credit');
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const orderId = await providerReferenceOf(t, created.body.id);
      await t.app.ctx.db.updateTable('lines').set({ status: 'terminated' }).where('msisdn', '=', '+77011230013').execute();
      paypal.approve(orderId);
      const deliver = async (type: string) => {
        const { rawBody, headers } = paypal.webhook(type, orderId, { time: t.clock.now() });
        assert.equal((await t.request('POST', '/v1/webhooks/paypal', { token: null, rawBody, headers })).status, 200);
        await processWebhooks(t);
      };
      await deliver('CHECKOUT.ORDER.APPROVED');
      const failed = await getPayment(t, created.body.id);
      assert.deepEqual([failed.status, failed.failureReason], ['failed', 'credit_refused:line_terminated']);
      const capture = paypal.order(orderId).purchase_units[0].payments.captures[0];
      assert.equal(paypal.requests.filter((r) => r.path === `/v2/payments/captures/${capture.id}/refund`).length, 1, 'the whole capture refunded');
      // PayPal notifies the capture (and the order's completion) after Tolem captured: the same success, already refunded.
      await deliver('PAYMENT.CAPTURE.COMPLETED');
      await deliver('CHECKOUT.ORDER.COMPLETED');
      const events = await t.app.ctx.db.selectFrom('webhook_inbox').select(['status', 'event_status']).where('payment_id', '=', created.body.id).orderBy('received_at').orderBy('id').execute();
      assert.deepEqual(events.map((e) => `${e.event_status}:${e.status}`), ['processing:processed', 'succeeded:ignored', 'succeeded:ignored']);
      await t.verify();
    });

    it('PayPal: an order PayPal dropped unpaid (not completed within its 3 hours, Tolem down meanwhile) expires the payment and voids its reservation, instead of leaving it unknown for ever', async () => {
      const created = await createPayment(t, { msisdn: '+77011230014', amount: 100_000, provider: 'paypal' }, 'paypal-dropped');
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const orderId = await providerReferenceOf(t, created.body.id);
      t.clock.advance(4 * 60 * 60_000);
      paypal.dropOrder(orderId);
      await expire(t);
      t.clock.advance(11 * 60_000);
      await reconcile(t);
      const payment = await getPayment(t, created.body.id);
      assert.equal(payment.status, 'expired', JSON.stringify(payment.events));
      const account = await mainAccount(t, '+77011230014');
      assert.deepEqual([account.available, account.creditsPending], [0, 0]);
      await t.verify();
    });

    it('PayPal\'s notification of Tolem\'s own refund is set aside; a reversal Tolem did not make is kept for review, after giving Tolem time to learn its refund', async () => {
      const created = await createPayment(t, { msisdn: '+77011230011', amount: 100_000, provider: 'paypal' }, 'paypal-refund-events');
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const orderId = await providerReferenceOf(t, created.body.id);
      paypal.approve(orderId);
      const deliver = async (type: string) => {
        const { rawBody, headers } = paypal.webhook(type, orderId, { time: t.clock.now() });
        assert.equal((await t.request('POST', '/v1/webhooks/paypal', { token: null, rawBody, headers })).status, 200);
        return JSON.parse(rawBody).id as string;
      };
      await deliver('CHECKOUT.ORDER.APPROVED');
      await processWebhooks(t);
      assert.equal((await getPayment(t, created.body.id)).status, 'succeeded');
      const refund = await refundOf(created.body.id, 30_000, 'paypal-refund-event-1');
      assert.equal(refund.status, 201, JSON.stringify(refund.body));
      const inboxOf = async (eventId: string) => t.app.ctx.db.selectFrom('webhook_inbox').selectAll().where('event_id', '=', eventId).executeTakeFirstOrThrow();
      const ours = await deliver('PAYMENT.CAPTURE.REFUNDED');
      const reversal = await deliver('PAYMENT.CAPTURE.REVERSED');
      await processWebhooks(t);
      const oursRow = await inboxOf(ours);
      assert.equal(oursRow.status, 'ignored', JSON.stringify(oursRow, (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
      assert.match(oursRow.last_error ?? '', new RegExp(`refund ${refund.body.id}`));
      // The reversal: asked about again (the provider may notify before Tolem stored its refund's id), then kept for review.
      for (let attempt = 0; attempt < 3; attempt++) {
        t.clock.advance(5 * 60_000);
        await processWebhooks(t);
      }
      const reversalRow = await inboxOf(reversal);
      assert.equal(reversalRow.status, 'mismatch', JSON.stringify(reversalRow, (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
      assert.match(reversalRow.last_error ?? '', /a refund Tolem did not make/);

      // While a refund of the payment has no answer from PayPal yet (its answer lost), an unknown refund's notification may be it: asked about again, not called foreign.
      await t.app.ctx.db.insertInto('payment_refunds').values({
        id: 'rf_unanswered', payment_id: created.body.id, amount: 10_000n, currency: 'KZT', status: 'pending', pending_transfer_id: 'tr_unanswered',
        provider_refund_id: null, receipt_number: null, failure_reason: null, actor_id: 'test', created_at: t.clock.now().toISOString(), updated_at: t.clock.now().toISOString(),
      }).execute();
      try {
        const unanswered = await deliver('PAYMENT.CAPTURE.REVERSED');
        for (let attempt = 0; attempt < 4; attempt++) {
          t.clock.advance(10 * 60_000);
          await processWebhooks(t);
        }
        const waiting = await inboxOf(unanswered);
        assert.deepEqual([waiting.status, waiting.last_error], ['received', 'refund_not_known_yet: a refund of the payment has no answer from the provider yet']);
      } finally {
        await t.app.ctx.db.deleteFrom('payment_refunds').where('id', '=', 'rf_unanswered').execute();
      }
      const payment = await getPayment(t, created.body.id);
      assert.deepEqual([payment.status, payment.refundedAmount], ['succeeded', 30_000], 'the notifications moved nothing');
      assert.equal((await mainAccount(t, '+77011230011')).available, 70_000);
      await t.verify();
    });
  });
}

/**
 * A delayed payment method (a bank debit) that fails: Stripe's Checkout Session stays `complete`
 * and `unpaid`, and only its PaymentIntent says the payment failed (back to
 * `requires_payment_method`). When the `async_payment_failed` webhook is lost, reconciliation must
 * learn it from the session, not keep the payment `processing` (its money reserved) for ever.
 */
for (const dialect of DIALECTS) {
  describe(`a Stripe delayed payment that failed, its webhook lost [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let stripe: StripeFake;
    before(async () => {
      stripe = await startStripeFake();
      t = await startPaymentsApp(dialect.name, {
        providers: ['sandbox', 'stripe'],
        providerEnv: { STRIPE_SECRET_KEY: stripe.secretKey, STRIPE_WEBHOOK_SECRET: stripe.webhookSecret, STRIPE_API_BASE: stripe.url },
      });
      await addLine(t, '+77011237001');
      await addLine(t, '+77011237002');
    });
    after(async () => {
      await t?.close();
      await stripe?.close();
    });

    /** A Stripe payment the payer completed with a delayed method: `processing` in Tolem, the debit on its way. */
    async function delayed(msisdn: string, key: string) {
      const created = await createPayment(t, { msisdn, amount: 80_000, provider: 'stripe' }, key);
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const sessionId = await providerReferenceOf(t, created.body.id);
      stripe.pay(sessionId);
      const session = stripe.session(sessionId);
      session.payment_status = 'unpaid';
      const intent = stripe.intent(session.payment_intent);
      Object.assign(intent, { status: 'processing', amount_received: 0 });
      const { rawBody, headers } = stripe.webhook('checkout.session.completed', sessionId, { timestamp: Math.floor(t.clock.now().getTime() / 1000) });
      assert.equal((await t.request('POST', '/v1/webhooks/stripe', { token: null, rawBody, headers })).status, 200);
      await processWebhooks(t);
      assert.equal((await getPayment(t, created.body.id)).status, 'processing');
      return { paymentId: created.body.id as string, intent };
    }

    it('failed at the bank: reconciliation fails the payment and voids its reservation', async () => {
      const { paymentId, intent } = await delayed('+77011237001', 'stripe-delayed-failed');
      intent.status = 'requires_payment_method';
      t.clock.advance(11 * 60_000);
      await reconcile(t);
      const payment = await getPayment(t, paymentId);
      assert.equal(payment.status, 'failed', JSON.stringify(payment.events));
      const account = await mainAccount(t, '+77011237001');
      assert.deepEqual([account.available, account.creditsPending], [0, 0]);
      await t.verify();
    });

    it('still on its way: stays processing, its money reserved', async () => {
      const { paymentId } = await delayed('+77011237002', 'stripe-delayed-waiting');
      t.clock.advance(11 * 60_000);
      await reconcile(t);
      assert.equal((await getPayment(t, paymentId)).status, 'processing');
      assert.equal((await mainAccount(t, '+77011237002')).creditsPending, 80_000);
      await t.verify();
    });
  });
}
