import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import { startPayPalFake, type PayPalFake } from '../../test/fakes/paypal-server.ts';
import { startStripeFake, type StripeFake } from '../../test/fakes/stripe-server.ts';
import type { TestApp } from '../../test/support/test-app.ts';
import { addLine, createPayment, expire, getPayment, mainAccount, processWebhooks, providerReferenceOf, startPaymentsApp } from './payments-test-support.ts';

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
      for (const msisdn of ['+77011230001', '+77011230002', '+77011230003', '+77011230004']) await addLine(t, msisdn);
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
  });
}
