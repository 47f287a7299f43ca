import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';
import { loadSettings } from '../config.ts';
import { runJobsOnce } from '../jobs/scheduler.ts';
import { ManualClock } from '../platform/clock.ts';
import { lifecycleJob } from './lifecycle-job.ts';
import { subscriberMessage } from './subscriber-messages.ts';

const DAY_MS = 86_400_000;

/**
 * A line whose grace is over when the step into it is applied goes on to suspension in the same
 * run: at once with LIFECYCLE_GRACE_DAYS=0, or after the jobs were down longer than the grace.
 * Only the suspension's SMS goes out then: "incoming calls only" would not hold for a line with no
 * service, as the grace's and suspension's SMS say nothing once termination is due.
 */
for (const dialect of DIALECTS) {
  describe(`the SMS of a grace followed at once by suspension [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    after(async () => t?.close());

    const texts = async (lineId: string, now: string) => (await t.app.ctx.db.selectFrom('outbox').select(['payload']).where('topic', '=', 'line.status_changed').orderBy('id').execute())
      .map((row) => JSON.parse(row.payload) as Record<string, unknown>).filter((payload) => payload.lineId === lineId && payload.reason !== 'topup')
      .map((payload) => [payload.to, subscriberMessage('line.status_changed', payload, { now, suspendedDays: t.app.ctx.settings.lifecycle.suspendedDays })]);

    for (const [name, graceDays, downDays] of [['LIFECYCLE_GRACE_DAYS=0', 0, 0], ['jobs down longer than the grace', 30, 31]] as const) {
      it(`tells only of the suspension (${name})`, async () => {
        await t?.close();
        const clock = new ManualClock(new Date('2027-03-01T06:00:00Z'));
        const base = loadSettings({});
        t = await startTestApp(dialect.name, { lifecycle: { ...base.lifecycle, graceDays } }, clock);
        const msisdn = '+77013330031';
        const lineId = (await t.request('POST', '/v1/lines', { body: { msisdn } })).body.id as string;
        const topUp = await t.request('POST', '/v1/topups', { body: { msisdn, amount: 100_000, currency: 'KZT' }, headers: { 'idempotency-key': 'top-1' } });
        assert.equal(topUp.status, 201);
        clock.set(new Date(Date.parse(topUp.body.line.validUntil) + downDays * DAY_MS + 1_000));
        assert.equal((await runJobsOnce(t.app.ctx, [lifecycleJob]))['line-lifecycle'], 2);
        assert.equal((await t.request('GET', `/v1/lines/${msisdn}`)).body.status, 'suspended');
        const told = await texts(lineId, clock.now().toISOString());
        assert.deepEqual(told.map(([to]) => to), ['grace', 'suspended']);
        assert.equal(told[0]![1], null, 'no "incoming calls only" for a line suspended in the same run');
        assert.match(String(told[1]![1]), /suspended\. Top up within \d+ days/);
      });
    }
  });
}
