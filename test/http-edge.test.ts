import assert from 'node:assert/strict';
import { renameSync } from 'node:fs';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from './support/databases.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';

/** Bad input at the HTTP edge: always a 4xx with a code from the closed list, never a 5xx, nothing written. */
for (const dialect of DIALECTS) {
  describe(`HTTP edge [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(dialect.name);
      await t.request('POST', '/v1/lines', { body: { msisdn: '+77011234567' } });
    });
    after(async () => t?.close());

    const post = (rawBody: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
      t.request('POST', '/v1/topups', { rawBody, headers: { 'idempotency-key': `edge-${Math.random()}`, ...headers } });

    it('answers malformed, oversized and strangely typed bodies with codes', async () => {
      const cases: [Promise<{ status: number; body: any }>, number, string][] = [
        [post('{"msisdn": '), 400, 'invalid_json'],
        [post('{"__proto__": {"x": 1}, "msisdn": "+77011234567", "amount": 50000, "currency": "KZT"}'), 400, 'invalid_json'],
        [post(''), 400, 'invalid_json'],
        [post('[]'), 400, 'validation_failed'],
        [post('"text"'), 400, 'validation_failed'],
        [post(JSON.stringify({ msisdn: '+77011234567', amount: 50000, currency: 'KZT', pad: 'x'.repeat(70_000) })), 413, 'body_too_large'],
        [post('<xml/>', { 'content-type': 'application/xml' }), 415, 'unsupported_media_type'],
        [post(JSON.stringify({ msisdn: 'x'.repeat(100), amount: 50000, currency: 'KZT' })), 400, 'validation_failed'],
        [post(JSON.stringify({ msisdn: null, amount: 50000, currency: 'KZT' })), 400, 'validation_failed'],
        [post(JSON.stringify({ msisdn: ['+77011234567'], amount: 50000, currency: 'KZT' })), 400, 'validation_failed'],
        [post(JSON.stringify({ msisdn: '+77011234567', amount: 50000, currency: 'KZTT' })), 400, 'validation_failed'],
        [post(JSON.stringify({ msisdn: '+77011234567', amount: true, currency: 'KZT' })), 400, 'validation_failed'],
      ];
      for (const [pending, status, code] of cases) {
        const response = await pending;
        assert.equal(response.status, status, JSON.stringify(response.body));
        assert.equal(response.body.error.code, code);
        assert.equal(typeof response.body.error.message, 'string');
        assert.equal(typeof response.body.error.details, 'object');
      }
      const transfers = await t.app.ctx.db.selectFrom('ledger_transfers').select('id').execute();
      assert.equal(transfers.length, 0);
    });

    it('refuses a JSON name given twice, at any depth, as a form or a query string refuses a field twice', async () => {
      // JSON.parse kept the last: this topped up 5,000,000 where a gateway reading the first saw 50,000.
      const twice = await post('{"msisdn":"+77011234567","amount":50000,"currency":"KZT","amount":5000000}');
      assert.deepEqual([twice.status, twice.body.error?.code, twice.body.error?.details], [400, 'validation_failed', { issues: [{ path: 'body/amount', message: 'must not be given twice' }] }]);
      const escaped = await post('{"msisdn":"+77011234567","amount":50000,"currency":"KZT","\\u0061mount":5000000}');
      assert.deepEqual([escaped.status, escaped.body.error?.code], [400, 'validation_failed']);
      const nested = await t.request('POST', '/v1/usage', {
        rawBody: '{"events":[{"id":"edge-twice","msisdn":"+77011234567","service":"data","units":1,"units":1000000,"at":"2026-01-15T05:00:00Z"}]}',
        headers: { 'content-type': 'application/json' },
      });
      assert.deepEqual([nested.status, nested.body.error?.details?.issues?.[0]?.path], [400, 'body/events/0/units']);
      assert.equal((await t.app.ctx.db.selectFrom('ledger_transfers').select('id').execute()).length, 0);
      // The same name in different objects is no repeat.
      const texts = { en: 'Edge 1 GB', ru: 'Edge 1 ГБ', kk: 'Edge 1 ГБ', zh: 'Edge 1 GB' };
      const offering = await t.request('POST', '/v1/admin/offerings', { body: { code: 'EDGE_1GB', kind: 'data', price: 100_000, validityDays: 7, allowances: { dataGb: 1 }, names: texts, descriptions: texts } });
      assert.equal(offering.status, 201, offering.text);
    });

    it('refuses a JSON body that is not UTF-8, and keeps one that is', async () => {
      const rawPost = (bytes: Buffer) => t.app.server.inject({ method: 'POST', url: '/v1/lines', payload: bytes, headers: { 'content-type': 'application/json', authorization: `Bearer ${t.adminKey}` } });
      // A lone surrogate's three bytes, 0xFF, an overlong '/': each read as U+FFFD before.
      for (const bad of [Buffer.from([0xed, 0xa0, 0x80]), Buffer.from([0xff]), Buffer.from([0xc0, 0xaf])]) {
        const response = await rawPost(Buffer.concat([Buffer.from('{"msisdn":"+77011234599","ownerName":"ab'), bad, Buffer.from('"}')]));
        assert.equal(response.statusCode, 400, response.body);
        assert.equal(response.json().error.code, 'validation_failed');
      }
      assert.equal((await t.request('GET', '/v1/lines/+77011234599')).body.error.code, 'line_not_found', 'nothing written');
      const good = await rawPost(Buffer.from('{"msisdn":"+77011234599","ownerName":"Әлия 李 😀"}', 'utf8'));
      assert.equal(good.statusCode, 201, good.body);
      // A form's escapes likewise: %FF is no UTF-8 (URLSearchParams would read it as U+FFFD); %D0%90 is "А".
      const form = (body: string) => t.app.server.inject({ method: 'POST', url: '/aggregators/qiwi/osmp', payload: body, headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      // (The check/pay endpoints answer it in their protocol: result 300, malformed.)
      const refused = await form('command=check&txn_id=1&account=%FF&sum=500');
      assert.deepEqual([refused.statusCode, /<result>300<\/result>.*malformed request/.test(refused.body)], [200, true], refused.body);
      assert.doesNotMatch((await form('command=check&txn_id=1&account=%D0%90&sum=500')).body, /malformed request/);
    });

    it('answers unknown routes, bad query strings and bad paths with codes', async () => {
      assert.equal((await t.request('GET', '/v1/nothing')).body.error.code, 'route_not_found');
      // A known path with a method it does not take: 405 with the methods it does take, and nothing written.
      const put = await t.request('PUT', '/v1/topups', { body: { msisdn: '+77011234567', amount: 100000, currency: 'KZT' }, headers: { 'idempotency-key': 'put-1' } });
      assert.deepEqual([put.status, put.body.error.code, put.body.error.details.allowed, put.headers.allow], [405, 'method_not_allowed', ['POST'], 'POST']);
      const lineMethods = await t.request('DELETE', '/v1/lines/+77011234567');
      assert.deepEqual([lineMethods.status, lineMethods.headers.allow], [405, 'GET, PATCH']);
      assert.equal((await t.request('DELETE', '/v1/lines/+77011234567/nothing')).body.error.code, 'route_not_found');
      assert.equal((await t.request('GET', '/v1/lines?limit=abc')).body.error.code, 'validation_failed');
      assert.equal((await t.request('GET', '/v1/lines?unknown=1')).body.error.code, 'validation_failed');
      // Routes that take no query, or other parameters, refuse what they do not know.
      for (const url of ['/v1/api-keys?limit=abc', '/v1/api-keys?cursor=anything', '/v1/lines/+77011234567?unknown=1', '/v1/lines/+77011234567/balance?x=1',
        '/v1/lines/+77011234567/events?limit=0x10', '/v1/lines/+77011234567/promised-payment?x=1', '/v1/receipts/R-2026-00000001.pdf?lang=en&x=1']) {
        const response = await t.request('GET', url);
        assert.deepEqual([response.status, response.body.error?.code], [400, 'validation_failed'], url);
      }
      assert.equal((await t.request('GET', '/v1/lines/+77011234567')).status, 200);
      assert.deepEqual([(await t.request('GET', '/assets/', { token: null })).status, (await t.request('GET', '/assets/', { token: null })).body.error.code], [404, 'route_not_found']);
      for (const encoding of ['gzip', 'br, gzip', 'deflate']) {
        const response = await post('{"msisdn":"+77011234567","amount":100000,"currency":"KZT"}', { 'content-type': 'application/json', 'content-encoding': encoding });
        assert.deepEqual([response.status, response.body.error.code], [415, 'unsupported_media_type'], encoding);
      }
      assert.equal((await post('{"msisdn":"+77011234567","amount":100000,"currency":"KZT"}', { 'content-type': 'application/json', 'content-encoding': 'identity' })).status, 201);
      for (const type of ['text/plain', 'text/plain; charset=utf-8', 'application/xml']) {
        const response = await post('{"msisdn":"+77011234567","amount":100000,"currency":"KZT"}', { 'content-type': type });
        assert.deepEqual([response.status, response.body.error.code], [415, 'unsupported_media_type'], type);
      }
      assert.equal((await t.request('GET', `/v1/lines/${'9'.repeat(40)}`)).body.error.code, 'validation_failed');
      assert.equal((await t.request('GET', '/v1/lines/%2B7701123456%00')).status < 500, true);
      assert.equal((await t.request('GET', '/v1/lines/+77011234567', { token: null })).body.error.code, 'unauthenticated');
      assert.equal((await t.request('GET', '/v1/lines/+77011234567', { token: 'x'.repeat(500) })).body.error.code, 'unauthenticated');
    });

    it('serves health, readiness, metrics and the OpenAPI document of every route', async () => {
      assert.equal((await t.request('GET', '/healthz', { token: null })).body.status, 'ok');
      assert.equal((await t.request('GET', '/readyz', { token: null })).body.database, dialect.name);
      if (dialect.name === 'sqlite') {
        // The file deleted under the server: not ready, though the open connection still answers.
        const file = t.app.store.url.slice('sqlite:'.length);
        renameSync(file, `${file}.away`);
        try {
          const gone = await t.request('GET', '/readyz', { token: null });
          assert.deepEqual([gone.status, gone.body.error.code, gone.body.error.details.reason], [503, 'unavailable', 'database_file_missing']);
        } finally {
          renameSync(`${file}.away`, file);
        }
        assert.equal((await t.request('GET', '/readyz', { token: null })).status, 200);
      }
      const metrics = await t.request('GET', '/metrics', { token: null });
      assert.match(metrics.text, /tolem_http_request_duration_seconds/);
      assert.match(metrics.text, /tolem_ledger_batch_size/);
      const openapi = await t.request('GET', '/openapi.json', { token: null });
      assert.equal(openapi.body.openapi, '3.1.0');
      for (const path of ['/v1/lines', '/v1/lines/{msisdn}', '/v1/topups', '/v1/auth/login', '/v1/api-keys']) assert.ok(openapi.body.paths[path], path);
      assert.equal((await t.request('GET', '/docs/', { token: null })).status, 200);
    });

    it('never lets the API docs page be shown in another page\'s frame, as the other web pages', async () => {
      // A logged-in admin's cookie goes with /docs' "Try it out" calls: framed under a sibling
      // subdomain's bait (SameSite=Lax counts it the same site), its clicks would run them.
      for (const path of ['/docs', '/docs/']) {
        const page = await t.request('GET', path, { token: null });
        assert.equal(page.status, 200, path);
        assert.match(String(page.headers['content-security-policy']), /frame-ancestors 'none'/, path);
        assert.equal(page.headers['x-frame-options'], 'DENY', path);
      }
    });

    it("answers requests Node's HTTP parser refuses in the error shape too, and closes the connection", async () => {
      const address = await t.app.server.listen({ port: 0, host: '127.0.0.1' });
      const { port } = new URL(address);
      const send = (raw: string) => new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1', () => socket.write(raw));
        let answer = '';
        socket.on('data', (chunk) => { answer += chunk.toString(); });
        socket.on('error', reject);
        socket.on('close', () => resolve(answer));
      });
      const cases: [string, number, string][] = [
        ['GET /healthz HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer a\x01b\r\n\r\n', 400, 'request_malformed'],
        ['GET /v1/lines/\xf0\x9f\x98\x80 HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'request_malformed'],
        ['BREW /healthz HTTP/1.1\r\nHost: x\r\n\r\n', 400, 'request_malformed'],
        ['POST /v1/topups HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', 400, 'request_malformed'],
        [`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`, 431, 'headers_too_large'],
        ['GET /v1/lines HTTP/1.1\r\nAuthorization: Bearer x\r\nConnection: close\r\n\r\n', 400, 'request_malformed'],
        // RFC 9112 §3.2: two Host lines, or a Host that is no host[:port], are a 400 too (were answered 200).
        ['GET /healthz HTTP/1.1\r\nHost: a.example\r\nHost: b.example\r\nConnection: close\r\n\r\n', 400, 'request_malformed'],
        ['GET /healthz HTTP/1.1\r\nHost: x y\r\nConnection: close\r\n\r\n', 400, 'request_malformed'],
        ['GET /healthz HTTP/1.0\r\nHost: a\r\nhost: b\r\n\r\n', 400, 'request_malformed'],
        ['GET /healthz HTTP/1.1\r\nHost: x\r\nExpect: foo\r\n\r\n', 417, 'expectation_failed'],
        ['POST /v1/lines HTTP/1.1\r\nHost: x\r\nExpect: 200-ok\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}', 417, 'expectation_failed'],
      ];
      // Each one's log line carries the id its answer gave (README: the same id as the request's log line).
      const logged: Record<string, unknown>[] = [];
      const refusedByParser = new Set(cases.slice(0, 5).map(([raw]) => raw));
      const log = t.app.server.log as unknown as { info: (...args: unknown[]) => void };
      const info = log.info;
      log.info = (entry: unknown) => { if (typeof entry === 'object' && entry !== null) logged.push(entry as Record<string, unknown>); };
      for (const [raw, status, code] of cases) {
        const answer = await send(raw);
        const [head, body] = answer.split('\r\n\r\n');
        if (refusedByParser.has(raw) || status === 417) {
          const id = /\r\nx-request-id: ([\w.-]+)\r\n/i.exec(head!)?.[1];
          assert.ok(logged.some((entry) => entry.reqId === id && entry.status === status && entry.code === code), `${raw.slice(0, 40)}: no log line with its id ${id}`);
        }
        assert.match(head!, new RegExp(`^HTTP/1.1 ${status} `), `${raw.slice(0, 40)}: ${head}`);
        assert.match(head!, /content-type: application\/json/i);
        assert.equal(JSON.parse(body!).error.code, code);
        // Every answer carries a request id (README), these too.
        assert.match(head!, /\r\nx-request-id: [\w.-]{1,64}\r\n/i, `${raw.slice(0, 40)}: ${head}`);
      }
      // Never the request's bytes (its credentials, a phone number in its URL).
      assert.doesNotMatch(JSON.stringify(logged.filter((entry) => 'parserError' in entry)), /Bearer|a\\u0001b|X-Big/);
      const echoed = await send('GET /healthz HTTP/1.1\r\nHost: x\r\nX-Request-Id: abc-417\r\nExpect: foo\r\n\r\n');
      assert.match(echoed, /\r\nx-request-id: abc-417\r\n/i);
      // HTTP/1.0 has no Host requirement.
      assert.match(await send('GET /healthz HTTP/1.0\r\n\r\n'), /^HTTP\/1.1 200 /);
      for (const host of ['127.0.0.1:3000', '[::1]:3000', 'tolem.example.kz', 'localhost:', '']) {
        assert.match(await send(`GET /healthz HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`), /^HTTP\/1.1 200 /, host);
      }
      // CONNECT (a client that takes the server for its proxy) was handed to Node's 'connect' event and
      // the connection closed without any answer: a 405 in the error format now, with an empty Allow.
      const tunnel = await send('CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\nX-Request-Id: abc-connect\r\n\r\n');
      const [tunnelHead, tunnelBody] = tunnel.split('\r\n\r\n');
      assert.match(tunnelHead!, /^HTTP\/1.1 405 /, tunnel);
      assert.match(tunnelHead!, /\r\nallow: \r\n/i);
      assert.match(tunnelHead!, /\r\nx-request-id: abc-connect\r\n/i);
      assert.ok(logged.some((entry) => entry.reqId === 'abc-connect' && entry.status === 405), 'the CONNECT has its log line');
      log.info = info;
      assert.deepEqual(JSON.parse(tunnelBody!).error, { code: 'method_not_allowed', message: 'Method not allowed.', details: { method: 'CONNECT', allowed: [] } });
    });

    it('answers a request whose body does not arrive in time 408 request_timeout and closes its connection', async () => {
      const slow = await startTestApp(dialect.name, { http: { ...t.app.ctx.settings.http, requestTimeoutMs: 400 } });
      try {
        const { port } = new URL(await slow.app.server.listen({ port: 0, host: '127.0.0.1' }));
        const started = performance.now();
        const answer = await new Promise<string>((resolve, reject) => {
          // Ten of the hundred bytes promised, then nothing.
          const socket = connect(Number(port), '127.0.0.1', () => socket.write('POST /v1/topups HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"msisdn":'));
          let received = '';
          socket.on('data', (chunk) => { received += chunk.toString(); });
          socket.on('error', reject);
          socket.on('close', () => resolve(received));
        });
        const [head, body] = answer.split('\r\n\r\n');
        assert.match(head!, /^HTTP\/1.1 408 /, head);
        assert.equal(JSON.parse(body!).error.code, 'request_timeout');
        assert.ok(performance.now() - started < 5_000, `answered within the timeout and one check of it: ${performance.now() - started} ms`);
      } finally {
        await slow.close();
      }
    });

    it('echoes a request id', async () => {
      const response = await t.request('GET', '/healthz', { token: null, headers: { 'x-request-id': 'abc-123' } });
      assert.equal(response.headers['x-request-id'], 'abc-123');
    });

    it('answers a malformed URL or an over-long path parameter with the request id and no-store too', async () => {
      for (const path of ['/v1/lines/%FF', `/v1/lines/${'7'.repeat(101)}`]) {
        const response = await t.request('GET', path, { headers: { 'x-request-id': 'bad-url-1' } });
        assert.deepEqual([response.status, response.body.error.code], [400, 'validation_failed'], path);
        assert.equal(response.headers['x-request-id'], 'bad-url-1', path);
        assert.equal(response.headers['cache-control'], 'no-store', path);
      }
    });
  });
}
