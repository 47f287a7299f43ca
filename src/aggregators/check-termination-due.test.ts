import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';

const DAY_MS = 86_400_000;
const AUTH = `Basic ${Buffer.from('qiwi:qiwi-secret-1').toString('base64')}`;

/**
 * A line past the end of its validity schedule is terminated, recorded by the lifecycle job yet or
 * not (after downtime): the pay refuses it (account inactive). The check answered OK, so the payer
 * put the cash in at the terminal and the pay then refused it.
 */
for (const dialect of DIALECTS) {
  describe(`aggregator check of a line whose termination fell due while the jobs were down [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    after(async () => t?.close());
    const osmp = async (params: Record<string, string>) => {
      const response = await t.request('GET', `/aggregators/qiwi/osmp?${new URLSearchParams(params)}`, { token: null, headers: { authorization: AUTH } });
      return Number(/<result>(\d+)<\/result>/.exec(response.text)?.[1]);
    };

    it('answers account inactive (79), as the pay does', async () => {
      t = await startTestApp(dialect.name);
      assert.equal((await t.request('POST', '/v1/admin/aggregators', { body: { code: 'qiwi', name: 'QIWI terminals', password: 'qiwi-secret-1' } })).status, 201);
      const msisdn = '+77013330072';
      assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn } })).status, 201);
      const first = await t.request('POST', '/v1/topups', { body: { msisdn, amount: 200_000, currency: 'KZT' }, headers: { 'idempotency-key': 'due-1' } });
      assert.equal(first.status, 201);
      const { graceDays, suspendedDays } = t.app.ctx.settings.lifecycle;
      const terminatesAt = Date.parse(first.body.line.validUntil) + (graceDays + suspendedDays) * DAY_MS;
      t.clock.set(new Date(terminatesAt - 1));
      assert.equal(await osmp({ command: 'check', txn_id: '1', account: '7013330072', sum: '1000' }), 0);
      t.clock.set(new Date(terminatesAt));
      assert.equal(await osmp({ command: 'check', txn_id: '2', account: '7013330072', sum: '1000' }), 79);
      assert.equal(await osmp({ command: 'pay', txn_id: '2', txn_date: '20260115110000', account: '7013330072', sum: '1000' }), 79);
    });
  });
}
