import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startStripeFake, type StripeFake } from '../../test/fakes/stripe-server.ts';
import { DIALECTS } from '../../test/support/databases.ts';
import type { TestApp } from '../../test/support/test-app.ts';
import { createApp } from '../app.ts';
import { runJobsOnce } from '../jobs/scheduler.ts';
import { paymentExpiryJob, paymentReconciliationJob } from './payment-jobs.ts';
import { addLine, createPayment, expire, getPayment, mainAccount, processWebhooks, providerReferenceOf, reconcile, startPaymentsApp, submitCard } from './payments-test-support.ts';

/**
 * Payments whose provider was taken out of PAYMENT_PROVIDERS (a process started without it, on the
 * same database): nobody can ask the provider about them, so they are neither expired as if unpaid
 * (the payer may have paid there) nor allowed to hold up the other payments' reconciliation.
 */
for (const dialect of DIALECTS) {
  describe(`payments of a provider not enabled [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let stripe: StripeFake;
    before(async () => {
      stripe = await startStripeFake();
      t = await startPaymentsApp(dialect.name, {
        providers: ['sandbox', 'stripe'], batchSizeMax: 1,
        providerEnv: { STRIPE_SECRET_KEY: stripe.secretKey, STRIPE_WEBHOOK_SECRET: stripe.webhookSecret, STRIPE_API_BASE: stripe.url },
      });
      for (const msisdn of ['+77011236001', '+77011236002', '+77011236003']) await addLine(t, msisdn);
    });
    after(async () => {
      await t?.close();
      await stripe?.close();
    });

    /** Runs jobs in a process started without Stripe, on the same database, at the test's time. */
    async function withoutStripe(jobs: Parameters<typeof runJobsOnce>[1]) {
      const settings = { ...t.app.ctx.settings, payments: { ...t.app.ctx.settings.payments, providers: ['sandbox'] } };
      const without = await createApp(settings, { clock: t.clock, logLevel: 'silent' });
      try {
        await runJobsOnce(without.ctx, jobs);
      } finally {
        await without.close();
      }
    }

    it('one whose provider cannot be asked does not keep reconciliation from the others', async () => {
      // A Stripe payment waiting for a delayed debit (processing), then a sandbox one whose answer was lost (unknown).
      const stuck = await createPayment(t, { msisdn: '+77011236001', amount: 70_000, provider: 'stripe' }, 'stuck-stripe');
      const sessionId = await providerReferenceOf(t, stuck.body.id);
      stripe.pay(sessionId);
      stripe.session(sessionId).payment_status = 'unpaid';
      const { rawBody, headers } = stripe.webhook('checkout.session.completed', sessionId, { timestamp: Math.floor(t.clock.now().getTime() / 1000) });
      assert.equal((await t.request('POST', '/v1/webhooks/stripe', { token: null, rawBody, headers })).status, 200);
      await processWebhooks(t);
      assert.equal((await getPayment(t, stuck.body.id)).status, 'processing');
      t.clock.advance(1_000);
      const lost = await createPayment(t, { msisdn: '+77011236002', amount: 50_000 }, 'lost-sandbox');
      await submitCard(t, lost.body.redirectUrl, '4000000000000119');
      await processWebhooks(t);
      assert.equal((await getPayment(t, lost.body.id)).status, 'unknown');

      for (let run = 0; run < 3; run++) {
        t.clock.advance(11 * 60_000);
        await withoutStripe([paymentReconciliationJob]);
      }
      assert.equal((await getPayment(t, lost.body.id)).status, 'succeeded', 'reconciled although a payment of a provider not enabled came first');
      assert.equal((await mainAccount(t, '+77011236002')).available, 50_000);
      assert.equal((await getPayment(t, stuck.body.id)).status, 'processing', 'left as it was, its money reserved');
      await t.verify();
    });

    it('one still open when its checkout is due to close is not expired unasked: a payer who paid there is credited once the provider is back', async () => {
      const created = await createPayment(t, { msisdn: '+77011236003', amount: 60_000, provider: 'stripe' }, 'open-stripe');
      const sessionId = await providerReferenceOf(t, created.body.id);
      // Paid at Stripe; the webhook has not come (nor can it, while Stripe is not enabled).
      stripe.pay(sessionId);
      t.clock.advance(31 * 60_000);
      await withoutStripe([paymentExpiryJob]);
      const waiting = await getPayment(t, created.body.id);
      assert.notEqual(waiting.status, 'expired', JSON.stringify(waiting.events));
      assert.equal((await mainAccount(t, '+77011236003')).creditsPending, 60_000, 'still reserved');
      // Stripe enabled again: the payment is settled by what Stripe says (a run reads one payment here: the first test's comes first).
      for (let run = 0; run < 3; run++) {
        t.clock.advance(11 * 60_000);
        await expire(t);
        await reconcile(t);
      }
      assert.equal((await getPayment(t, created.body.id)).status, 'succeeded');
      assert.equal((await mainAccount(t, '+77011236003')).available, 60_000);
      await t.verify();
    });
  });
}
