import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';

/** The request log lines (one per request, README) that carry `id`. */
const requestLinesOf = (t: TestApp, id: string) => t.logs.filter((line) => line.msg === 'request' && (line.reqId === id || (line.req as { id?: string } | undefined)?.id === id));

for (const dialect of DIALECTS) {
  describe(`request log, ids and metrics [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    before(async () => { t = await startTestApp(dialect.name, {}, undefined, { captureLogs: true }); });
    after(async () => t.close());

    it('a malformed URL or an over-long path parameter is answered with its x-request-id, logged once with it (number masked), and counted', async () => {
      const cases = [
        { method: 'GET', url: '/v1/lines/+77011234567/%zz', id: 'bad-url-1' },
        { method: 'PATCH', url: `/v1/lines/+77011234567/packages/${'x'.repeat(600)}`, id: 'long-param-1' },
      ];
      for (const { method, url, id } of cases) {
        const answer = await t.request(method, url, { headers: { 'x-request-id': id } });
        assert.equal(answer.status, 400, url.slice(0, 40));
        assert.equal(answer.body.error.code, 'validation_failed');
        assert.equal(answer.headers['x-request-id'], id, 'the answer names its request');
        assert.equal(answer.headers['cache-control'], 'no-store', 'an API answer, kept by no cache');
        const lines = requestLinesOf(t, id);
        assert.equal(lines.length, 1, `one log line with the id ${id}`);
        assert.equal(lines[0]!.status, 400);
        assert.doesNotMatch(JSON.stringify(lines[0]), /1234567/, 'the number is masked');
      }
      const metrics = await t.request('GET', '/metrics', { token: null });
      assert.match(metrics.text, /^tolem_http_request_duration_seconds_count\{method="GET",route="unmatched",status="400"\} 1$/m);
      assert.match(metrics.text, /^tolem_http_request_duration_seconds_count\{method="PATCH",route="unmatched",status="400"\} 1$/m);
    });

    it('a number typed in full-width digits or with a typographic dash is served as the number and masked in its log line', async () => {
      assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn: '+77011234567' } })).status, 201);
      for (const [typed, id] of [['８７０１１２３４５６７', 'full-width-1'], ['8 (701) 123–45–67', 'en-dash-1']] as const) {
        const answer = await t.request('GET', `/v1/lines/${encodeURIComponent(typed)}`, { headers: { 'x-request-id': id } });
        assert.equal(answer.body.msisdn, '+77011234567');
        const [line] = requestLinesOf(t, id);
        assert.match((line!.req as { url: string }).url, /^\/v1\/lines\/[^/]*7701\*\*\*4567$/);
      }
    });

    it('an aggregator request the database failed is logged with the request\'s id: the error line and the request line both', async () => {
      assert.equal((await t.request('POST', '/v1/admin/aggregators', { body: { code: 'qiwi', name: 'QIWI terminals', password: 'qiwi-secret-123' } })).status, 201);
      assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn: '+77051112233' } })).status, 201);
      const authorization = `Basic ${Buffer.from('qiwi:qiwi-secret-123').toString('base64')}`;
      const { ctx } = t.app;
      const submit = ctx.writer.submit;
      ctx.writer.submit = async () => { throw new Error('connection terminated unexpectedly'); };
      await ctx.db.schema.alterTable('lines').renameTo('lines_away').execute();
      try {
        for (const [command, id, result] of [['pay', 'agg-pay-1', '1'], ['check', 'agg-check-1', '243']] as const) {
          const answer = await t.request('GET', `/aggregators/qiwi/osmp?command=${command}&txn_id=${id}&txn_date=20260115110000&account=7051112233&sum=1000`, { token: null, headers: { authorization, 'x-request-id': id } });
          assert.match(answer.text, new RegExp(`<result>${result}</result>`));
          assert.equal(requestLinesOf(t, id).length, 1);
          const errors = t.logs.filter((line) => line.level === 50 && line.reqId === id);
          assert.equal(errors.length, 1, `the ${command}'s error is logged with its request id`);
          assert.doesNotMatch(JSON.stringify(errors), /qiwi-secret-123|cWl3aTpxaXdp|5111223/, 'no password, no number');
        }
      } finally {
        ctx.writer.submit = submit;
        await ctx.db.schema.alterTable('lines_away').renameTo('lines').execute();
      }
    });
  });
}
