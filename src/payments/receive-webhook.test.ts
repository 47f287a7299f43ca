import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import { startStripeFake, type StripeFake } from '../../test/fakes/stripe-server.ts';
import type { TestApp } from '../../test/support/test-app.ts';
import { startPaymentsApp } from './payments-test-support.ts';

/** What the stand-in for PayPal's API does with the next calls. */
type Mode = 'reset' | 'overloaded' | 'credentials_refused' | 'verified' | 'not_verified';

/**
 * PayPal verifies webhooks by an API call (verify-webhook-signature): when that API cannot be asked,
 * the delivery is answered 503 (PayPal sends it again), not 400 as if the event were bad.
 */
for (const dialect of DIALECTS) {
  describe(`webhooks a provider cannot verify now [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let api: Server;
    let mode: Mode = 'reset';
    before(async () => {
      api = createServer((request, response) => {
        if (mode === 'reset') return request.socket.destroy();
        if (mode === 'overloaded') return response.writeHead(503).end('{}');
        if (request.url === '/v1/oauth2/token') {
          if (mode === 'credentials_refused') return response.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"invalid_client"}');
          return response.writeHead(200, { 'content-type': 'application/json' }).end('{"access_token":"A21AA-test","expires_in":32400}');
        }
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ verification_status: mode === 'verified' ? 'SUCCESS' : 'FAILURE' }));
      });
      await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
      t = await startPaymentsApp(dialect.name, {
        providers: ['sandbox', 'paypal'],
        providerEnv: { PAYPAL_CLIENT_ID: 'client', PAYPAL_CLIENT_SECRET: 'secret', PAYPAL_WEBHOOK_ID: 'WH-1', PAYPAL_API_BASE: `http://127.0.0.1:${(api.address() as AddressInfo).port}` },
      });
    });
    after(async () => {
      await t?.close();
      await new Promise((resolve) => api?.close(resolve));
    });

    const deliver = () => t.request('POST', '/v1/webhooks/paypal', {
      token: null,
      rawBody: JSON.stringify({ id: 'WH-EVENT-1', event_type: 'CHECKOUT.ORDER.APPROVED', create_time: t.clock.now().toISOString(), resource: { id: 'ORDER-1' } }),
      headers: {
        'content-type': 'application/json', 'paypal-auth-algo': 'SHA256withRSA', 'paypal-cert-url': 'https://api.paypal.com/v1/notifications/certs/CERT-1',
        'paypal-transmission-id': 'tx-1', 'paypal-transmission-sig': 'c2lnbmF0dXJl', 'paypal-transmission-time': t.clock.now().toISOString(),
      },
    });
    const stored = async () => (await t.app.ctx.db.selectFrom('webhook_inbox').select('event_id').where('provider', '=', 'paypal').execute()).length;

    it('answers 503 unavailable while PayPal cannot be asked, stores nothing, and takes the event when it is sent again', async () => {
      for (const unanswered of ['credentials_refused', 'reset', 'overloaded'] as const) {
        mode = unanswered;
        const response = await deliver();
        assert.deepEqual([response.status, response.body.error.code], [503, 'unavailable'], unanswered);
      }
      mode = 'not_verified';
      const forged = await deliver();
      assert.deepEqual([forged.status, forged.body.error.code], [400, 'webhook_signature_invalid']);
      assert.equal(await stored(), 0);
      mode = 'verified';
      const taken = await deliver();
      assert.equal(taken.status, 200, JSON.stringify(taken.body));
      assert.equal(await stored(), 1);
    });
  });
}

/**
 * A signed event the inbox cannot key: Stripe's SDK checks the signature and parses the JSON, not
 * its fields, and an event without `id` reached the inbox's NOT NULL event id (a 500).
 */
for (const dialect of DIALECTS) {
  describe(`a signed Stripe event without an id [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let stripe: StripeFake;
    before(async () => {
      stripe = await startStripeFake();
      t = await startPaymentsApp(dialect.name, {
        providers: ['sandbox', 'stripe'],
        providerEnv: { STRIPE_SECRET_KEY: stripe.secretKey, STRIPE_WEBHOOK_SECRET: stripe.webhookSecret, STRIPE_API_BASE: stripe.url },
      });
    });
    after(async () => {
      await t?.close();
      await stripe?.close();
    });

    it('is refused 400 webhook_payload_invalid and nothing is stored', async () => {
      const timestamp = Math.floor(t.clock.now().getTime() / 1000);
      for (const id of [undefined, '']) {
        const rawBody = JSON.stringify({ ...(id === undefined ? {} : { id }), type: 'checkout.session.completed', created: timestamp, data: { object: { id: 'cs_test_1', object: 'checkout.session', amount_total: 100_000, currency: 'kzt', payment_status: 'paid' } } });
        const signature = createHmac('sha256', stripe.webhookSecret).update(`${timestamp}.${rawBody}`).digest('hex');
        const response = await t.request('POST', '/v1/webhooks/stripe', { token: null, rawBody, headers: { 'content-type': 'application/json', 'stripe-signature': `t=${timestamp},v1=${signature}` } });
        assert.deepEqual([response.status, response.body?.error?.code], [400, 'webhook_payload_invalid'], response.text);
      }
      assert.equal((await t.app.ctx.db.selectFrom('webhook_inbox').select('id').where('provider', '=', 'stripe').execute()).length, 0);
    });
  });
}
