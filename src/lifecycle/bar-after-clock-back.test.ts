import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';
import { runJobsOnce } from '../jobs/scheduler.ts';
import { lifecycleJob } from './lifecycle-job.ts';

const DAY_MS = 86_400_000;

/**
 * A bar holds only when set since the line's latest status change (isBarred). An admin who barred
 * a line the lifecycle had suspended (a SIM lost meanwhile) just after the server's clock was
 * stepped back (an NTP correction) had the bar dated before that suspension: it did not hold, and
 * 500 ₸ at any terminal brought the lost SIM back to active.
 */
for (const dialect of DIALECTS) {
  describe(`a bar set on a suspended line after the clock was stepped back [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    after(async () => t?.close());

    it('holds: a top-up credits the line and leaves it suspended', async () => {
      t = await startTestApp(dialect.name);
      const msisdn = '+77013330074';
      const topUp = (key: string) => t.request('POST', '/v1/topups', { body: { msisdn, amount: 100_000, currency: 'KZT' }, headers: { 'idempotency-key': key } });
      assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn } })).status, 201);
      const first = await topUp('bar-1');
      assert.equal(first.status, 201);
      t.clock.set(new Date(Date.parse(first.body.line.validUntil) + (t.app.ctx.settings.lifecycle.graceDays + 1) * DAY_MS));
      await runJobsOnce(t.app.ctx, [lifecycleJob]);
      assert.equal((await t.request('GET', `/v1/lines/${encodeURIComponent(msisdn)}`)).body.status, 'suspended');
      t.clock.advance(-10 * 60_000);
      const barred = await t.request('POST', `/v1/lines/${encodeURIComponent(msisdn)}/suspend`, { body: { reason: 'SIM lost' } });
      assert.equal(barred.status, 200, JSON.stringify(barred.body));
      assert.equal((await t.request('GET', `/v1/lines/${encodeURIComponent(msisdn)}`)).body.barred, true);
      const late = await topUp('bar-2');
      assert.equal(late.status, 201, JSON.stringify(late.body));
      assert.equal(late.body.line.status, 'suspended');
    });
  });
}
