import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';
import { loadSettings } from '../config.ts';
import { JOBS } from '../jobs/jobs.ts';
import { runJobsOnce } from '../jobs/scheduler.ts';
import { ManualClock } from '../platform/clock.ts';

const DAY_MS = 86_400_000;

/**
 * A lapsed pack is retried for PACKAGE_RENEWAL_RETRY_DAYS (7), but a line whose validity has ended
 * is terminated LIFECYCLE_GRACE_DAYS + LIFECYCLE_SUSPENDED_DAYS after it, which allowed settings
 * (0 and 2 here) put before the window's end: a top-up then finds the line terminated and renews
 * nothing. The failed renewal's SMS names the day a top-up still renews it: the earlier of the two.
 */
for (const dialect of DIALECTS) {
  describe(`a renewal's 'top up by' day on a line terminated before the retry window ends [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    after(async () => t?.close());

    it('is the day the line would be terminated, not the window\'s end', async () => {
      const clock = new ManualClock(new Date('2027-03-01T06:00:00Z'));
      const base = loadSettings({});
      t = await startTestApp(dialect.name, {
        topup: { ...base.topup, bonus: { thresholdMin: 0n, percent: 0n, validityDays: 30 } }, lifecycle: { ...base.lifecycle, graceDays: 0, suspendedDays: 2 },
      }, clock);
      assert.equal((await t.request('POST', '/v1/admin/offerings', { body: {
        code: 'PACK_30D', kind: 'data', price: 100_000, validityDays: 30, allowances: { dataMb: 100 }, autoRenewAllowed: true, stacks: false,
        names: { en: 'Pack', ru: 'Pack', kk: 'Pack', zh: 'Pack' },
      } })).status, 201);
      const msisdn = '+77013330021';
      assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn } })).status, 201);
      const topUp = await t.request('POST', '/v1/topups', { body: { msisdn, amount: 300_000, currency: 'KZT' }, headers: { 'idempotency-key': 'top-1' } });
      assert.equal(topUp.status, 201);
      const validUntil = Date.parse(topUp.body.line.validUntil);
      clock.advance(60_000);
      const bought = await t.request('POST', '/v1/purchases', { body: { msisdn, offering: 'PACK_30D', autoRenew: true }, headers: { 'idempotency-key': 'buy-1' } });
      assert.equal(bought.status, 201, JSON.stringify(bought.body));
      clock.set(new Date(validUntil + 1_000));
      await runJobsOnce(t.app.ctx, JOBS);
      clock.set(new Date(Date.parse(bought.body.expiresAt) + 10_000));
      await runJobsOnce(t.app.ctx, JOBS);
      const failure = await t.app.ctx.db.selectFrom('outbox').select('payload').where('topic', '=', 'package.renewal_failed').executeTakeFirstOrThrow();
      const payload = JSON.parse(failure.payload) as { reason: string; retryUntil: string };
      assert.equal(payload.reason, 'line_status_invalid');
      assert.equal(payload.retryUntil, new Date(validUntil + 2 * DAY_MS).toISOString(), 'a top-up after the line\'s termination renews nothing');
      // Past that day the line is terminated: a top-up is refused and the pack is never renewed.
      clock.set(new Date(validUntil + 2 * DAY_MS + 60_000));
      await runJobsOnce(t.app.ctx, JOBS);
      const late = await t.request('POST', '/v1/topups', { body: { msisdn, amount: 100_000, currency: 'KZT' }, headers: { 'idempotency-key': 'top-2' } });
      assert.equal(late.body.error?.code, 'line_terminated', JSON.stringify(late.body));
      await t.verify();
    });

    it('after downtime past the line\'s termination, tells nothing: the lifecycle job terminates the line in the same catch-up', async () => {
      const msisdn = '+77013330022';
      assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn } })).status, 201);
      const topUp = await t.request('POST', '/v1/topups', { body: { msisdn, amount: 300_000, currency: 'KZT' }, headers: { 'idempotency-key': 'top-3' } });
      assert.equal(topUp.status, 201);
      const validUntil = Date.parse(topUp.body.line.validUntil);
      t.clock.advance(60_000);
      const bought = await t.request('POST', '/v1/purchases', { body: { msisdn, offering: 'PACK_30D', autoRenew: true }, headers: { 'idempotency-key': 'buy-3' } });
      assert.equal(bought.status, 201, JSON.stringify(bought.body));
      // Jobs down from before the validity's end until after the line's termination was due.
      t.clock.set(new Date(validUntil + 2 * DAY_MS + 60_000));
      await runJobsOnce(t.app.ctx, JOBS);
      assert.equal((await t.request('GET', `/v1/lines/${encodeURIComponent(msisdn)}`)).body.status, 'terminated');
      const failures = await t.app.ctx.db.selectFrom('outbox').select('payload').where('topic', '=', 'package.renewal_failed').execute();
      assert.deepEqual(failures.map((row) => JSON.parse(row.payload).packageId).filter((id) => id === bought.body.id), [], 'no \'top up by\' for a line being terminated');
      await t.verify();
    });
  });
}
