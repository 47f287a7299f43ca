import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';
import { ERROR_CODES } from '../domain/errors.ts';

/**
 * Bad input against every route /openapi.json describes, as each caller: for each route, path
 * parameters that are no id of anything, each query parameter and each body field with values of
 * the wrong type or out of any range, bodies that are not objects or not JSON, unknown fields. Each
 * answer must be a 4xx (or a success, where the value happens to be acceptable, such as a filter
 * that matches nothing) with an error from the closed list, never a 5xx; and none of it may move
 * money: the ledger's transfers are counted before and after.
 */

interface Schema {
  type?: string | string[];
  properties?: Record<string, Schema>;
  items?: Schema;
  enum?: unknown[];
  anyOf?: Schema[];
  oneOf?: Schema[];
  $ref?: string;
}
interface Operation {
  parameters?: { name: string; in: 'path' | 'query' | 'header'; schema?: Schema }[];
  requestBody?: { content?: Record<string, { schema?: Schema }> };
}

/** Values that a field of this schema must refuse (or may accept only as harmless). */
function wrongValuesFor(schema: Schema | undefined): unknown[] {
  const types = new Set([schema?.type ?? []].flat());
  const wrong: unknown[] = [null, { nested: { deeper: [1, 2, 3] } }, 'x'.repeat(5_000), '\u0000'];
  if (!types.has('string')) wrong.push('42', '');
  if (types.has('integer') || types.has('number')) wrong.push(-1, 0, 1.5, 1e308, -9_007_199_254_740_993, Number.MAX_SAFE_INTEGER);
  else wrong.push(12, -3.25);
  if (!types.has('boolean')) wrong.push(true);
  if (!types.has('array')) wrong.push([]);
  else wrong.push([null, {}, 'x'.repeat(300)], Array.from({ length: 2_000 }, (_, i) => i));
  return wrong;
}

const PATH_VALUES = ['x', 'ln_00000000000000000000000000', '-1', '%2B77010000000', "'%20OR%201=1--", '%F0%9F%92%A5', '..%2F..%2Fetc%2Fpasswd', 'a'.repeat(99)];
const QUERY_VALUES = ['', '-1', '1.5', '99999999999999999999999', 'x'.repeat(2_000), '%00', 'true', '%7B%7D', '2026-13-45T99:99:99Z'];

function resolve(doc: { components?: { schemas?: Record<string, Schema> } }, schema: Schema | undefined): Schema | undefined {
  if (!schema?.$ref) return schema;
  return doc.components?.schemas?.[schema.$ref.split('/').pop()!];
}

for (const dialect of DIALECTS) {
  describe(`bad input on every route [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let doc: { paths: Record<string, Record<string, Operation>>; components?: { schemas?: Record<string, Schema> } };
    const failures: string[] = [];
    const codes = new Set(Object.keys(ERROR_CODES));

    before(async () => {
      t = await startTestApp(dialect.name);
      // Something to find, so that routes get past "no such line" to their own checks.
      assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn: '+77011234567' } })).status, 201);
      assert.equal((await t.request('POST', '/v1/topups', { body: { msisdn: '+77011234567', amount: 100_000, currency: 'KZT' }, headers: { 'idempotency-key': 'fund' } })).status, 201);
      doc = (await t.request('GET', '/openapi.json', { token: null })).body;
    });
    after(async () => t?.close());

    /** Sends one request and notes any answer that breaks the rules. */
    async function probe(method: string, url: string, options: Parameters<TestApp['request']>[2], what: string): Promise<void> {
      const answer = await t.request(method, url, { ...options, headers: { 'idempotency-key': `sweep-${Math.random()}`, ...options?.headers } });
      const request = `${method} ${url.slice(0, 120)} (${what})`;
      // The aggregators' check/pay endpoints answer in their own protocol (XML, Kaspi's JSON).
      const ownProtocol = url.startsWith('/aggregators/');
      if (answer.status >= 500) failures.push(`${request} → ${answer.status} ${answer.text.slice(0, 200)}`);
      else if (answer.status >= 400 && !ownProtocol && (answer.headers['content-type'] as string | undefined)?.includes('json') && !codes.has(answer.body?.error?.code)) {
        failures.push(`${request} → ${answer.status} without a listed error code: ${answer.text.slice(0, 200)}`);
      }
    }

    function urlOf(path: string, operation: Operation, pathValue: string): string {
      let url = path;
      for (const parameter of operation.parameters ?? []) if (parameter.in === 'path') url = url.replace(`{${parameter.name}}`, pathValue);
      return url;
    }

    it('answers every malformed request with a 4xx from the closed list and moves no money', async () => {
      const transfersBefore = (await t.app.store.db.selectFrom('ledger_transfers').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;
      assert.equal((await t.request('POST', '/v1/users', { body: { login: '+77011234567', password: 'correct horse', role: 'subscriber' } })).status, 201);
      const subscriber = (await t.request('POST', '/v1/auth/login', { token: null, body: { login: '+77011234567', password: 'correct horse' } })).body.token as string;
      const callers: [string, string | null][] = [
        ['admin', t.adminKey], ['no credentials', null], ['subscriber', subscriber], ['partner', await t.keyFor('partner')], ['network', await t.keyFor('network')],
      ];
      let requests = 0;
      for (const [path, operations] of Object.entries(doc.paths)) {
        for (const [method, operation] of Object.entries(operations)) {
          const verb = method.toUpperCase();
          const realUrl = urlOf(path, operation, '%2B77011234567');
          for (const [caller, token] of callers) {
            for (const value of PATH_VALUES) {
              if (!path.includes('{')) break;
              await probe(verb, urlOf(path, operation, value), { token, body: verb === 'GET' || verb === 'DELETE' ? undefined : {} }, `${caller}, path ${value}`);
              requests++;
            }
            if (caller !== 'admin') continue;
            for (const parameter of operation.parameters ?? []) {
              if (parameter.in !== 'query') continue;
              for (const value of QUERY_VALUES) {
                await probe(verb, `${realUrl}?${parameter.name}=${value}`, { token }, `query ${parameter.name}`);
                requests++;
              }
            }
            const content = operation.requestBody?.content;
            const jsonSchema = resolve(doc, content?.['application/json']?.schema);
            if (!content) continue;
            for (const rawBody of ['{', '[]', 'null', '"text"', '{"a":', '\u0000', '{"__proto__":{"admin":true}}', `{"x":${'['.repeat(5_000)}${']'.repeat(5_000)}}`]) {
              await probe(verb, realUrl, { token, rawBody, headers: { 'content-type': 'application/json' } }, `raw ${rawBody.slice(0, 12)}`);
              requests++;
            }
            await probe(verb, realUrl, { token, rawBody: 'msisdn=1', headers: { 'content-type': 'text/plain' } }, 'text body');
            await probe(verb, realUrl, { token, body: { unknownField: 1 } }, 'unknown field');
            await probe(verb, realUrl, { token, body: { ['x'.repeat(70_000)]: 1 } }, 'over 64 KB');
            requests += 3;
            for (const [field, fieldSchema] of Object.entries(jsonSchema?.properties ?? {})) {
              for (const value of wrongValuesFor(resolve(doc, fieldSchema))) {
                await probe(verb, realUrl, { token, body: { [field]: value } }, `${field}=${JSON.stringify(value).slice(0, 30)}`);
                requests++;
              }
            }
          }
        }
      }
      assert.deepEqual(failures, []);
      assert.ok(requests > 2_000, `${requests} requests`);
      const transfersAfter = (await t.app.store.db.selectFrom('ledger_transfers').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n;
      assert.equal(Number(transfersAfter), Number(transfersBefore), 'no money moved');
    });
  });
}
