import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';

// What a partner integrating from /openapi.json relies on: every API route documents its answers,
// the documented success schemas keep every field the routes send, and every list pages alike.
for (const dialect of DIALECTS) {
  describe(`API contract [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let partner: string;
    before(async () => {
      t = await startTestApp(dialect.name);
      partner = await t.keyFor('partner');
      for (const msisdn of ['+77011234567', '+77051112233']) {
        assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn } })).status, 201);
        assert.equal((await t.request('POST', '/v1/topups', { body: { msisdn, amount: 1_000_000, currency: 'KZT' }, headers: { 'idempotency-key': `fund-${msisdn}` } })).status, 201);
      }
      await t.request('POST', '/v1/admin/offerings', { body: { code: 'DATA_1GB', kind: 'data', price: 100_000, validityDays: 7, allowances: { dataGb: 1 }, names: { en: '1 GB', ru: '1 ГБ', kk: '1 ГБ', zh: '1 GB' } } });
    });
    after(async () => t?.close());

    it('lists the common error answers on every /v1 route, and a success answer on the partner routes', async () => {
      const doc = (await t.request('GET', '/openapi.json', { token: null })).body as { paths: Record<string, Record<string, { responses?: Record<string, unknown> }>> };
      for (const [path, operations] of Object.entries(doc.paths)) {
        if (!path.startsWith('/v1/')) continue;
        for (const [method, operation] of Object.entries(operations)) {
          for (const status of ['400', '401', '403', '404', '409', '413', '415', '422', '429', '503']) {
            assert.ok(operation.responses?.[status], `${method.toUpperCase()} ${path} documents ${status}`);
          }
        }
      }
      const success: [string, string, string][] = [
        ['get', '/v1/auth/me', '200'], ['post', '/v1/auth/logout', '204'], ['get', '/v1/api-keys', '200'], ['delete', '/v1/api-keys/{id}', '204'],
        ['get', '/v1/users', '200'], ['get', '/v1/lines/{msisdn}/balance', '200'], ['get', '/v1/offerings/{code}/quote', '200'],
        ['get', '/v1/lines/{msisdn}/packages', '200'], ['patch', '/v1/lines/{msisdn}/packages/{id}', '200'], ['get', '/v1/payments', '200'],
        ['post', '/v1/partner/webhooks', '201'], ['get', '/v1/partner/webhooks', '200'], ['get', '/v1/partner/webhooks/{id}/deliveries', '200'],
        ['post', '/v1/payments/{id}/refunds', '502'], ['post', '/v1/vouchers/redeem', '410'],
      ];
      for (const [method, path, status] of success) assert.ok(doc.paths[path]?.[method]?.responses?.[status], `${method.toUpperCase()} ${path} documents ${status}`);
    });

    it('keeps every field of the newly described answers', async () => {
      const me = await t.request('GET', '/v1/auth/me', { token: partner });
      assert.deepEqual(Object.keys(me.body).sort(), ['displayName', 'id', 'kind', 'login', 'role']);
      assert.equal(me.body.kind, 'api_key');
      const balance = await t.request('GET', '/v1/lines/%2B77011234567/balance', { token: partner });
      assert.deepEqual(Object.keys(balance.body).sort(), ['bonus', 'currency', 'main', 'msisdn', 'status', 'validUntil']);
      const quote = await t.request('GET', '/v1/offerings/DATA_1GB/quote?msisdn=%2B77011234567', { token: partner });
      assert.equal(quote.status, 200);
      assert.deepEqual(quote.body.payment, { fromBonus: 100_000, fromMain: 0, shortfall: 0 });
      const bought = await t.request('POST', '/v1/purchases', { token: partner, body: { msisdn: '+77011234567', offering: 'DATA_1GB' }, headers: { 'idempotency-key': 'buy-1' } });
      assert.equal(bought.status, 201);
      const packages = await t.request('GET', '/v1/lines/%2B77011234567/packages', { token: partner });
      assert.deepEqual(Object.keys(packages.body.data[0]).sort(), ['allowances', 'autoRenew', 'expiresAt', 'features', 'id', 'kind', 'name', 'offering', 'periods', 'stacks', 'startsAt', 'status']);
      assert.deepEqual(Object.keys(packages.body.data[0].allowances[0].buckets[0]).sort(), ['expiresAt', 'id', 'remaining']);
      const patched = await t.request('PATCH', `/v1/lines/%2B77011234567/packages/${bought.body.id}`, { token: partner, body: { autoRenew: false } });
      assert.deepEqual(patched.body, { id: bought.body.id, autoRenew: false });
      const endpoint = await t.request('POST', '/v1/partner/webhooks', { token: partner, body: { url: 'https://example.com/hook' } });
      assert.equal(endpoint.status, 201);
      assert.match(endpoint.body.secret, /^whsec_/);
      const endpoints = await t.request('GET', '/v1/partner/webhooks', { token: partner });
      assert.deepEqual(endpoints.body, { data: [{ id: endpoint.body.id, url: 'https://example.com/hook', topics: endpoint.body.topics, createdAt: endpoint.body.createdAt }], nextCursor: null });
      const deliveries = await t.request('GET', `/v1/partner/webhooks/${endpoint.body.id}/deliveries`, { token: partner });
      assert.deepEqual(deliveries.body, { data: [], nextCursor: null });
      const keys = await t.request('GET', '/v1/api-keys');
      assert.deepEqual(Object.keys(keys.body.data[0]).sort(), ['createdAt', 'id', 'name', 'prefix', 'revoked', 'role', 'sourceAccountId']);
      const users = await t.request('GET', '/v1/users');
      assert.equal(users.status, 200);
      assert.equal(users.body.nextCursor, null);
    });

    it('pages every list alike: limit 1-100 (default 20), and a cursor only of that list\'s own ids', async () => {
      const lines = await t.request('GET', '/v1/lines?limit=1');
      assert.match(lines.body.nextCursor, /^ln_/);
      const transactions = await t.request('GET', '/v1/lines/%2B77011234567/transactions?limit=1');
      assert.match(transactions.body.nextCursor, /^tr_/);
      const lists = ['/v1/users', '/v1/lines', '/v1/lines/%2B77011234567/transactions', '/v1/lines/%2B77011234567/messages', '/v1/payments', '/v1/admin/webhook-events'];
      for (const list of lists) {
        // Another list's id: refused, not answered with a wrong or empty page.
        const foreign = list.endsWith('/transactions') ? lines.body.nextCursor : transactions.body.nextCursor;
        const refused = await t.request('GET', `${list}?cursor=${foreign}`);
        assert.equal(refused.status, 400, `${list} refuses a cursor of another list`);
        assert.equal(refused.body.error.code, 'validation_failed');
        for (const limit of ['0', '101']) assert.equal((await t.request('GET', `${list}?limit=${limit}`)).body.error.code, 'validation_failed', `${list}?limit=${limit}`);
        const page = await t.request('GET', list);
        assert.equal(page.status, 200, list);
        assert.ok('nextCursor' in page.body, `${list} answers nextCursor`);
      }
      const second = await t.request('GET', `/v1/lines?limit=1&cursor=${lines.body.nextCursor}`);
      assert.equal(second.body.data[0].msisdn, '+77051112233');
    });
  });
}
