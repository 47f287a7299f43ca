import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';
import { agentDayReport } from '../agents/agent-day-report.ts';
import { createAgent } from '../agents/create-agent.ts';
import { getAgent } from '../agents/get-agent.ts';
import { getPosReceipt } from '../agents/get-pos-receipt.ts';
import { linkAgentStaff } from '../agents/link-agent-staff.ts';
import { lookUpLine } from '../agents/look-up-line.ts';
import { createAggregator } from '../aggregators/create-aggregator.ts';
import { SYSTEM_ACTOR } from '../auth/actor.ts';
import { createApiKey } from '../auth/create-api-key.ts';
import { createUser } from '../auth/create-user.ts';
import { linkLine } from '../auth/link-line.ts';
import { updateUser } from '../auth/update-user.ts';
import type { Result } from '../domain/result.ts';
import { listWebhookEvents } from '../payments/list-payments.ts';
import { insertInboxEvent } from '../payments/payments-repository.ts';
import { createPromotion, toPromotionView } from '../promotions/create-promotion.ts';
import { listPromotions } from '../promotions/promotions-repository.ts';
import { createStore } from '../stores/create-store.ts';
import { identifyCustomer } from '../stores/identify-customer.ts';
import { linkStoreClerk } from '../stores/link-store-clerk.ts';
import { storeCashReport } from '../stores/store-cash-report.ts';
import { getStore } from '../stores/update-store.ts';
import { getVoucherBatch } from '../vouchers/get-voucher-batch.ts';

/** A value as a route without a response schema sent it: through JSON.stringify. */
const asSent = (value: unknown) => JSON.parse(JSON.stringify(value));

/** A use case's value, as sent, that must have succeeded. */
async function valueOf<T>(result: Promise<Result<T>>): Promise<T> {
  const done = await result;
  assert.ok(done.ok, JSON.stringify(done));
  return asSent(done.value);
}

/** The keys of a JSON value and the type of each, nested (arrays by their first item): what two answers of one route share. */
function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.length === 0 ? [] : [shapeOf(value[0])];
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  return Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)).map(([key, item]) => [key, shapeOf(item)]));
}

interface Schema { type?: string | string[]; format?: string; enum?: unknown[]; anyOf?: Schema[]; properties?: Record<string, Schema>; default?: unknown; $ref?: string }
interface Parameter { name: string; in: string; required?: boolean; description?: string; schema: Schema }
interface Operation {
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema: Schema }> };
  responses?: Record<string, { content?: Record<string, { schema: Schema }>; headers?: Record<string, unknown> }>;
}
interface OpenapiDocument { paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, Schema> } }

/** Calls `visit` on every object inside a JSON value, with where it is (`.paths./v1/topups.post…`). */
function walk(value: unknown, visit: (node: Schema & Record<string, unknown>, where: string) => void, where = ''): void {
  if (value === null || typeof value !== 'object') return;
  if (!Array.isArray(value)) visit(value as Schema & Record<string, unknown>, where);
  for (const [key, child] of Object.entries(value)) walk(child, visit, `${where}.${key}`);
}

// The shapes (shapeOf) of answers as the routes sent them before they had a schema, recorded then:
// a schema drops what it does not name, so each route must still send every one of these fields.
const TOP_UP_SHAPE = {
  amount: 'number', balanceAfter: { bonus: 'number', main: 'number' }, bonus: 'number', channel: 'string', createdAt: 'string', creditRepaid: 'number', currency: 'string',
  id: 'string', line: { status: 'string', validUntil: 'string' }, lineId: 'string', msisdn: 'string', receiptNumber: 'string', transferId: 'string',
};
const PURCHASE_SHAPE = {
  allowances: [{ amount: 'number', bucketId: 'string', carriedOver: 'number', expiresAt: 'string', unit: 'string' }], autoRenew: 'boolean',
  balanceAfter: { bonus: 'number', main: 'number' }, createdAt: 'string', currency: 'string', discount: 'number', expiresAt: 'string', id: 'string', kind: 'string',
  lineId: 'string', listPrice: 'number', msisdn: 'string', offering: 'string', offeringVersion: 'number', paidFromBonus: 'number', paidFromMain: 'number',
  period: 'number', pricePaid: 'number', promoCode: 'null', reason: 'string', receiptNumber: 'string', startsAt: 'string',
};
const REDEMPTION_SHAPE = { topUp: TOP_UP_SHAPE, voucher: { currency: 'string', faceValue: 'number', serial: 'string' } };

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

    it('lists the common error answers and a success answer on every /v1 route', async () => {
      const doc = (await t.request('GET', '/openapi.json', { token: null })).body as { paths: Record<string, Record<string, { responses?: Record<string, unknown> }>>; components: { schemas: Record<string, unknown> } };
      // Shared schemas by their names, as a client generator names its types.
      for (const name of ['ErrorBody', 'TopUp', 'PackagePurchase', 'Line', 'Payment', 'Offering']) assert.ok(doc.components.schemas[name], name);
      assert.ok(!Object.keys(doc.components.schemas).some((name) => name.startsWith('def-')), Object.keys(doc.components.schemas).join(' '));
      for (const [path, operations] of Object.entries(doc.paths)) {
        if (!path.startsWith('/v1/')) continue;
        for (const [method, operation] of Object.entries(operations)) {
          for (const status of ['400', '401', '403', '404', '409', '413', '415', '422', '429', '503']) {
            assert.ok(operation.responses?.[status], `${method.toUpperCase()} ${path} documents ${status}`);
          }
          assert.ok(Object.keys(operation.responses ?? {}).some((status) => /^[23]/.test(status)), `${method.toUpperCase()} ${path} documents a success answer`);
        }
      }
      // Answers the rule above cannot tell apart: no body (204), and errors beyond the common ones.
      const statuses: [string, string, string][] = [
        ['post', '/v1/auth/logout', '204'], ['delete', '/v1/api-keys/{id}', '204'], ['post', '/v1/payments/{id}/refunds', '502'], ['post', '/v1/vouchers/redeem', '410'],
      ];
      for (const [method, path, status] of statuses) assert.ok(doc.paths[path]?.[method]?.responses?.[status], `${method.toUpperCase()} ${path} documents ${status}`);
      // Outside /v1: what the schema refuses there, and the check/pay routes' authentication.
      for (const [method, path, status] of [['get', '/receipts/verify/{token}', '400'], ['post', '/sandbox/checkout/{id}', '415'], ['post', '/sandbox/checkout/{id}/challenge', '400']] as const) {
        assert.ok(doc.paths[path]?.[method]?.responses?.[status], `${method.toUpperCase()} ${path} documents ${status}`);
      }
      const checkPay = doc.paths['/aggregators/{code}/osmp']!.post as unknown as { security: unknown };
      assert.deepEqual(checkPay.security, [{ aggregatorBasic: [] }, {}]);
      assert.equal((doc as unknown as { components: { securitySchemes: Record<string, { scheme?: string }> } }).components.securitySchemes.aggregatorBasic?.scheme, 'basic');
      // A report or receipt that is JSON or an HTML slip documents both.
      const report = doc.paths['/v1/pos/report']!.get!.responses!['200'] as { content: Record<string, unknown> };
      assert.deepEqual(Object.keys(report.content).sort(), ['application/json', 'text/html']);
    });

    it('declares in /openapi.json what the server does: parameters, media types, errors by reference, formats, enums', async () => {
      const doc = (await t.request('GET', '/openapi.json', { token: null })).body as OpenapiDocument;
      const operations = Object.entries(doc.paths).flatMap(([path, item]) => Object.entries(item).map(([method, operation]) => ({ name: `${method.toUpperCase()} ${path}`, path, operation })));
      const parameter = (operation: Operation, name: string) => operation.parameters?.find((p) => p.name === name);

      // A query parameter with a default may be left out: limit on every paged list.
      const paged = operations.filter(({ operation }) => parameter(operation, 'limit'));
      assert.equal(paged.length, 8, paged.map(({ name }) => name).join());
      for (const { name, operation } of paged) assert.deepEqual([parameter(operation, 'limit')!.required, parameter(operation, 'limit')!.schema.default], [false, 20], name);
      for (const { name, operation } of operations) {
        for (const p of operation.parameters ?? []) assert.ok(!(p.required && p.schema?.default !== undefined), `${name} ${p.name}: a default, yet required`);
      }

      // Idempotency-Key: required wherever it is declared, which is every route that refuses a request without one.
      const keyed = operations.filter(({ operation }) => parameter(operation, 'idempotency-key')).map(({ name }) => name).sort();
      assert.deepEqual(keyed, [
        'POST /v1/admin/agents/{id}/deposits', 'POST /v1/counter/packages', 'POST /v1/counter/topups', 'POST /v1/lines/{msisdn}/packages/{id}/renew',
        'POST /v1/lines/{msisdn}/promised-payment', 'POST /v1/payments', 'POST /v1/payments/{id}/refunds', 'POST /v1/pos/topups', 'POST /v1/purchases',
        'POST /v1/topups', 'POST /v1/transfers',
      ]);
      for (const { name, operation } of operations) {
        const key = parameter(operation, 'idempotency-key');
        if (key) assert.equal(key.required, true, name);
      }
      assert.match(parameter(doc.paths['/v1/payments']!.post!, 'idempotency-key')!.description!, /all share one scope/);
      // The validator lets a request without the key through, for the handler's own code.
      const missing = [
        await t.request('POST', '/v1/topups', { body: { msisdn: '+77011234567', amount: 1_000, currency: 'KZT' } }),
        await t.request('POST', '/v1/payments', { token: null, body: { msisdn: '+77011234567', amount: 100_000, currency: 'KZT', purpose: 'topup', provider: 'sandbox' } }),
        await t.request('POST', '/v1/purchases', { body: { msisdn: '+77011234567', offering: 'DATA_1GB' } }),
      ];
      for (const answer of missing) assert.deepEqual([answer.status, answer.body.error?.code], [400, 'idempotency_key_missing']);

      // Each answer under its real media type.
      const mediaTypes = (path: string, method: string, status: string) => Object.keys(doc.paths[path]?.[method]?.responses?.[status]?.content ?? {});
      const media: [string, string, string, string[]][] = [
        ['/v1/receipts/{number}.pdf', 'get', '200', ['application/pdf']], ['/v1/payments/{id}/receipt.pdf', 'get', '200', ['application/pdf']],
        ['/v1/receipts/{number}/slip', 'get', '200', ['text/html']], ['/v1/admin/aggregators/{code}/registry', 'get', '200', ['text/csv']],
        ['/metrics', 'get', '200', ['text/plain']], ['/healthz', 'get', '200', ['application/json']], ['/readyz', 'get', '200', ['application/json']],
        ['/readyz', 'get', '503', ['application/json']], ['/aggregators/{code}/osmp', 'get', '200', ['text/xml']], ['/aggregators/{code}/osmp', 'post', '401', ['text/xml']],
        ['/aggregators/{code}/kaspi', 'post', '200', ['application/json']], ['/sandbox/checkout/{id}', 'get', '200', ['text/html']],
        ['/sandbox/checkout/{id}', 'get', '404', ['text/html']], ['/receipts/verify/{token}', 'get', '200', ['application/json', 'text/html']],
      ];
      for (const [path, method, status, types] of media) assert.deepEqual(mediaTypes(path, method, status).sort(), types, `${method.toUpperCase()} ${path} ${status}`);
      assert.deepEqual(Object.keys(doc.paths['/sandbox/checkout/{id}']!.post!.requestBody!.content).sort(), ['application/json', 'application/x-www-form-urlencoded']);

      // Errors by reference to ErrorBody (its description appears once, in the component), 405 with Allow on every /v1 route.
      assert.equal(JSON.stringify(doc).split('Every error, whatever the status').length - 1, 1);
      for (const { name, path, operation } of operations) {
        for (const [status, answer] of Object.entries(operation.responses ?? {})) {
          const json = answer.content?.['application/json']?.schema;
          // The aggregators' check/pay answer a refusal in their protocol, not as ErrorBody.
          if (/^[45]/.test(status) && json && !path.startsWith('/aggregators/')) assert.deepEqual(json, { $ref: '#/components/schemas/ErrorBody' }, `${name} ${status}`);
        }
        if (path.startsWith('/v1/')) assert.ok(operation.responses?.['405']?.headers?.allow, `${name} documents 405 with Allow`);
      }
      // The headers the answers carry: Retry-After on a 429, Idempotent-Replayed on a replayed success
      // (every route that takes a key, a confirmed transfer, a POS reversal).
      for (const { name, path, operation } of operations) {
        if (path.startsWith('/v1/')) assert.ok(operation.responses?.['429']?.headers?.['retry-after'], `${name} documents 429 with Retry-After`);
        if (path.startsWith('/v1/')) assert.ok(operation.responses?.['401']?.headers?.['www-authenticate'], `${name} documents 401 with WWW-Authenticate`);
        const replays = parameter(operation, 'idempotency-key') !== undefined || ['POST /v1/transfers/confirmations/{id}', 'POST /v1/pos/topups/{id}/reverse'].includes(name);
        for (const [status, answer] of Object.entries(operation.responses ?? {})) {
          if (/^2/.test(status)) assert.equal(answer.headers?.['idempotent-replayed'] !== undefined, replays, `${name} ${status} Idempotent-Replayed`);
        }
      }
      const unauthenticated = await t.request('GET', '/v1/lines', { token: null });
      assert.deepEqual([unauthenticated.status, unauthenticated.headers['www-authenticate']], [401, 'Bearer realm="tolem"']);
      const wrongMethod = await t.request('DELETE', '/v1/topups');
      assert.deepEqual([wrongMethod.status, wrongMethod.body.error?.code, wrongMethod.headers.allow], [405, 'method_not_allowed', 'POST']);
      for (const name of ['User', 'Agent', 'Store', 'Promotion', 'WebhookEndpoint', 'Transfer', 'LineStatusChange', 'Voucher']) assert.ok(doc.components.schemas[name], name);

      // Formats: instants date-time, days date; enums as enum; amounts to send as integers.
      const instants: string[] = [];
      const untyped: string[] = [];
      const literalUnions: string[] = [];
      const numbers: string[] = [];
      walk(doc, (schema, where) => {
        for (const [name, property] of Object.entries(schema.properties ?? {})) {
          for (const member of [property, ...(property.anyOf ?? [])].filter((m) => m.type === 'string')) {
            if (/^(at|[a-z]+At|[a-z]+Until)$/.test(name)) (member.format === 'date-time' ? instants : untyped).push(`${where}.${name}`);
            if (name === 'date' && member.format !== 'date') untyped.push(`${where}.${name}`);
          }
        }
        if (schema.anyOf?.length && schema.anyOf.every((m) => Array.isArray(m.enum) && m.enum.length === 1)) literalUnions.push(where);
        if (schema.type === 'number' && where.includes('requestBody')) numbers.push(where);
      });
      assert.ok(instants.length > 50, `${instants.length} instants`);
      assert.deepEqual(untyped, [], 'instants without format date-time, days without format date');
      assert.deepEqual(literalUnions, [], 'unions of single literals');
      assert.deepEqual(numbers, [], 'request numbers that are not integers');
      assert.deepEqual(doc.paths['/v1/topups']!.post!.requestBody!.content['application/json']!.schema.properties!.amount!.type, 'integer');
      assert.deepEqual(parameter(doc.paths['/v1/lines']!.get!, 'status')!.schema.enum, ['preactive', 'active', 'grace', 'suspended', 'terminated']);
      // The instants the routes send are ISO-8601 instants indeed.
      const answers = [(await t.request('GET', '/v1/lines')).body, (await t.request('GET', '/v1/lines/%2B77011234567/transactions')).body, (await t.request('GET', '/v1/api-keys')).body];
      walk(answers, (value) => {
        for (const [name, item] of Object.entries(value)) if (/^(at|[a-z]+At|[a-z]+Until)$/.test(name) && item !== null) assert.match(String(item), /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/, name);
      });

      // A renewal's body may be left out.
      const renew = doc.paths['/v1/lines/{msisdn}/packages/{id}/renew']!.post!.requestBody!;
      assert.equal(renew.required, false);
      assert.equal(renew.content['application/json']!.schema.type, 'object');
      // Left out as a client generated from the document leaves it out: no body, yet Content-Type: application/json
      // (typescript-fetch sets the header for every operation with a JSON body). That was 400 invalid_json.
      const bought = await t.request('POST', '/v1/purchases', { body: { msisdn: '+77051112233', offering: 'DATA_1GB' }, headers: { 'idempotency-key': 'contract-renew-buy' } });
      assert.equal(bought.status, 201, bought.text);
      const renewed = await t.request('POST', `/v1/lines/%2B77051112233/packages/${bought.body.id}/renew`, { rawBody: '', headers: { 'content-type': 'application/json', 'idempotency-key': 'contract-renew-empty' } });
      assert.deepEqual([renewed.status, renewed.body.reason, renewed.body.period], [201, 'renewal', 1], renewed.text);
      // A body that must be there is still refused so when empty.
      const empty = await t.request('POST', '/v1/topups', { rawBody: '', headers: { 'content-type': 'application/json', 'idempotency-key': 'contract-empty-topup' } });
      assert.deepEqual([empty.status, empty.body.error?.code], [400, 'invalid_json']);
      // A route the document gives no body at all takes none, however labelled: a client that sends
      // Content-Type: application/json on every request (a session's default headers) got 400 invalid_json
      // for a DELETE or a logout with nothing in it, while `{}` was taken.
      const json = { 'content-type': 'application/json' };
      const key = await t.request('POST', '/v1/api-keys', { body: { name: 'contract empty body', role: 'partner' } });
      const revoked = await t.request('DELETE', `/v1/api-keys/${key.body.id}`, { rawBody: '', headers: json });
      assert.equal(revoked.status, 204, revoked.text);
      assert.equal((await t.request('GET', '/v1/auth/me', { token: key.body.key })).status, 401);
      const block = await t.request('POST', '/v1/admin/vouchers/V000000000/block', { rawBody: '', headers: json });
      assert.deepEqual([block.status, block.body.error?.code], [404, 'voucher_not_found']);
      assert.equal(doc.paths['/v1/auth/logout']!.post!.requestBody, undefined);
      assert.equal((await t.request('POST', '/v1/users', { body: { login: 'contract.empty', password: 'long-password-1', role: 'clerk' } })).status, 201);
      const login = await t.request('POST', '/v1/auth/login', { token: null, body: { login: 'contract.empty', password: 'long-password-1' } });
      const out = await t.request('POST', '/v1/auth/logout', { token: login.body.token, rawBody: '', headers: json });
      assert.equal(out.status, 204, out.text);
      assert.equal((await t.request('GET', '/v1/auth/me', { token: login.body.token })).status, 401);
      // Something in it is still read as JSON, and refused when it is none.
      const garbage = await t.request('POST', '/v1/admin/vouchers/V000000000/block', { rawBody: '{', headers: json });
      assert.deepEqual([garbage.status, garbage.body.error?.code], [400, 'invalid_json']);
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
      // The purchase's movement names its offering (and its receipt); a top-up's names none.
      const movements = (await t.request('GET', '/v1/lines/%2B77011234567/transactions')).body.data as { code: string; offering: string | null; receipt: string | null }[];
      assert.deepEqual(movements.filter((m) => m.code === 'package_purchase').map((m) => [m.offering, m.receipt]), [['DATA_1GB', bought.body.receiptNumber]]);
      assert.ok(movements.filter((m) => m.code === 'topup').every((m) => m.offering === null));
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
      // A line's transactions take only a transfer of that line's as the cursor.
      const foreign = await t.request('GET', `/v1/lines/%2B77051112233/transactions?cursor=${transactions.body.nextCursor}`);
      assert.deepEqual([foreign.status, foreign.body.error.code, foreign.body.error.details], [400, 'validation_failed', { field: 'cursor' }]);
      const unknown = await t.request('GET', '/v1/lines/%2B77011234567/transactions?cursor=tr_00000000000000000000000000');
      assert.deepEqual([unknown.status, unknown.body.error.code], [400, 'validation_failed']);
      // Every id-paged list likewise: a well-formed id of nothing is no place in the list.
      for (const [list, prefix] of [['/v1/users', 'usr'], ['/v1/api-keys', 'key'], ['/v1/payments', 'pay'], ['/v1/admin/webhook-events', 'whk'], ['/v1/admin/promotions', 'promo']]) {
        for (const cursor of [`${prefix}_00000000000000000000000000`, `${prefix}_ZZZZZZZZZZZZZZZZZZZZZZZZZZ`]) {
          const refused = await t.request('GET', `${list}?cursor=${cursor}`);
          assert.deepEqual([refused.status, refused.body.error?.code, refused.body.error?.details], [400, 'validation_failed', { field: 'cursor' }], `${list} ${cursor}`);
        }
      }
      for (const login of ['pager.one', 'pager.two']) await t.request('POST', '/v1/users', { body: { login, password: 'long enough', role: 'clerk' } });
      const firstUsers = await t.request('GET', '/v1/users?limit=1');
      assert.ok(firstUsers.body.nextCursor);
      assert.equal((await t.request('GET', `/v1/users?limit=1&cursor=${firstUsers.body.nextCursor}`)).status, 200, 'a real cursor still pages');
      // Lines likewise: a well-formed id that is no line answered the first page (ln_000…) or an
      // empty one (ln_ZZZ…), as if it were a place in the list.
      for (const cursor of ['ln_00000000000000000000000000', 'ln_ZZZZZZZZZZZZZZZZZZZZZZZZZZ']) {
        const refused = await t.request('GET', `/v1/lines?cursor=${cursor}`);
        assert.deepEqual([refused.status, refused.body.error?.code, refused.body.error?.details], [400, 'validation_failed', { field: 'cursor' }], cursor);
      }
      // A subscriber's list is their own lines: another line's id is no cursor of it, their own is.
      assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn: '+77081234567' } })).status, 201);
      assert.equal((await t.request('POST', '/v1/users', { body: { login: '+77081234567', password: 'long-password-1', role: 'subscriber' } })).status, 201);
      const session = (await t.request('POST', '/v1/auth/login', { token: null, body: { login: '+77081234567', password: 'long-password-1' } })).body.token as string;
      const own = await t.request('GET', '/v1/lines', { token: session });
      assert.deepEqual(own.body.data.map((line: { msisdn: string }) => line.msisdn), ['+77081234567']);
      const ownId = own.body.data[0].id as string;
      assert.deepEqual((await t.request('GET', `/v1/lines?cursor=${ownId}`, { token: session })).body, { data: [], nextCursor: null });
      const others = await t.request('GET', `/v1/lines?cursor=${lines.body.nextCursor}`, { token: session });
      assert.deepEqual([others.status, others.body.error?.code, others.body.error?.details], [400, 'validation_failed', { field: 'cursor' }]);
    });

    // The answers below had no schema before, and went out as JSON.stringify wrote the use case's
    // value: each must still carry every field of that value, of the same JSON type (a schema
    // drops what it does not name). Reads are compared whole; a create with the shape of a second
    // one made through the use case.
    it('keeps every field of the user, API key and aggregator answers', async () => {
      const ctx = t.app.ctx;
      const user = await t.request('POST', '/v1/users', { body: { login: '+77011234567', password: 'long-password-1', role: 'subscriber' } });
      assert.equal(user.status, 201);
      assert.deepEqual(shapeOf(user.body), shapeOf(await valueOf(createUser(ctx, SYSTEM_ACTOR, { login: '+77051112233', password: 'long-password-1', role: 'subscriber' }))));
      // A create answers what the list shows of the same user.
      assert.deepEqual([user.body.createdAt, user.body.disabled], [t.clock.now().toISOString(), false]);
      assert.deepEqual(user.body, (await t.request('GET', '/v1/users?limit=100')).body.data.find((item: { id: string }) => item.id === user.body.id));
      const linked = await t.request('POST', `/v1/users/${user.body.id}/lines`, { body: { msisdn: '+77051112233' } });
      assert.equal(linked.status, 201);
      assert.deepEqual(linked.body, await valueOf(linkLine(ctx, SYSTEM_ACTOR, user.body.id, '+77051112233')));
      const patched = await t.request('PATCH', `/v1/users/${user.body.id}`, { body: { displayName: 'Aigerim' } });
      assert.deepEqual(patched.body, await valueOf(updateUser(ctx, SYSTEM_ACTOR, user.body.id, { displayName: 'Aigerim' })));
      // So does a change: an admin's screen puts the answer in place of the listed row.
      assert.deepEqual(patched.body, (await t.request('GET', '/v1/users?limit=100')).body.data.find((item: { id: string }) => item.id === user.body.id));
      const key = await t.request('POST', '/v1/api-keys', { body: { name: 'contract partner', role: 'partner' } });
      assert.equal(key.status, 201);
      assert.deepEqual(shapeOf(key.body), shapeOf(await valueOf(createApiKey(ctx, SYSTEM_ACTOR, { name: 'contract partner 2', role: 'partner' }))));
      // Likewise an API key, besides the key itself; the list shows it by its first characters.
      const { key: secret, ...keyView } = key.body;
      assert.deepEqual([keyView.prefix, keyView.sourceAccountId, keyView.createdAt, keyView.revoked], [secret.slice(0, 10), null, t.clock.now().toISOString(), false]);
      assert.deepEqual(keyView, (await t.request('GET', '/v1/api-keys')).body.data.find((item: { id: string }) => item.id === key.body.id));
      const aggregator = await t.request('POST', '/v1/admin/aggregators', { body: { code: 'contract1', password: 'long-password-1', ipAllowlist: ['10.0.0.1'] } });
      assert.equal(aggregator.status, 201);
      assert.deepEqual(shapeOf(aggregator.body), shapeOf(await valueOf(createAggregator(ctx, SYSTEM_ACTOR, { code: 'contract2', password: 'long-password-1', ipAllowlist: ['10.0.0.1'] }))));
    });

    /**
     * An agent or a store as an admin sets it up: created, read, renamed, staff linked as a user and
     * as an API key, each answer checked against its use case. Answers its id and the key's secret.
     */
    async function checkOutlet(outlet: {
      path: string; staff: string; role: 'agent' | 'clerk'; body(name: string): Record<string, unknown>;
      create(name: string): Promise<Result<unknown>>; read(id: string): Promise<Result<unknown>>;
      link(id: string, input: { userId?: string; apiKeyName?: string }): Promise<Result<unknown>>;
    }): Promise<{ id: string; key: string }> {
      const created = await t.request('POST', outlet.path, { body: outlet.body(`${outlet.role} outlet 1`) });
      assert.equal(created.status, 201);
      assert.deepEqual(shapeOf(created.body), shapeOf(await valueOf(outlet.create(`${outlet.role} outlet 2`))));
      const id = created.body.id as string;
      const read = await t.request('GET', `${outlet.path}/${id}`);
      assert.deepEqual(read.body, await valueOf(outlet.read(id)));
      // A create answers what reading it shows (an agent's new float and commission: zero balances).
      assert.deepEqual(created.body, read.body);
      assert.deepEqual((await t.request('PATCH', `${outlet.path}/${id}`, { body: { name: `${outlet.role} outlet one` } })).body, await valueOf(outlet.read(id)));
      const user = await t.request('POST', '/v1/users', { body: { login: `contract.${outlet.role}`, password: 'long-password-1', role: outlet.role } });
      const linked = await t.request('POST', `${outlet.path}/${id}/${outlet.staff}`, { body: { userId: user.body.id } });
      assert.equal(linked.status, 201);
      assert.deepEqual(linked.body, await valueOf(outlet.link(id, { userId: user.body.id })));
      const keyed = await t.request('POST', `${outlet.path}/${id}/${outlet.staff}`, { body: { apiKeyName: `${outlet.role} key 1` } });
      assert.deepEqual(shapeOf(keyed.body), shapeOf(await valueOf(outlet.link(id, { apiKeyName: `${outlet.role} key 2` }))));
      return { id, key: keyed.body.apiKey.key };
    }

    it('keeps every field of the agent and POS answers', async () => {
      const ctx = t.app.ctx;
      const agentBody = (name: string) => ({ name, commissionBasisPoints: 150 });
      const { id, key: pos } = await checkOutlet({
        path: '/v1/admin/agents', staff: 'staff', role: 'agent', body: agentBody, create: (name) => createAgent(ctx, SYSTEM_ACTOR, agentBody(name)),
        read: (agentId) => getAgent(ctx, SYSTEM_ACTOR, agentId), link: (agentId, input) => linkAgentStaff(ctx, SYSTEM_ACTOR, agentId, input),
      });
      const posActor = (await t.app.server.authenticator.authenticate(pos))!;
      const deposit = await t.request('POST', `/v1/admin/agents/${id}/deposits`, { body: { amount: 1_000_000, reference: 'bank 1' }, headers: { 'idempotency-key': 'contract-deposit' } });
      assert.equal(deposit.status, 201);
      assert.deepEqual(shapeOf(deposit.body), { agentId: 'string', amount: 'number', createdAt: 'string', currency: 'string', floatBalanceAfter: 'number', id: 'string', reference: 'string', transferId: 'string' });
      const topUp = await t.request('POST', '/v1/pos/topups', { token: pos, body: { msisdn: '+77051112233', amount: 60_000 }, headers: { 'idempotency-key': 'contract-pos' } });
      assert.equal(topUp.status, 201);
      assert.deepEqual(shapeOf(topUp.body), { agentId: 'string', commission: 'number', floatBalanceAfter: 'number', reversibleUntil: 'string', topUp: TOP_UP_SHAPE });
      const lookup = await t.request('GET', '/v1/pos/lookup?msisdn=%2B77051112233', { token: pos });
      assert.deepEqual(lookup.body, await valueOf(lookUpLine(ctx, posActor, '+77051112233')));
      const number = topUp.body.topUp.receiptNumber as string;
      const receipt = await t.request('GET', `/v1/pos/receipts/${number}`, { token: pos });
      assert.deepEqual(receipt.body, (await valueOf(getPosReceipt(ctx, posActor, number))).receipt);
      const report = await t.request('GET', '/v1/pos/report', { token: pos });
      assert.deepEqual(report.body, (await valueOf(agentDayReport(ctx, posActor, {}))).report);
      assert.equal(report.body.topups.count, 1);
      for (const slip of [`/v1/pos/receipts/${number}?format=slip`, '/v1/pos/report?format=slip']) {
        const html = await t.request('GET', slip, { token: pos });
        assert.match(String(html.headers['content-type']), /^text\/html/, slip);
        assert.match(html.text, /^<!doctype html>/i, slip);
      }
      const reversed = await t.request('POST', `/v1/pos/topups/${topUp.body.topUp.id}/reverse`, { token: pos });
      assert.equal(reversed.status, 200);
      assert.deepEqual(shapeOf(reversed.body), { agentId: 'string', amount: 'number', commission: 'number', floatBalanceAfter: 'number', receiptNumber: 'string', reversedAt: 'string', topupId: 'string' });
    });

    it('keeps every field of the store and counter answers', async () => {
      const ctx = t.app.ctx;
      const { id, key: clerk } = await checkOutlet({
        path: '/v1/admin/stores', staff: 'clerks', role: 'clerk', body: (name) => ({ name }), create: (name) => createStore(ctx, SYSTEM_ACTOR, { name }),
        read: (storeId) => getStore(ctx, SYSTEM_ACTOR, storeId), link: (storeId, input) => linkStoreClerk(ctx, SYSTEM_ACTOR, storeId, input),
      });
      const clerkActor = (await t.app.server.authenticator.authenticate(clerk))!;
      const identified = await t.request('POST', '/v1/counter/identifications', { token: clerk, body: { documentType: 'passport', documentNumber: 'N12345678' } });
      assert.equal(identified.status, 201);
      assert.deepEqual(shapeOf(identified.body), shapeOf(await valueOf(identifyCustomer(ctx, clerkActor, { documentType: 'passport', documentNumber: 'N87654321' }))));
      const topUp = await t.request('POST', '/v1/counter/topups', { token: clerk, body: { msisdn: '+77051112233', amount: 70_000, tender: 'card', identificationId: identified.body.id }, headers: { 'idempotency-key': 'contract-counter' } });
      assert.equal(topUp.status, 201);
      assert.deepEqual(shapeOf(topUp.body), { ...TOP_UP_SHAPE, identificationId: 'string', storeId: 'string', tender: 'string' });
      const report = await t.request('GET', '/v1/counter/report', { token: clerk });
      assert.deepEqual(report.body, (await valueOf(storeCashReport(ctx, clerkActor, {}))).report);
      assert.equal(report.body.card.amount, 70_000);
      assert.deepEqual((await t.request('GET', `/v1/admin/stores/${id}/report`)).body, (await valueOf(storeCashReport(ctx, SYSTEM_ACTOR, { storeId: id }))).report);
      const sell = (offering: string) => t.request('POST', '/v1/counter/packages', { token: clerk, body: { msisdn: '+77051112233', offering, tender: 'cash', identificationId: identified.body.id }, headers: { 'idempotency-key': `contract-sale-${offering}` } });
      const sale = await sell('DATA_1GB');
      assert.equal(sale.status, 201);
      assert.deepEqual(shapeOf(sale.body), { identificationId: 'string', purchase: PURCHASE_SHAPE, storeId: 'string', tender: 'string', topUp: TOP_UP_SHAPE });
      // A free package takes no money: no top-up, and null, not left out.
      assert.equal((await t.request('POST', '/v1/admin/offerings', { body: { code: 'SMS_FREE', kind: 'sms', price: 0, validityDays: 7, allowances: { sms: 10 }, names: { en: '10 SMS', ru: '10 SMS', kk: '10 SMS', zh: '10 SMS' } } })).status, 201);
      const free = await sell('SMS_FREE');
      assert.equal(free.status, 201);
      assert.deepEqual(shapeOf(free.body), { identificationId: 'string', purchase: PURCHASE_SHAPE, storeId: 'string', tender: 'string', topUp: 'null' });
    });

    it('keeps every field of the voucher, promotion and webhook event answers', async () => {
      const ctx = t.app.ctx;
      const batch = await t.request('POST', '/v1/admin/voucher-batches', { body: { faceValue: 100_000, count: 3, expiresAt: '2026-06-01T00:00:00.000Z' } });
      assert.equal(batch.status, 201);
      const id = batch.body.id as string;
      assert.deepEqual(shapeOf(batch.body), { count: 'number', createdAt: 'string', csv: 'string', currency: 'string', expiresAt: 'string', faceValue: 'number', id: 'string' });
      const sold = await t.request('POST', `/v1/admin/voucher-batches/${id}/sell`, { body: { dealer: 'Dealer LLP' } });
      assert.deepEqual(sold.body, { id, dealer: 'Dealer LLP', soldCount: 3, soldAt: t.clock.now().toISOString() });
      const serial = (batch.body.csv as string).trim().split('\n')[1]!.split(',')[0]!;
      assert.deepEqual((await t.request('POST', `/v1/admin/vouchers/${serial}/block`)).body, { serial, state: 'blocked' });
      assert.deepEqual((await t.request('GET', `/v1/admin/voucher-batches/${id}`)).body, await valueOf(getVoucherBatch(ctx, SYSTEM_ACTOR, id)));
      const pins = (batch.body.csv as string).trim().split('\n').slice(2).map((row) => row.split(',')[1]!);
      const redeemed = await t.request('POST', '/v1/vouchers/redeem', { body: { msisdn: '+77051112233', pin: pins[0] } });
      assert.equal(redeemed.status, 201);
      assert.deepEqual(shapeOf(redeemed.body), REDEMPTION_SHAPE);
      // USSD answers JSON only, one shape per short code; a line never topped up has no validity yet (null).
      assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn: '+77071234567' } })).status, 201);
      const balance = { balance: { bonus: 'number', main: 'number' }, currency: 'string', message: 'string', status: 'string', validUntil: 'string' };
      const answers: [string, string, unknown][] = [
        ['+77011234567', '*102#', balance], ['+77071234567', '*102#', { ...balance, validUntil: 'null' }],
        ['+77011234567', '*104#', { allowances: [{ remaining: 'number', unit: 'string' }], message: 'string' }],
        ['+77011234567', `*111*${pins[1]}#`, { ...REDEMPTION_SHAPE, message: 'string' }],
      ];
      for (const [msisdn, input, shape] of answers) {
        const ussd = await t.request('POST', '/v1/ussd', { token: partner, body: { msisdn, input } });
        assert.equal(ussd.status, 200, JSON.stringify(ussd.body));
        assert.match(String(ussd.headers['content-type']), /^application\/json/);
        assert.deepEqual(shapeOf(ussd.body), shape, `${msisdn} ${input}`);
      }
      // A window that has not begun: no other case here sees a discount.
      const input = { offerings: ['DATA_1GB'], discountKind: 'percent', discountValue: 10, startsAt: '2027-01-01T00:00:00Z', endsAt: '2027-02-01T00:00:00Z', usesMax: 100 };
      const promotion = await t.request('POST', '/v1/admin/promotions', { body: { ...input, code: 'CONTRACT1' } });
      assert.equal(promotion.status, 201);
      assert.deepEqual(shapeOf(promotion.body), shapeOf(await valueOf(createPromotion(ctx, SYSTEM_ACTOR, { ...input, code: 'CONTRACT2' }))));
      await valueOf(createPromotion(ctx, SYSTEM_ACTOR, { discountKind: 'fixed', discountValue: 5_000, startsAt: '2027-01-01T00:00:00Z', endsAt: '2027-02-01T00:00:00Z' }));
      // Paged like every list: the first page of one, then the rest.
      const promotions = (await listPromotions(ctx, 100, null)).map(toPromotionView);
      assert.ok(promotions.length >= 2);
      assert.deepEqual((await t.request('GET', '/v1/admin/promotions?limit=1')).body, asSent({ data: promotions.slice(0, 1), nextCursor: promotions[0]!.id }));
      assert.deepEqual((await t.request('GET', `/v1/admin/promotions?limit=100&cursor=${promotions[0]!.id}`)).body, asSent({ data: promotions.slice(1), nextCursor: null }));
      // One event with every nullable field empty, one with each filled.
      const now = t.clock.now().toISOString();
      const event = { provider: 'sandbox', provider_reference: 'sbx_contract', event_status: 'succeeded', failure_reason: null, raw_body: '{}', next_attempt_at: now, received_at: now, provider_refund_id: null };
      await insertInboxEvent(ctx, { ...event, id: ctx.ids.next('whk'), event_id: 'evt_contract_1', payment_id: null, amount: null, currency: null, status: 'received', attempts: 0n, last_error: null, processed_at: null });
      await insertInboxEvent(ctx, { ...event, id: ctx.ids.next('whk'), event_id: 'evt_contract_2', payment_id: 'pay_contract', amount: 100_000n, currency: 'KZT', status: 'orphan', attempts: 1n, last_error: 'payment_not_found', processed_at: now });
      const events = await t.request('GET', '/v1/admin/webhook-events');
      assert.equal(events.body.data.length, 2);
      assert.deepEqual(events.body, asSent(await valueOf(listWebhookEvents(ctx, SYSTEM_ACTOR, { limit: 20 }))));
    });
    it('takes ?language= on the receipt routes, as POS receipts and offerings do, and ?lang= still', async () => {
      const topUp = await t.request('POST', '/v1/topups', { body: { msisdn: '+77011234567', amount: 100_000, currency: 'KZT' }, headers: { 'idempotency-key': 'contract-receipt' } });
      assert.equal(topUp.status, 201);
      const number = topUp.body.receiptNumber as string;
      const pdf = async (query: string) => {
        const response = await t.app.server.inject({ method: 'GET', url: `/v1/receipts/${number}.pdf${query}`, headers: { authorization: `Bearer ${t.adminKey}` } });
        assert.equal(response.statusCode, 200, `${query}: ${response.body.slice(0, 200)}`);
        assert.equal(response.headers['content-type'], 'application/pdf');
        assert.equal(response.headers['content-disposition'], `inline; filename="${number}.pdf"`);
        return response.rawPayload;
      };
      const kk = await pdf('?language=kk');
      assert.notDeepEqual(kk, await pdf('?language=en'));
      assert.deepEqual(kk, await pdf('?lang=kk'));
      assert.deepEqual(kk, await pdf('?language=kk&lang=en'), 'language wins over lang');
      const slip = await t.request('GET', `/v1/receipts/${number}/slip?language=kk`);
      assert.match(slip.text, /<html lang="kk">/);
      for (const query of ['?language=de', '?lang=de', '?language=']) {
        const refused = await t.request('GET', `/v1/receipts/${number}.pdf${query}`);
        assert.deepEqual([refused.status, refused.body.error.code], [400, 'validation_failed'], query);
      }
      const doc = (await t.request('GET', '/openapi.json', { token: null })).body;
      const names = (doc.paths['/v1/receipts/{number}.pdf'].get.parameters as { name: string }[]).map((parameter) => parameter.name);
      assert.ok(names.includes('language') && names.includes('lang'), names.join());
    });

    it('documents the bodies the raw-text routes read (a settlement file, a webhook) and the answers they give', async () => {
      const doc = (await t.request('GET', '/openapi.json', { token: null })).body as OpenapiDocument;
      // The settlement file was read but not shown: no requestBody, an answer of unknown shape, from/to unexplained.
      const reconcile = doc.paths['/v1/admin/reconciliation/{provider}']!.post!;
      assert.deepEqual(Object.keys(reconcile.requestBody?.content ?? {}), ['text/csv']);
      assert.equal(reconcile.requestBody!.content['text/csv']!.schema.type, 'string');
      const report = reconcile.responses!["200"]!.content!["application/json"]!.schema as Schema & { properties: Record<string, Schema & { items?: Schema }> };
      assert.deepEqual(Object.keys(report.properties).sort(), ['matched', 'mismatches', 'provider', 'rows']);
      assert.ok(report.properties.mismatches!.items?.properties?.kind);
      for (const name of ['from', 'to']) assert.ok(reconcile.parameters?.find((p) => p.name === name)?.description, name);
      // Sent as documented, it is read, and answers as documented.
      const sent = await t.request('POST', '/v1/admin/reconciliation/sandbox?from=2026-01-01', { rawBody: 'reference,amount,currency\nsbx_none,50000,KZT\n', headers: { 'content-type': 'text/csv' } });
      assert.equal(sent.status, 200, sent.text);
      assert.deepEqual([sent.body.rows, sent.body.matched, sent.body.mismatches[0]?.kind], [1, 0, 'missing_in_tolem']);
      assert.deepEqual(Object.keys(sent.body.mismatches[0]).sort(), Object.keys(report.properties.mismatches!.items!.properties!).sort());
      const webhook = doc.paths['/v1/webhooks/{provider}']!.post!;
      assert.deepEqual(Object.keys(webhook.requestBody?.content ?? {}).sort(), ['application/json', 'application/x-www-form-urlencoded']);
      // A check/pay code over 100 characters is refused in the error format, before the protocol handler: documented too.
      const long = await t.request('GET', `/aggregators/${'x'.repeat(300)}/osmp`, { token: null });
      assert.deepEqual([long.status, long.body.error?.code], [400, 'validation_failed']);
      for (const variant of ['osmp', 'kaspi']) {
        for (const method of ['get', 'post']) assert.ok(doc.paths[`/aggregators/{code}/${variant}`]![method]!.responses!['400'], `${method} ${variant} documents 400`);
      }
    });

    it('gives one error code the same details wherever it is answered', async () => {
      // An aggregator's password too short said details.minimum, a user's details.lengthMin: a client reading one missed the other.
      const user = await t.request('POST', '/v1/users', { body: { login: 'contract.weak', password: 'short', role: 'clerk' } });
      const aggregator = await t.request('POST', '/v1/admin/aggregators', { body: { code: 'contractweak', password: 'short' } });
      for (const answer of [user, aggregator]) assert.deepEqual([answer.status, answer.body.error?.code, answer.body.error?.details], [422, 'password_too_weak', { lengthMin: 8 }], answer.text);
    });

    it('describes every status an SMS may have, canceled included', async () => {
      const doc = (await t.request('GET', '/openapi.json', { token: null })).body as { paths: Record<string, Record<string, { description?: string }>> };
      const description = doc.paths['/v1/lines/{msisdn}/messages']!.get!.description ?? '';
      for (const status of ['queued', 'sent', 'delivered', 'failed', 'undeliverable', 'canceled']) assert.match(description, new RegExp(`\\b${status}\\b`), status);
    });

    it('declares optional credentials on the public routes that read them, so that a client (and /docs, once authorized) sends them', async () => {
      const doc = (await t.request('GET', '/openapi.json', { token: null })).body as { paths: Record<string, Record<string, { security?: unknown }>> };
      // These answered 401 without credentials (an admin's ?all, a line's own prices) or scoped the key by caller, yet declared no security at all.
      for (const [method, path] of [['get', '/v1/offerings'], ['get', '/v1/offerings/{code}/quote'], ['post', '/v1/payments'], ['get', '/v1/payments/{id}']] as const) {
        assert.deepEqual(doc.paths[path]![method]!.security, [{ bearerAuth: [] }, { sessionCookie: [] }, {}], `${method.toUpperCase()} ${path}`);
      }
      const anonymous = await t.request('GET', '/v1/offerings?all=true', { token: null });
      assert.deepEqual([anonymous.status, anonymous.body.error?.code], [401, 'unauthenticated']);
      assert.equal((await t.request('GET', '/v1/offerings?all=true')).status, 200);
      const quote = await t.request('GET', '/v1/offerings/DATA_1GB/quote?msisdn=%2B77011234567', { token: null });
      assert.deepEqual([quote.status, quote.body.error?.code], [401, 'unauthenticated']);
      assert.equal((await t.request('GET', '/v1/offerings/DATA_1GB/quote?msisdn=%2B77011234567')).status, 200);
    });
  });
}
