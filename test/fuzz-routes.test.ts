import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadSettings } from '../src/config.ts';
import { seedCatalog } from '../src/catalog/seed-catalog.ts';
import { DEMO_CATALOG } from '../src/catalog/demo-catalog.ts';
import { ERROR_CODES } from '../src/domain/errors.ts';
import { DIALECTS } from './support/databases.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/**
 * Malformed requests to every operation of /openapi.json, on a database with realistic state:
 * every answer is below 500, every JSON error is {"error":{"code","message","details"}} with a code
 * from ERROR_CODES, and no refused request moves money. Deterministic: fixed values, no randomness,
 * at most OPERATION_BUDGET requests per operation (a few more for many nested fields). FUZZ_VERBOSE=1 prints
 * the answers per operation, to see how deep the requests reach.
 */
const OPERATION_BUDGET = 60;
const LINES = ['+77011000001', '+77011000002', '+77011000003', '+77011000004'];
const OFFERING = 'DATA_1GB_7D';
const AGGREGATOR_SECRET = 'fuzz-aggregator-secret';
const SUBSCRIBER_PASSWORD = 'fuzz-subscriber-pass';
const GARBAGE_PATH_VALUES = ['%00', 'x'.repeat(300), '../../etc', '-1', '1e999', '%E0%A4%A'];

/** Wrong JSON values for a body field, as JSON text (so that 1e999 and -0 can be sent). */
const WRONG_VALUES = [
  '"str"', '1e308', '-1', '0', '1.5', 'true', '{}', '[]', 'null', JSON.stringify('x'.repeat(10_000)),
  JSON.stringify('😀漢字ğ\u202eҚ'), JSON.stringify('\u0000\u0001\u001f\u007f\n'), '1e999', '-0', '9007199254740993',
  '[1,"a",null]', '{"a":{"b":[]}}', '""', '-1e308', 'false', JSON.stringify(' '), '"2026-13-45T99:99:99Z"',
];
const WRONG_QUERY_VALUES = ['abc', '-1', '1e999', 'x'.repeat(300), '%00', '', '1.5', '%F0%9F%98%80', '0', '9'.repeat(30)];

type Role = 'none' | 'admin' | 'subscriber' | 'agent' | 'clerk' | 'partner' | 'network' | 'aggregator';
interface Operation { method: string; path: string; op: any }
interface Sent { method: string; url: string; role: Role; rawBody?: string; headers?: Record<string, string>; label: string }

for (const dialect of DIALECTS) {
  describe(`fuzzing every route [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    const tokens: Record<Role, string | null> = { none: null, admin: null, subscriber: null, agent: null, clerk: null, partner: null, network: null, aggregator: null };
    const ids: Record<string, string> = {};

    before(async () => {
      const defaults = loadSettings({}).payments;
      t = await startTestApp(dialect.name, {
        payments: { ...defaults, processWebhooksInline: false, perIpMax: 100_000, perLineMax: 100_000, perPayerMax: 100_000, confirmLinePerIpMax: 100_000 },
      });
      const ok = (response: { status: number; body: any }, what: string) => {
        assert.ok(response.status >= 200 && response.status < 300, `${what}: ${response.status} ${JSON.stringify(response.body)}`);
        return response.body;
      };
      tokens.admin = t.adminKey;
      for (const msisdn of LINES) ok(await t.request('POST', '/v1/lines', { body: { msisdn, ownerName: 'Aigerim Serikova', language: 'ru' } }), 'line');
      ok(await t.request('POST', '/v1/users', { body: { login: LINES[0], password: SUBSCRIBER_PASSWORD, role: 'subscriber' } }), 'subscriber');
      tokens.subscriber = ok(await t.request('POST', '/v1/auth/login', { token: null, body: { login: LINES[0], password: SUBSCRIBER_PASSWORD } }), 'login').token;
      const topUp = ok(await t.request('POST', '/v1/topups', { body: { msisdn: LINES[0], amount: 5_000_000, currency: 'KZT' }, headers: { 'idempotency-key': 'seed-topup' } }), 'top-up');
      ids.receipt = topUp.receiptNumber;
      await seedCatalog(t.app.ctx);
      ok(await t.request('POST', '/v1/admin/aggregators', { body: { code: 'qiwi', name: 'QIWI', password: AGGREGATOR_SECRET } }), 'aggregator');
      tokens.aggregator = `Basic ${Buffer.from(`qiwi:${AGGREGATOR_SECRET}`).toString('base64')}`;
      const agent = ok(await t.request('POST', '/v1/admin/agents', { body: { name: 'Kiosk', commissionBasisPoints: 150 } }), 'agent');
      ids.agent = agent.id;
      ok(await t.request('POST', `/v1/admin/agents/${agent.id}/deposits`, { body: { amount: 10_000_000, reference: 'bank' }, headers: { 'idempotency-key': 'seed-deposit' } }), 'deposit');
      tokens.agent = await t.keyFor('agent', agent.floatAccountId);
      const pos = ok(await t.request('POST', '/v1/pos/topups', { token: tokens.agent, body: { msisdn: LINES[1], amount: 100_000 }, headers: { 'idempotency-key': 'seed-pos' } }), 'pos top-up');
      ids.posTopUp = pos.topUp?.id;
      ids.posReceipt = pos.topUp?.receiptNumber ?? pos.receiptNumber;
      const store = ok(await t.request('POST', '/v1/admin/stores', { body: { name: 'Dostyk 1' } }), 'store');
      ids.store = store.id;
      tokens.clerk = await t.keyFor('clerk', store.cashAccountId);
      ids.identification = ok(await t.request('POST', '/v1/counter/identifications', { token: tokens.clerk, body: { documentType: 'passport', documentNumber: 'N12345678' } }), 'identification').id;
      const batch = ok(await t.request('POST', '/v1/admin/voucher-batches', { body: { faceValue: 100_000, count: 3, expiresAt: '2027-06-01T00:00:00.000Z' } }), 'voucher batch');
      ids.batch = batch.id;
      ok(await t.request('POST', `/v1/admin/voucher-batches/${batch.id}/sell`, { body: { dealer: 'Dealer LLP' } }), 'sell batch');
      ids.serial = (batch.csv as string).trim().split('\n')[1]!.split(',')[0]!;
      tokens.partner = await t.keyFor('partner');
      tokens.network = await t.keyFor('network');
      ids.apiKey = ok(await t.request('POST', '/v1/api-keys', { body: { name: 'throwaway', role: 'partner' } }), 'api key').id;
      const payment = ok(await t.request('POST', '/v1/payments', { token: null, body: { msisdn: LINES[2], amount: 100_000, currency: 'KZT', purpose: 'topup', provider: 'sandbox' }, headers: { 'idempotency-key': 'seed-payment' } }), 'payment');
      ids.payment = payment.id;
      ids.package = ok(await t.request('POST', '/v1/purchases', { body: { msisdn: LINES[0], offering: OFFERING }, headers: { 'idempotency-key': 'seed-purchase' } }), 'purchase').id;
      for (const [name, value] of Object.entries(ids)) assert.ok(value, `seeded ${name}`);
    });
    after(async () => t?.close());

    it('refuses U+0000 and lone surrogates anywhere, and over-long or malformed path parameters with validation_failed (found by this fuzzing)', async () => {
      const cases: [string, string, unknown?][] = [
        ['GET', '/v1/admin/agents/%00'], ['GET', '/v1/lines?cursor=%00'], ['GET', `/v1/lines/${'x'.repeat(300)}`], ['GET', '/v1/lines/%E0%A4%A'],
        ['GET', `/aggregators/${'x'.repeat(300)}/osmp`],
        ['POST', '/v1/admin/stores', { name: 'Store\u0000' }], ['POST', '/v1/api-keys', { name: 'k\u0000', role: 'partner' }],
        ['POST', '/v1/auth/login', { login: '\u0000', password: 'whatever-long' }],
        ['POST', `/v1/admin/agents/${ids.agent}/deposits`, { amount: 1_000, reference: 'bank\u0000' }],
        // Lone surrogate halves: SQLite stored three replacement characters, PostgreSQL one (found by fuzzing, 2026-12-06).
        ['POST', '/v1/api-keys', { name: 'k\ud800', role: 'partner' }], ['POST', '/v1/admin/stores', { name: '\udc00Store' }],
        ['POST', `/v1/admin/agents/${ids.agent}/deposits`, { amount: 1_000, reference: 'bank\ud83d' }],
      ];
      const transfers = await t.app.ctx.db.selectFrom('ledger_transfers').select('id').execute();
      for (const [method, url, body] of cases) {
        const response = await t.request(method, url, { body, headers: { 'idempotency-key': `nul-${url.length}-${method}` } });
        assert.equal(response.status, 400, `${method} ${url.slice(0, 60)}: ${response.text.slice(0, 200)}`);
        assert.equal(response.body.error.code, 'validation_failed');
      }
      // The check/pay endpoints answer what they cannot read in their protocol: result 300, HTTP 200.
      const aggregator = await t.request('GET', '/aggregators/%00/osmp', { token: null });
      assert.deepEqual([aggregator.status, /<result>300<\/result>/.test(aggregator.text)], [200, true], aggregator.text);
      assert.equal((await t.app.ctx.db.selectFrom('ledger_transfers').select('id').execute()).length, transfers.length);
    });

    it('answers every malformed request to every operation below 500 with a known code, moving no money', async () => {
      const openapi = (await t.request('GET', '/openapi.json', { token: null })).body;
      const operations: Operation[] = [];
      for (const [path, item] of Object.entries<any>(openapi.paths)) {
        for (const [method, op] of Object.entries<any>(item)) if (['get', 'post', 'put', 'patch', 'delete'].includes(method)) operations.push({ method: method.toUpperCase(), path, op });
      }
      assert.ok(operations.length > 60, `operations: ${operations.length}`);
      // The web pages are hidden from the document; they are fuzzed too (an HTML answer is fine).
      for (const path of ['/', '/account', '/docs/', '/docs/static/{file}']) if (!openapi.paths[path]) operations.push({ method: 'GET', path, op: { parameters: path.includes('{file}') ? [{ in: 'path', name: 'file' }] : [] } });

      const resolve = (schema: any): any => {
        let s = schema;
        for (let i = 0; s?.$ref && i < 10; i++) s = s.$ref.split('/').slice(1).reduce((node: any, key: string) => node?.[key], openapi);
        return s ?? {};
      };
      const NAMED: Record<string, unknown> = {
        msisdn: LINES[3], from: LINES[0], to: LINES[3], amount: 50_000, currency: 'KZT', offering: OFFERING, offerings: [OFFERING],
        identificationId: ids.identification, provider: 'sandbox', purpose: 'topup', login: LINES[0], password: 'long-enough-password',
        price: 100_000, faceValue: 100_000, count: 1, expiresAt: '2027-06-01T00:00:00.000Z', pin: '12345678901234', input: '*111*12345678901234#',
        tender: 'cash', documentNumber: 'N87654321', sourceAccountId: null, at: '2026-01-15T10:00:00.000Z', date: '2026-01-15',
        command: 'check', txn_id: '100001', txn_date: '20260115110000', account: '7011000001', sum: '100.00',
      };
      const sample = (raw: any, name?: string, depth = 0): unknown => {
        if (name && name in NAMED) return NAMED[name];
        const schema = resolve(raw);
        if (schema.const !== undefined) return schema.const;
        if (schema.enum) return schema.enum[0];
        if (schema.default !== undefined) return schema.default;
        const options = schema.anyOf ?? schema.oneOf;
        if (options) return sample(options.find((o: any) => resolve(o).type !== 'null') ?? options[0], undefined, depth + 1);
        const type = Array.isArray(schema.type) ? schema.type.find((x: string) => x !== 'null') : schema.type;
        switch (type) {
          case 'string':
            if (schema.format === 'date-time') return '2026-06-01T00:00:00.000Z';
            if (schema.format === 'date') return '2026-01-15';
            if (/\\d\{4\}-\\d\{2\}-\\d\{2\}T/.test(schema.pattern ?? '')) return '2026-01-15T10:00:00.000Z';
            if (/\\d\{4\}-\\d\{2\}-\\d\{2\}\$/.test(schema.pattern ?? '')) return '2026-01-15';
            return 'a'.repeat(Math.max(1, schema.minLength ?? 3));
          case 'integer': case 'number': return schema.minimum ?? 1;
          case 'boolean': return false;
          case 'null': return null;
          case 'array': return depth > 3 ? [] : Array.from({ length: schema.minItems ?? 1 }, () => sample(schema.items ?? {}, undefined, depth + 1));
          case 'object': {
            if (depth > 3) return {};
            const result: Record<string, unknown> = {};
            for (const key of schema.required ?? []) result[key] = sample(schema.properties?.[key] ?? {}, key, depth + 1);
            return result;
          }
          default: return 'a';
        }
      };
      /** Body fields to fuzz: top-level ones, then those inside objects and arrays of objects (one level). */
      const fieldPaths = (schema: any): string[][] => {
        const top = Object.keys(schema.properties ?? {});
        const nested: string[][] = [];
        for (const key of top) {
          const child = resolve(schema.properties[key]);
          const inner = child.type === 'array' ? resolve(child.items ?? {}) : child;
          for (const sub of Object.keys(inner.properties ?? {})) nested.push(child.type === 'array' ? [key, '0', sub] : [key, sub]);
        }
        return [...top.map((key) => [key]), ...nested];
      };
      /** Realistic bodies where the schema alone does not give a valid one (each fuzzed field is then the only fault). */
      const BASE_BODIES: Record<string, unknown> = {
        'POST /v1/admin/offerings': { ...DEMO_CATALOG[0], code: 'FUZZ_1GB' },
        'PATCH /v1/admin/offerings/{code}': { price: 149_000, names: DEMO_CATALOG[0]!.names },
        'POST /v1/admin/promotions': { code: 'FUZZ10', offerings: [OFFERING], discountKind: 'percent', discountValue: 10, startsAt: '2026-01-01T00:00:00.000Z', endsAt: '2027-01-01T00:00:00.000Z', usesMax: 5, usesPerLineMax: 1 },
        'POST /v1/usage': { events: [{ id: 'fuzz-usage-1', msisdn: LINES[0], service: 'data', units: 1000, at: '2026-01-15T05:00:00.000Z' }] },
        'POST /v1/partner/webhooks': { url: 'https://partner.example.com/hook' },
      };
      const VALID_PARAMS: [RegExp, string, () => string][] = [
        [/^\/v1\/api-keys/, 'id', () => ids.apiKey!],
        [/^\/v1\/admin\/agents/, 'id', () => ids.agent!],
        [/^\/v1\/pos\/topups/, 'id', () => ids.posTopUp!],
        [/^\/v1\/pos\/receipts/, 'number', () => ids.posReceipt!],
        [/^\/v1\/receipts/, 'number', () => ids.receipt!],
        [/^\/v1\/admin\/stores/, 'id', () => ids.store!],
        [/^\/v1\/admin\/voucher-batches/, 'id', () => ids.batch!],
        [/^\/v1\/admin\/vouchers/, 'serial', () => ids.serial!],
        [/^\/(v1\/payments|sandbox\/checkout)/, 'id', () => ids.payment!],
        [/packages\/\{id\}/, 'id', () => ids.package!],
        [/aggregators/, 'code', () => 'qiwi'],
        [/offerings/, 'code', () => OFFERING],
        [/./, 'provider', () => 'sandbox'],
        [/./, 'msisdn', () => encodeURIComponent(LINES[0]!)],
        [/./, 'token', () => 'not-a-token'],
      ];
      const validParam = (path: string, name: string) => VALID_PARAMS.find(([pattern, param]) => param === name && pattern.test(path))?.[2]() ?? 'unknown';
      const fill = (path: string, override: Record<string, string> = {}) =>
        path.replace(/\{(\w+)\}/g, (_m, name: string) => override[name] ?? validParam(path, name));

      let seq = 0;
      let requests = 0;
      const failures: string[] = [];
      const transferCount = async () => Number((await t.app.ctx.db.selectFrom('ledger_transfers').select((eb) => eb.fn.countAll().as('n')).executeTakeFirstOrThrow()).n);
      const transfersBefore = await transferCount();
      let transfersBySuccesses = 0;
      const outcomes: Record<string, Record<string, number>> = {};

      const send = async (operation: Operation, sent: Sent) => {
        requests += 1;
        const headers: Record<string, string> = { ...sent.headers };
        if (!('idempotency-key' in headers)) headers['idempotency-key'] = `fuzz-${++seq}`;
        if (headers['idempotency-key'] === '<none>') delete headers['idempotency-key'];
        const credential = tokens[sent.role];
        if (credential) headers.authorization = credential.startsWith('Basic ') ? credential : `Bearer ${credential}`;
        if (sent.rawBody !== undefined && !('content-type' in headers)) headers['content-type'] = 'application/json';
        const before = await transferCount();
        let response;
        try {
          response = await t.app.server.inject({ method: sent.method as 'GET', url: sent.url, headers, payload: sent.rawBody });
        } catch (error) {
          failures.push(`${sent.method} ${sent.url.slice(0, 120)} [${sent.role}] ${sent.label}: inject threw ${(error as Error).message}`);
          return null;
        }
        const after = await transferCount();
        const where = `${operation.method} ${operation.path} → ${sent.method} ${sent.url.slice(0, 100)} [${sent.role}] ${sent.label}`;
        const status = response.statusCode;
        let body: any;
        try { body = response.json(); } catch { body = undefined; }
        if (status >= 500) failures.push(`${where}: ${status} ${response.body.slice(0, 200)}`);
        const protocol = /^\/aggregators\/\{code\}\/(osmp|kaspi)$/.test(operation.path);
        const html = String(response.headers['content-type'] ?? '').startsWith('text/html');
        if (status >= 400 && !html && (!protocol || body?.error)) {
          const error = body?.error;
          if (!error || !(error.code in ERROR_CODES) || typeof error.message !== 'string' || typeof error.details !== 'object' || error.details === null) {
            failures.push(`${where}: ${status} error body ${response.body.slice(0, 200)}`);
          }
        }
        // Protocol answers are HTTP 200 also when refused: only result 0 is a success there.
        const succeeded = protocol ? status === 200 && /<result>0<\/result>|"result":0,/.test(response.body) : status >= 200 && status < 300;
        if (succeeded) transfersBySuccesses += after - before;
        else if (after !== before) failures.push(`${where}: ${status} moved money (${after - before} transfers)`);
        const outcome = `${status}${body?.error?.code ? ` ${body.error.code}` : ''}`;
        (outcomes[`${operation.method} ${operation.path}`] ??= {})[outcome] = (outcomes[`${operation.method} ${operation.path}`]?.[outcome] ?? 0) + 1;
        return { status, body };
      };

      for (const operation of operations) {
        const { method, path, op } = operation;
        const start = requests;
        const params: any[] = op.parameters ?? [];
        const pathParams = params.filter((p) => p.in === 'path').map((p) => p.name as string);
        const queryParams = params.filter((p) => p.in === 'query');
        const content = op.requestBody?.content ?? {};
        const bodySchema = resolve((content['application/json'] ?? Object.values<any>(content)[0])?.schema ?? {});
        const fields = fieldPaths(bodySchema);
        const hasBody = method !== 'GET' && method !== 'DELETE';
        const base = hasBody ? (BASE_BODIES[`${method} ${path}`] ?? sample(bodySchema, undefined, 0)) : undefined;
        const baseRaw = base === undefined ? undefined : JSON.stringify(base);
        const isProtocol = /^\/aggregators\/\{code\}\/(osmp|kaspi)$/.test(path);
        const baseQuery: Record<string, string> = {};
        for (const p of queryParams) if (p.required || isProtocol) baseQuery[p.name] = String(sample(p.schema ?? {}, p.name, 1));
        const withQuery = (query: Record<string, string>, extra = '') => {
          const text = Object.entries(query).map(([k, v]) => `${k}=${v.startsWith('%') ? v : encodeURIComponent(v)}`).join('&') + extra;
          return text ? `${fill(path)}?${text}` : fill(path);
        };
        const url = withQuery(baseQuery);
        const isAggregator = path.startsWith('/aggregators/');
        const roles: Role[] = ['none', 'subscriber', 'agent', 'clerk', 'partner', 'network', ...(isAggregator ? ['aggregator' as Role] : []), 'admin'];

        // Credentials of every role (the subscriber's session must survive logout).
        let best: Role = 'none';
        for (const role of roles) {
          if (role === 'subscriber' && path === '/v1/auth/logout') continue;
          const response = await send(operation, { method, url, role, rawBody: baseRaw, label: 'role' });
          if (response && response.status !== 401 && response.status !== 403 && response.status !== 405) best = role;
        }
        // Broken credentials: a garbage session cookie, a malformed Basic header, an over-long bearer token.
        for (const [label, headers] of [
          ['garbage cookie', { cookie: 'tolem_session=%00garbage' }], ['bad basic', { authorization: 'Basic %%%not-base64' }],
          ['long bearer', { authorization: `Bearer ${'t'.repeat(2_000)}` }],
        ] as const) await send(operation, { method, url, role: 'none', rawBody: baseRaw, headers: { ...headers }, label });
        for (const p of params.filter((p) => p.in === 'header' && p.name !== 'idempotency-key')) {
          await send(operation, { method, url, role: 'admin', rawBody: baseRaw, headers: { [p.name]: 'h'.repeat(300) }, label: `header ${p.name}` });
        }
        if (isAggregator) best = 'aggregator';
        if (path === '/v1/auth/logout') best = 'none';

        // Garbage path parameters.
        for (const name of pathParams) {
          for (const garbage of GARBAGE_PATH_VALUES) await send(operation, { method, url: fill(path, { [name]: garbage }) + url.slice(fill(path).length), role: best, rawBody: baseRaw, label: `path ${name}` });
        }

        // Malformed bodies.
        if (hasBody) {
          const shapes: [string, string | undefined, Record<string, string>?][] = [
            ['no body', undefined], ['empty object', '{}'], ['invalid json', '{"a": '], ['array', '[]'], ['string', '"text"'],
            ['number', '42'], ['null', 'null'], ['proto', '{"__proto__": {"admin": true}}'], ['NUL key', '{"a\\u0000": 1}'],
            ['deeply nested', '['.repeat(5_000) + ']'.repeat(5_000)],
            ['extra field', JSON.stringify({ ...(base as object), unknownField: 1 })],
            ['text/plain', baseRaw ?? '{}', { 'content-type': 'text/plain' }],
            ['form', 'a=1&b=%00', { 'content-type': 'application/x-www-form-urlencoded' }],
            ['utf-16 json', baseRaw ?? '{}', { 'content-type': 'application/json; charset=utf-16' }],
            ['vendor json', baseRaw ?? '{}', { 'content-type': 'application/vnd.api+json' }],
          ];
          for (const [label, rawBody, headers] of shapes) await send(operation, { method, url, role: best, rawBody, headers, label });
          if (params.some((p) => p.in === 'header' && p.name === 'idempotency-key')) {
            await send(operation, { method, url, role: best, rawBody: baseRaw, headers: { 'idempotency-key': '<none>' }, label: 'no idempotency key' });
            await send(operation, { method, url, role: best, rawBody: baseRaw, headers: { 'idempotency-key': 'k'.repeat(300) }, label: 'long idempotency key' });
          }
        }

        // Wrong query parameters, then wrong types for every body field, within the budget.
        const queryCases: [string, Record<string, string>, string][] = [['unknownParam', baseQuery, '&unknownParam=1']];
        queryParams.forEach((p, i) => {
          for (let j = 0; j < 4; j++) queryCases.push([p.name, { ...baseQuery, [p.name]: WRONG_QUERY_VALUES[(i * 4 + j) % WRONG_QUERY_VALUES.length]! }, '']);
          queryCases.push([`${p.name} twice`, { ...baseQuery, [p.name]: 'a' }, `&${p.name}=b`]);
          if (p.name in baseQuery) queryCases.push([`${p.name} missing`, Object.fromEntries(Object.entries(baseQuery).filter(([k]) => k !== p.name)), '']);
        });
        const left = OPERATION_BUDGET - (requests - start);
        const queryShare = fields.length > 0 ? Math.min(queryCases.length, Math.floor(left / 3)) : Math.min(queryCases.length, left);
        for (const [label, query, extra] of queryCases.slice(0, queryShare)) {
          await send(operation, { method, url: withQuery(query, extra), role: best, rawBody: baseRaw, label: `query ${label}=${String(query[label] ?? '').slice(0, 20)}` });
        }
        if (fields.length > 0) {
          const perField = Math.max(1, Math.floor((OPERATION_BUDGET - (requests - start)) / fields.length));
          for (const [i, field] of fields.entries()) {
            for (let j = 0; j < perField; j++) {
              const wrong = WRONG_VALUES[(i * perField + j) % WRONG_VALUES.length]!;
              const body = structuredClone(base) as Record<string, any>;
              let node = body;
              for (const key of field.slice(0, -1)) node = node[key] = node[key] !== null && typeof node[key] === 'object' ? node[key] : (/^\d+$/.test(key) ? [] : {});
              node[field.at(-1)!] = '__FUZZ__';
              const rawBody = JSON.stringify(body).replace('"__FUZZ__"', wrong);
              await send(operation, { method, url, role: best, rawBody, label: `field ${field.join('.')}=${wrong.slice(0, 20)}` });
            }
          }
        }
        assert.ok(requests - start <= OPERATION_BUDGET + 25, `${method} ${path}: ${requests - start} requests`);
      }

      const transfersAfter = await transferCount();
      console.log(`# fuzz [${dialect.name}]: ${operations.length} operations, ${requests} requests, ${failures.length} failures`);
      if (process.env.FUZZ_VERBOSE) for (const [operation, counts] of Object.entries(outcomes)) console.log(`# ${operation}: ${JSON.stringify(counts)}`);
      for (const failure of failures) console.log(`# ${failure.replace(/\s+/g, ' ').slice(0, 400)}`);
      assert.equal(failures.length, 0, `${failures.length} malformed requests were answered wrongly (listed above)`);
      assert.equal(transfersAfter - transfersBefore, transfersBySuccesses, 'only successful requests moved money');
    });
  });
}
