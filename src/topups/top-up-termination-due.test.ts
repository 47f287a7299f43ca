import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';
import { lifecycleJob } from '../lifecycle/lifecycle-job.ts';
import { runJobsOnce } from '../jobs/scheduler.ts';

const DAY_MS = 86_400_000;

/**
 * A line past the end of its validity schedule (LIFECYCLE_GRACE_DAYS + LIFECYCLE_SUSPENDED_DAYS
 * after its validity) is terminated whether or not the lifecycle job has recorded it yet: after the
 * jobs were down, a top-up arriving before the catch-up brought it back to active, with the balance
 * the termination forfeits, and it was never terminated; a transfer to it was refused meanwhile.
 */
for (const dialect of DIALECTS) {
  describe(`a top-up to a line whose termination fell due while the jobs were down [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    after(async () => t?.close());
    const topUp = (msisdn: string, amount: number, key: string) => t.request('POST', '/v1/topups', { body: { msisdn, amount, currency: 'KZT' }, headers: { 'idempotency-key': key } });

    it('is refused line_terminated, and the catch-up terminates the line', async () => {
      t = await startTestApp(dialect.name);
      const { graceDays, suspendedDays } = t.app.ctx.settings.lifecycle;
      const msisdn = '+77013330071';
      assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn } })).status, 201);
      const first = await topUp(msisdn, 200_000, 'due-1');
      assert.equal(first.status, 201);
      const terminatesAt = Date.parse(first.body.line.validUntil) + (graceDays + suspendedDays) * DAY_MS;
      // A millisecond before, the line (recorded active) still comes back.
      t.clock.set(new Date(terminatesAt - 1));
      const before = await topUp(msisdn, 100_000, 'due-2');
      assert.equal(before.status, 201, JSON.stringify(before.body));
      assert.equal(before.body.line.status, 'active');
      // Its new validity, then the jobs down past its whole schedule again.
      t.clock.set(new Date(Date.parse(before.body.line.validUntil) + (graceDays + suspendedDays) * DAY_MS));
      const late = await topUp(msisdn, 100_000, 'due-3');
      assert.equal(late.status, 409, JSON.stringify(late.body));
      assert.equal(late.body.error.code, 'line_terminated');
      await runJobsOnce(t.app.ctx, [lifecycleJob]);
      const line = await t.request('GET', `/v1/lines/${encodeURIComponent(msisdn)}`);
      assert.equal(line.body.status, 'terminated');
      assert.equal(line.body.balance.main, 0);
    });
  });
}
