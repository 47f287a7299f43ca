import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { createServer as createNetServer, type AddressInfo, type Socket } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';
import { loadSettings } from '../config.ts';
import { runJobsOnce } from '../jobs/scheduler.ts';
import { deliverWebhooksJob } from './deliver-webhooks-job.ts';
import { cursorOf } from './partners-repository.ts';
import { WEBHOOK_ENDPOINTS_PER_KEY_MAX } from './register-webhook.ts';
import { verifyWebhookSignature } from './webhook-signature.ts';

interface Received { headers: Record<string, string | string[] | undefined>; body: string }

for (const dialect of DIALECTS) {
  describe(`partner API and signed webhooks [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let receiver: Server;
    let receiverUrl: string;
    const received: Received[] = [];
    let failNext = 0;
    // The next request is held, unanswered, until `release` (a delivery under way).
    let hold: { arrived: () => void; release: Promise<void> } | null = null;
    before(async () => {
      // The receiver runs on this machine: http and private addresses allowed, as in development.
      t = await startTestApp(dialect.name, { partnerWebhooks: { ...loadSettings({}).partnerWebhooks, allowHttp: true, allowPrivate: true } });
      receiver = createServer((request, response) => {
        let body = '';
        request.on('data', (chunk) => { body += chunk; });
        request.on('end', async () => {
          received.push({ headers: { ...request.headers, 'x-path': request.url }, body });
          const held = hold;
          hold = null;
          if (held) {
            held.arrived();
            await held.release;
          }
          response.statusCode = failNext > 0 ? (failNext--, 500) : 200;
          response.end();
        });
      });
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
      await t.request('POST', '/v1/lines', { body: { msisdn: '+77011234567' } });
    });
    after(async () => {
      await new Promise((resolve) => receiver?.close(resolve));
      await t?.close();
    });

    const deliverAfter = async (seconds: number) => {
      t.clock.advance(seconds * 1000);
      return runJobsOnce(t.app.ctx, [deliverWebhooksJob]);
    };
    /** A partner key, its endpoint at `url` and one top-up made with the key (an event to deliver). */
    const endpointWithTopUp = async (url: string, idempotencyKey: string) => {
      const partner = await t.keyFor('partner');
      const endpoint = await t.request('POST', '/v1/partner/webhooks', { token: partner, body: { url } });
      assert.equal((await t.request('POST', '/v1/topups', { token: partner, body: { msisdn: '+77011234567', amount: 100_000, currency: 'KZT' }, headers: { 'idempotency-key': idempotencyKey } })).status, 201);
      return { partner, endpointId: endpoint.body.id as string };
    };
    /** PARTNER_WEBHOOK_TIMEOUT_MS at `ms` while `run` runs, then as it was. */
    const withWebhookTimeout = async <T>(ms: number, run: () => Promise<T>): Promise<T> => {
      const settings = t.app.ctx.settings.partnerWebhooks;
      const timeoutMs = settings.timeoutMs;
      settings.timeoutMs = ms;
      try {
        return await run();
      } finally {
        settings.timeoutMs = timeoutMs;
      }
    };
    /** What `promise` gives, or `late` when it has given nothing within 5 s: far beyond anything awaited here. */
    const within5s = async <T, L>(promise: Promise<T>, late: L): Promise<T | L> => {
      let guard: NodeJS.Timeout | undefined;
      try {
        return await Promise.race([promise, new Promise<L>((resolve) => { guard = setTimeout(() => resolve(late), 5_000); })]);
      } finally {
        clearTimeout(guard);
      }
    };

    it('tops up with a partner key and sends the result once, signed, retrying a failed delivery', async () => {
      const partner = await t.keyFor('partner');
      const other = await t.keyFor('partner');
      const endpoint = await t.request('POST', '/v1/partner/webhooks', { token: partner, body: { url: receiverUrl } });
      assert.equal(endpoint.status, 201);
      assert.match(endpoint.body.secret, /^whsec_/);
      assert.equal((await t.request('POST', '/v1/partner/webhooks', { token: other, body: { url: `${receiverUrl}?other` } })).status, 201);
      const topUp = await t.request('POST', '/v1/topups', { token: partner, body: { msisdn: '+77011234567', amount: 100_000, currency: 'KZT' }, headers: { 'idempotency-key': 'p-1' } });
      assert.equal(topUp.status, 201);
      failNext = 1;
      assert.deepEqual(await deliverAfter(20), { 'partner-webhooks': 0 }, 'the first attempt fails with 500');
      assert.equal(received.length, 1);
      assert.deepEqual(await deliverAfter(30), { 'partner-webhooks': 0 }, 'not before its backoff');
      assert.deepEqual(await deliverAfter(31), { 'partner-webhooks': 1 });
      assert.deepEqual(await deliverAfter(600), { 'partner-webhooks': 0 }, 'delivered once');
      assert.equal(received.length, 2);
      const [first, second] = received as [Received, Received];
      assert.equal(first.headers['tolem-event-id'], second.headers['tolem-event-id']);
      assert.equal(first.body, second.body);
      const event = JSON.parse(second.body);
      assert.equal(event.type, 'topup.succeeded');
      assert.equal(event.data.topupId, topUp.body.id);
      assert.equal(event.data.amount, 100_000);
      assert.equal(event.data.actorId, undefined);
      const signedAt = Number(/t=(\d+)/.exec(String(second.headers['tolem-signature']))![1]);
      const now = signedAt + 10;
      assert.ok(verifyWebhookSignature(endpoint.body.secret, String(second.headers['tolem-signature']), second.body, now));
      assert.equal(verifyWebhookSignature(endpoint.body.secret, String(second.headers['tolem-signature']), second.body, signedAt + 301), false, 'a replay later than 5 minutes');
      assert.equal(verifyWebhookSignature(endpoint.body.secret, `${String(second.headers['tolem-signature'])}zz`, second.body, now), false, 'a signature with anything after its hex');
      assert.equal(verifyWebhookSignature(endpoint.body.secret, String(second.headers['tolem-signature']), second.body.replace('100000', '900000'), now), false);
      assert.equal(verifyWebhookSignature('whsec_wrong', String(second.headers['tolem-signature']), second.body, now), false);
      const deliveries = await t.request('GET', `/v1/partner/webhooks/${endpoint.body.id}/deliveries`, { token: partner });
      assert.deepEqual(deliveries.body.data.map((d: { status: string; attempts: number }) => [d.status, d.attempts]), [['delivered', 2]]);
      assert.equal((await t.request('GET', `/v1/partner/webhooks/${endpoint.body.id}/deliveries`, { token: other })).body.error.code, 'webhook_endpoint_not_found');
    });

    it('refuses webhooks to this machine or private networks unless allowed, at registration and at delivery', async () => {
      const partner = await t.keyFor('partner');
      const endpoint = await t.request('POST', '/v1/partner/webhooks', { token: partner, body: { url: receiverUrl } });
      assert.equal(endpoint.status, 201);
      const settings = t.app.ctx.settings.partnerWebhooks;
      settings.allowPrivate = false;
      try {
        for (const url of [receiverUrl, 'http://localhost:8080/x', 'https://localhost/h', 'https://localhost./h', 'https://LocalHost../h', 'https://api.localhost./h', 'https://127.0.0.1./h', 'http://[::1]/x', 'http://10.0.0.7/x', 'http://169.254.169.254/latest/meta-data', 'http://192.168.1.1/x', 'http://[::ffff:127.0.0.1]/x']) {
          const refused = await t.request('POST', '/v1/partner/webhooks', { token: partner, body: { url } });
          assert.deepEqual([refused.status, refused.body.error.code, refused.body.error.details.reason], [422, 'webhook_url_invalid', 'private_address'], url);
        }
        // An endpoint registered while it was allowed: its deliveries are refused before connecting.
        const before = received.length;
        await t.request('POST', '/v1/topups', { token: partner, body: { msisdn: '+77011234567', amount: 100_000, currency: 'KZT' }, headers: { 'idempotency-key': 'p-private-1' } });
        await deliverAfter(20);
        assert.equal(received.length, before, 'nothing reached the private address');
        const [delivery] = await t.app.ctx.db.selectFrom('webhook_deliveries').select(['status', 'last_error']).where('endpoint_id', '=', endpoint.body.id).execute();
        assert.equal(delivery!.status, 'pending');
        assert.match(delivery!.last_error!, /private address/);
      } finally {
        settings.allowPrivate = true;
      }
      assert.equal((await t.request('DELETE', `/v1/partner/webhooks/${endpoint.body.id}`, { token: partner })).status, 204);
    });

    it('gives up deliveries still waiting when their endpoint is deleted', async () => {
      const partner = await t.keyFor('partner');
      const endpoint = await t.request('POST', '/v1/partner/webhooks', { token: partner, body: { url: receiverUrl } });
      await t.request('POST', '/v1/topups', { token: partner, body: { msisdn: '+77011234567', amount: 100_000, currency: 'KZT' }, headers: { 'idempotency-key': 'p-del-1' } });
      failNext = 1;
      const before = received.length;
      await deliverAfter(20);
      assert.equal(received.length, before + 1, 'the first attempt failed and a retry is due');
      assert.equal((await t.request('DELETE', `/v1/partner/webhooks/${endpoint.body.id}`, { token: partner })).status, 204);
      for (let round = 0; round < 8; round++) await deliverAfter(3_700);
      assert.equal(received.length, before + 1, 'nothing is sent after the DELETE');
      const deliveries = await t.app.ctx.db.selectFrom('webhook_deliveries').select(['status', 'last_error']).where('endpoint_id', '=', endpoint.body.id).execute();
      assert.deepEqual(deliveries, [{ status: 'failed', last_error: 'endpoint_deleted' }]);
    });

    it('a delivery under way when its endpoint is deleted stays given up, whatever it is answered: not pending for ever', async () => {
      const partner = await t.keyFor('partner');
      const endpoint = await t.request('POST', '/v1/partner/webhooks', { token: partner, body: { url: receiverUrl } });
      assert.equal((await t.request('POST', '/v1/topups', { token: partner, body: { msisdn: '+77011234567', amount: 100_000, currency: 'KZT' }, headers: { 'idempotency-key': 'p-inflight-1' } })).status, 201);
      let arrived!: () => void;
      let release!: () => void;
      const arrival = new Promise<void>((resolve) => { arrived = resolve; });
      hold = { arrived, release: new Promise<void>((resolve) => { release = resolve; }) };
      failNext = 1;
      t.clock.advance(20_000);
      const run = runJobsOnce(t.app.ctx, [deliverWebhooksJob]);
      await arrival;
      assert.equal((await t.request('DELETE', `/v1/partner/webhooks/${endpoint.body.id}`, { token: partner })).status, 204);
      release();
      await run;
      const deliveries = await t.app.ctx.db.selectFrom('webhook_deliveries').select(['status', 'last_error']).where('endpoint_id', '=', endpoint.body.id).execute();
      assert.deepEqual(deliveries, [{ status: 'failed', last_error: 'endpoint_deleted' }]);
    });

    it('a delivery under way longer than a minute (PARTNER_WEBHOOK_TIMEOUT_MS above it) is not sent again meanwhile by another run or process', async () => {
      const partner = await t.keyFor('partner');
      const endpoint = await t.request('POST', '/v1/partner/webhooks', { token: partner, body: { url: receiverUrl } });
      assert.equal((await t.request('POST', '/v1/topups', { token: partner, body: { msisdn: '+77011234567', amount: 100_000, currency: 'KZT' }, headers: { 'idempotency-key': 'p-slow-1' } })).status, 201);
      const settings = t.app.ctx.settings.partnerWebhooks;
      const timeoutMs = settings.timeoutMs;
      settings.timeoutMs = 120_000;
      try {
        let arrived!: () => void;
        let release!: () => void;
        const arrival = new Promise<void>((resolve) => { arrived = resolve; });
        hold = { arrived, release: new Promise<void>((resolve) => { release = resolve; }) };
        t.clock.advance(20_000);
        const first = runJobsOnce(t.app.ctx, [deliverWebhooksJob]);
        await arrival;
        const before = received.length;
        // 61 s on, the first attempt may still get its answer for another 59 s.
        t.clock.advance(61_000);
        await runJobsOnce(t.app.ctx, [deliverWebhooksJob]);
        assert.equal(received.length, before, 'not sent a second time while the first is under way');
        release();
        await first;
      } finally {
        settings.timeoutMs = timeoutMs;
      }
      const deliveries = await t.app.ctx.db.selectFrom('webhook_deliveries').select(['status', 'attempts']).where('endpoint_id', '=', endpoint.body.id).execute();
      assert.deepEqual(deliveries.map((d) => [d.status, Number(d.attempts)]), [['delivered', 1]]);
    });

    it('gives up an attempt whose answer has not come within PARTNER_WEBHOOK_TIMEOUT_MS, even one arriving a byte at a time', async () => {
      // An endpoint that answers its headers a byte every 20 ms: never idle for the timeout, never done.
      const sockets = new Set<Socket>();
      const trickler = createNetServer((socket) => {
        sockets.add(socket);
        socket.write('HTTP/1.1 200 OK\r\nx-slow: ');
        const timer = setInterval(() => { if (!socket.destroyed) socket.write('a'); }, 20);
        socket.on('close', () => clearInterval(timer));
        socket.on('error', () => clearInterval(timer));
      });
      await new Promise<void>((resolve) => trickler.listen(0, '127.0.0.1', resolve));
      const { partner, endpointId } = await endpointWithTopUp(`http://127.0.0.1:${(trickler.address() as AddressInfo).port}/slow`, 'p-trickle-1');
      try {
        await withWebhookTimeout(200, async () => {
          t.clock.advance(20_000);
          const run = runJobsOnce(t.app.ctx, [deliverWebhooksJob]);
          // A run still waiting by then waits for ever, and holds up every partner's deliveries.
          const outcome = await within5s(run, 'stalled');
          for (const socket of sockets) socket.destroy();
          await run;
          assert.notEqual(outcome, 'stalled', 'the run ended');
        });
      } finally {
        await new Promise((resolve) => trickler.close(resolve));
      }
      const deliveries = await t.app.ctx.db.selectFrom('webhook_deliveries').select(['status', 'attempts', 'last_error']).where('endpoint_id', '=', endpointId).execute();
      assert.deepEqual(deliveries.map((d) => [d.status, Number(d.attempts)]), [['pending', 1]], 'not delivered: retried later');
      assert.match(deliveries[0]!.last_error!, /200 ms/);
      assert.equal((await t.request('DELETE', `/v1/partner/webhooks/${endpointId}`, { token: partner })).status, 204);
    });

    it('reads no more of an answer than its status: a body that never ends does not keep the connection open', async () => {
      // Answers 200 at once, then a body of 16 KB every 10 ms that never ends.
      let closed!: () => void;
      const connectionClosed = new Promise<void>((resolve) => { closed = resolve; });
      const endless = createServer((request, response) => {
        request.resume();
        response.writeHead(200, { 'content-type': 'text/plain' });
        const chunk = Buffer.alloc(16_384, 'a');
        const timer = setInterval(() => response.write(chunk), 10);
        request.socket.on('close', () => {
          clearInterval(timer);
          closed();
        });
      });
      await new Promise<void>((resolve) => endless.listen(0, '127.0.0.1', resolve));
      const { partner, endpointId } = await endpointWithTopUp(`http://127.0.0.1:${(endless.address() as AddressInfo).port}/endless`, 'p-endless-1');
      try {
        await withWebhookTimeout(300, async () => {
          assert.deepEqual(await deliverAfter(20), { 'partner-webhooks': 1 }, 'a 2xx within the timeout: delivered');
          // A connection still open by then is left reading for ever, one more each delivery.
          assert.notEqual(await within5s(connectionClosed, 'open'), 'open', 'the connection was closed');
        });
      } finally {
        endless.closeAllConnections();
        await new Promise((resolve) => endless.close(resolve));
      }
      assert.equal((await t.request('DELETE', `/v1/partner/webhooks/${endpointId}`, { token: partner })).status, 204);
    });

    it('lists no next attempt for a delivery that is over, delivered or given up', async () => {
      const partner = await t.keyFor('partner');
      const endpoint = await t.request('POST', '/v1/partner/webhooks', { token: partner, body: { url: receiverUrl } });
      const settings = t.app.ctx.settings.partnerWebhooks;
      const attemptsMax = settings.attemptsMax;
      settings.attemptsMax = 2;
      try {
        assert.equal((await t.request('POST', '/v1/topups', { token: partner, body: { msisdn: '+77011234567', amount: 100_000, currency: 'KZT' }, headers: { 'idempotency-key': 'p-over-1' } })).status, 201);
        failNext = 1;
        await deliverAfter(20);
        const listed = async () => (await t.request('GET', `/v1/partner/webhooks/${endpoint.body.id}/deliveries`, { token: partner })).body.data
          .map((d: { status: string; attempts: number; nextAttemptAt: string | null }) => [d.status, d.attempts, d.nextAttemptAt]);
        assert.deepEqual(await listed(), [['pending', 1, new Date(t.clock.now().getTime() + 60_000).toISOString()]], 'a retry in a minute');
        failNext = 1;
        await deliverAfter(61);
        assert.deepEqual(await listed(), [['failed', 2, null]], 'given up: no attempt is coming');
        assert.equal((await t.request('POST', '/v1/topups', { token: partner, body: { msisdn: '+77011234567', amount: 100_000, currency: 'KZT' }, headers: { 'idempotency-key': 'p-over-2' } })).status, 201);
        await deliverAfter(20);
        assert.deepEqual((await listed())[0], ['delivered', 1, null]);
      } finally {
        failNext = 0;
        settings.attemptsMax = attemptsMax;
      }
      assert.equal((await t.request('DELETE', `/v1/partner/webhooks/${endpoint.body.id}`, { token: partner })).status, 204);
    });

    it('gives up deliveries written for an endpoint deleted while the run was turning its events into deliveries', async () => {
      const partner = await t.keyFor('partner');
      const endpoint = await t.request('POST', '/v1/partner/webhooks', { token: partner, body: { url: receiverUrl } });
      assert.equal((await t.request('POST', '/v1/topups', { token: partner, body: { msisdn: '+77011234567', amount: 100_000, currency: 'KZT' }, headers: { 'idempotency-key': 'p-race-del-1' } })).status, 201);
      // The DELETE lands after the run found the endpoint active and before it writes the deliveries (another process's request).
      let deleted = false;
      const deleteFirst = async () => {
        if (deleted) return;
        deleted = true;
        assert.equal((await t.request('DELETE', `/v1/partner/webhooks/${endpoint.body.id}`, { token: partner })).status, 204);
      };
      const db = t.app.ctx.db;
      const racing = new Proxy(db, {
        get: (target, prop) => (prop === 'insertInto'
          ? (table: string) => (table === 'webhook_deliveries' ? beforeExecute(target.insertInto(table), deleteFirst) : target.insertInto(table as never))
          : bound(target, prop)),
      });
      const before = received.length;
      t.clock.advance(20_000);
      await runJobsOnce({ ...t.app.ctx, db: racing }, [deliverWebhooksJob]);
      assert.ok(deleted);
      await deliverAfter(5);
      assert.equal(received.length, before, 'nothing sent to the deleted endpoint');
      const deliveries = await t.app.ctx.db.selectFrom('webhook_deliveries').select(['status', 'last_error']).where('endpoint_id', '=', endpoint.body.id).execute();
      assert.deepEqual(deliveries, [{ status: 'failed', last_error: 'endpoint_deleted' }], 'given up, not pending for ever (which retention never deletes)');
    });

    it('a partner endpoint that does not answer holds up no other partner\'s deliveries', async () => {
      // Accepts the connection and never answers (a firewall dropping, a server hung), until the test lets go.
      const sockets = new Set<Socket>();
      let letGo = false;
      const hung = createNetServer((socket) => {
        socket.on('error', () => {});
        if (letGo) socket.destroy();
        else sockets.add(socket);
      });
      await new Promise<void>((resolve) => hung.listen(0, '127.0.0.1', resolve));
      const down = await t.keyFor('partner');
      const up = await t.keyFor('partner');
      // Registered on a port nothing listens on: its first attempts are refused at once, and their retries come due first.
      const downEndpoint = await t.request('POST', '/v1/partner/webhooks', { token: down, body: { url: 'http://127.0.0.1:9/down' } });
      const upEndpoint = await t.request('POST', '/v1/partner/webhooks', { token: up, body: { url: receiverUrl.replace('/hooks', '/up') } });
      for (let n = 0; n < 30; n++) {
        assert.equal((await t.request('POST', '/v1/topups', { token: down, body: { msisdn: '+77011234567', amount: 50_000, currency: 'KZT' }, headers: { 'idempotency-key': `p-down-${n}` } })).status, 201);
      }
      await deliverAfter(20);
      await t.app.ctx.db.updateTable('webhook_endpoints').set({ url: `http://127.0.0.1:${(hung.address() as AddressInfo).port}/down` }).where('id', '=', downEndpoint.body.id).execute();
      assert.equal((await t.request('POST', '/v1/topups', { token: up, body: { msisdn: '+77011234567', amount: 50_000, currency: 'KZT' }, headers: { 'idempotency-key': 'p-up-1' } })).status, 201);
      const upBefore = received.filter((r) => r.headers['x-path'] === '/up').length;
      try {
        await withWebhookTimeout(60_000, async () => {
          t.clock.advance(61_000);
          const run = runJobsOnce(t.app.ctx, [deliverWebhooksJob]);
          const upDelivered = (async () => {
            while (received.filter((r) => r.headers['x-path'] === '/up').length === upBefore) await new Promise((resolve) => setTimeout(resolve, 20));
            return 'delivered' as const;
          })();
          // Far beyond a delivery to this machine: the other partner's are waiting for the hung ones to time out.
          const outcome = await within5s(upDelivered, 'stuck');
          letGo = true;
          for (const socket of sockets) socket.destroy();
          await run;
          assert.equal(outcome, 'delivered', 'the partner whose endpoint answers hears of its top-up while the other\'s hangs');
          assert.ok(sockets.size <= 1, `one attempt at a time to an endpoint that has not answered (${sockets.size})`);
        });
      } finally {
        letGo = true;
        for (const socket of sockets) socket.destroy();
        await new Promise((resolve) => hung.close(resolve));
      }
      // Each counted an attempt (the first refused, the second unanswered), so they keep their schedule of retries and giving up.
      const downDeliveries = await t.app.ctx.db.selectFrom('webhook_deliveries').select(['status', 'attempts', 'last_error']).where('endpoint_id', '=', downEndpoint.body.id).execute();
      assert.deepEqual(new Set(downDeliveries.map((d) => `${d.status} ${d.attempts}`)), new Set(['pending 2']));
      assert.equal(downDeliveries.length, 30);
      assert.equal(downDeliveries.filter((d) => d.last_error!.startsWith('not sent')).length, 29, 'one sent, the others not');
      for (const [key, id] of [[down, downEndpoint.body.id], [up, upEndpoint.body.id]] as const) await t.request('DELETE', `/v1/partner/webhooks/${id}`, { token: key });
    });

    it('refuses bad endpoints and other roles, and stops sending to a deleted endpoint', async () => {
      const partner = await t.keyFor('partner');
      const cases: [unknown, number, string][] = [
        [{ url: 'not a url' }, 422, 'webhook_url_invalid'],
        [{ url: 'ftp://example.com/x' }, 422, 'webhook_url_invalid'],
        [{ url: 'https://user:pw@example.com/x' }, 422, 'webhook_url_invalid'],
        [{ url: 'https://example.com/x', topics: ['line.status_changed'] }, 400, 'validation_failed'],
        [{ url: 'https://example.com/x', secret: 'mine' }, 400, 'validation_failed'],
      ];
      for (const [body, status, code] of cases) {
        const response = await t.request('POST', '/v1/partner/webhooks', { token: partner, body });
        assert.equal(response.status, status, JSON.stringify(body));
        assert.equal(response.body.error.code, code);
      }
      assert.equal((await t.request('POST', '/v1/partner/webhooks', { body: { url: 'https://example.com/x' } })).body.error.code, 'forbidden');
      const endpoint = await t.request('POST', '/v1/partner/webhooks', { token: partner, body: { url: receiverUrl } });
      // Other roles are refused on every route of a partner's endpoints, whatever the id.
      const clerk = await t.keyFor('clerk');
      for (const [method, url] of [['GET', '/v1/partner/webhooks'], ['GET', `/v1/partner/webhooks/${endpoint.body.id}/deliveries`], ['GET', '/v1/partner/webhooks/whk_none/deliveries'], ['DELETE', `/v1/partner/webhooks/${endpoint.body.id}`]] as const) {
        const refused = await t.request(method, url, { token: clerk });
        assert.deepEqual([refused.status, refused.body.error?.code], [403, 'forbidden'], `${method} ${url}`);
      }
      assert.equal((await t.request('DELETE', `/v1/partner/webhooks/${endpoint.body.id}`, { token: partner })).status, 204);
      assert.equal((await t.request('DELETE', `/v1/partner/webhooks/${endpoint.body.id}`, { token: partner })).body.error.code, 'webhook_endpoint_not_found');
      const before = received.length;
      await t.request('POST', '/v1/topups', { token: partner, body: { msisdn: '+77011234567', amount: 100_000, currency: 'KZT' }, headers: { 'idempotency-key': 'p-2' } });
      await deliverAfter(20);
      assert.equal(received.length, before);
    });

    it('caps the endpoints of a key, counting only those not deleted', async () => {
      const partner = await t.keyFor('partner');
      const ids: string[] = [];
      for (let n = 0; n < WEBHOOK_ENDPOINTS_PER_KEY_MAX; n++) {
        const created = await t.request('POST', '/v1/partner/webhooks', { token: partner, body: { url: `https://example.com/hooks/${n}` } });
        assert.equal(created.status, 201);
        ids.push(created.body.id);
      }
      const refused = await t.request('POST', '/v1/partner/webhooks', { token: partner, body: { url: 'https://example.com/hooks/one-more' } });
      assert.equal(refused.status, 422);
      assert.equal(refused.body.error.code, 'webhook_endpoint_limit_reached');
      assert.equal(refused.body.error.details.max, WEBHOOK_ENDPOINTS_PER_KEY_MAX);
      assert.equal((await t.request('POST', '/v1/partner/webhooks', { token: await t.keyFor('partner'), body: { url: 'https://example.com/other-key' } })).status, 201, 'another key has its own allowance');
      assert.equal((await t.request('DELETE', `/v1/partner/webhooks/${ids[0]}`, { token: partner })).status, 204);
      assert.equal((await t.request('POST', '/v1/partner/webhooks', { token: partner, body: { url: 'https://example.com/hooks/again' } })).status, 201);
      assert.equal((await t.request('GET', '/v1/partner/webhooks', { token: partner })).body.data.length, WEBHOOK_ENDPOINTS_PER_KEY_MAX);
      for (const id of (await t.request('GET', '/v1/partner/webhooks', { token: partner })).body.data.map((e: { id: string }) => e.id)) {
        await t.request('DELETE', `/v1/partner/webhooks/${id}`, { token: partner });
      }
    });

    it('lets no more than the cap through when registrations race', async () => {
      const partner = await t.keyFor('partner');
      const answers = await Promise.all(Array.from({ length: WEBHOOK_ENDPOINTS_PER_KEY_MAX + 8 }, (_, n) => (
        t.request('POST', '/v1/partner/webhooks', { token: partner, body: { url: `https://example.com/race/${n}` } }))));
      assert.equal(answers.filter((a) => a.status === 201).length, WEBHOOK_ENDPOINTS_PER_KEY_MAX);
      assert.deepEqual(new Set(answers.filter((a) => a.status !== 201).map((a) => a.body.error.code)), new Set(['webhook_endpoint_limit_reached']));
      await t.app.ctx.db.updateTable('webhook_endpoints').set({ disabled_at: t.clock.now().toISOString() }).where('url', 'like', 'https://example.com/race/%').execute();
    });

    it('turns 1,000 events of a key with 6 endpoints into 6,000 deliveries in one run (over both databases\' parameter limits) and delivers them all', async () => {
      const ENDPOINTS = 6;
      const EVENTS = 1_000;
      const partner = await t.keyFor('partner');
      const endpointIds: string[] = [];
      for (let n = 0; n < ENDPOINTS; n++) {
        endpointIds.push((await t.request('POST', '/v1/partner/webhooks', { token: partner, body: { url: `${receiverUrl.replace('/hooks', '/bulk')}?n=${n}` } })).body.id);
      }
      const { api_key_id: partnerKeyId } = await t.app.ctx.db.selectFrom('webhook_endpoints').select('api_key_id').where('id', '=', endpointIds[0]!).executeTakeFirstOrThrow();
      t.clock.advance(1_000);
      // Beside the partner's events, 1,500 of other callers and 500 of a topic no endpoint takes:
      // a run reads page after page (1,000 events each) until it has caught up.
      const mine = await insertEvents(t, EVENTS, 'topup.succeeded', partnerKeyId);
      await insertEvents(t, 1_500, 'topup.succeeded', 'key_someone_else');
      await insertEvents(t, 500, 'bonus.granted', partnerKeyId);
      const bulkBefore = received.filter((r) => String(r.headers['x-path']).startsWith('/bulk')).length;
      t.clock.advance(20_000);
      const settled = new Date(t.clock.now().getTime() - 15_000).toISOString();
      await runJobsOnce(t.app.ctx, [deliverWebhooksJob]);
      const deliveries = await t.app.ctx.db.selectFrom('webhook_deliveries').select(['event_id', 'endpoint_id']).where('endpoint_id', 'in', endpointIds).execute();
      assert.equal(deliveries.length, EVENTS * ENDPOINTS, 'every (event, endpoint) after one run');
      assert.deepEqual(new Set(deliveries.map((d) => d.event_id)), new Set(mine));
      assert.equal(await cursorOf(t.app.ctx, 'partners'), `${settled}|`, 'caught up in one run: the cursor is past all 3,000 events');
      for (let run = 0; run < 5; run++) await runJobsOnce(t.app.ctx, [deliverWebhooksJob]);
      const statuses = await t.app.ctx.db.selectFrom('webhook_deliveries').select('status').distinct().where('endpoint_id', 'in', endpointIds).execute();
      assert.deepEqual(statuses, [{ status: 'delivered' }]);
      const bulk = received.filter((r) => String(r.headers['x-path']).startsWith('/bulk')).slice(bulkBefore);
      assert.equal(bulk.length, EVENTS * ENDPOINTS);
      assert.equal(new Set(bulk.map((r) => `${r.headers['x-path']} ${r.headers['tolem-event-id']}`)).size, EVENTS * ENDPOINTS, 'each once');
      for (const id of endpointIds) await t.request('DELETE', `/v1/partner/webhooks/${id}`, { token: partner });
    });

    it('moves the cursor to the settled time when no endpoint listens, reading nothing', async () => {
      await t.app.ctx.db.updateTable('webhook_endpoints').set({ disabled_at: t.clock.now().toISOString() }).where('disabled_at', 'is', null).execute();
      await insertEvents(t, 10, 'topup.succeeded', 'key_nobody');
      t.clock.advance(20_000);
      await runJobsOnce(t.app.ctx, [deliverWebhooksJob]);
      assert.equal(await cursorOf(t.app.ctx, 'partners'), `${new Date(t.clock.now().getTime() - 15_000).toISOString()}|`);
    });
  });
}

/** Writes outbox events as a top-up would (directly: the daily limit would stop 1,000 top-ups of one line). */
async function insertEvents(t: TestApp, count: number, topic: string, actorId: string): Promise<string[]> {
  const now = t.clock.now().toISOString();
  const rows = Array.from({ length: count }, (_, n) => ({
    id: t.app.ctx.ids.next('evt'), topic, created_at: now, available_at: now, attempts: 0n, processed_at: null, last_error: null,
    payload: JSON.stringify({ topupId: `tu_${n}`, lineId: 'ln_x', msisdn: '+77011234567', amount: 100_000, currency: 'KZT', receiptNumber: `R-${n}`, channel: 'api', balanceAfter: 100_000, language: 'en', actorId }),
  }));
  for (let start = 0; start < rows.length; start += 500) await t.app.ctx.db.insertInto('outbox').values(rows.slice(start, start + 500)).execute();
  return rows.map((row) => row.id);
}

/** A query builder whose `execute` (on it or any builder it makes) first runs `hook`. */
function beforeExecute<T extends object>(builder: T, hook: () => Promise<void>): T {
  return new Proxy(builder, {
    get(target, prop) {
      const value = bound(target, prop);
      if (typeof value !== 'function') return value;
      if (prop === 'execute') return async (...args: unknown[]) => { await hook(); return value(...args); };
      return (...args: unknown[]) => {
        const made = value(...args);
        return made !== null && typeof made === 'object' && typeof (made as { execute?: unknown }).execute === 'function' ? beforeExecute(made, hook) : made;
      };
    },
  });
}

/** A property of `target`, a method bound to it (Kysely's objects keep private fields). */
function bound(target: object, prop: string | symbol): any {
  const value = Reflect.get(target, prop, target);
  return typeof value === 'function' ? value.bind(target) : value;
}
