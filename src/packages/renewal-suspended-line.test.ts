import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';
import { loadSettings } from '../config.ts';
import { JOBS } from '../jobs/jobs.ts';
import { runJobsOnce } from '../jobs/scheduler.ts';
import { subscriberMessage } from '../lifecycle/subscriber-messages.ts';
import { ManualClock } from '../platform/clock.ts';

/**
 * With LIFECYCLE_GRACE_DAYS=0 a line whose validity ends is suspended at once, and a pack bought a
 * minute after the top-up that gave the validity ends on a suspended line: its renewal is refused
 * (line_status_invalid, status suspended). A top-up brings the line back and the retry renews and
 * charges the pack, so the SMS says so, as for a line in grace; a line the operator barred stays
 * suspended after a top-up, and its SMS says only that the pack could not be renewed.
 */
for (const dialect of DIALECTS) {
  describe(`a renewal refused on a suspended line [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    after(async () => t?.close());

    const failures = async () => (await t.app.ctx.db.selectFrom('outbox').select('payload').where('topic', '=', 'package.renewal_failed').orderBy('id').execute())
      .map((row) => JSON.parse(row.payload) as Record<string, unknown>);

    it('tells the subscriber a top-up renews it (and it does), unless the operator barred the line', async () => {
      const clock = new ManualClock(new Date('2027-03-01T06:00:00Z'));
      const base = loadSettings({});
      t = await startTestApp(dialect.name, { topup: { ...base.topup, bonus: { thresholdMin: 0n, percent: 0n, validityDays: 30 } }, lifecycle: { ...base.lifecycle, graceDays: 0 } }, clock);
      assert.equal((await t.request('POST', '/v1/admin/offerings', { body: {
        code: 'PACK_30D', kind: 'data', price: 100_000, validityDays: 30, allowances: { dataMb: 100 }, autoRenewAllowed: true, stacks: false,
        names: { en: 'Pack', ru: 'Pack', kk: 'Pack', zh: 'Pack' },
      } })).status, 201);
      const [free, barred] = ['+77013330011', '+77013330012'];
      const packs = new Map<string, string>();
      for (const msisdn of [free, barred]) {
        assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn } })).status, 201);
        assert.equal((await t.request('POST', '/v1/topups', { body: { msisdn, amount: 300_000, currency: 'KZT' }, headers: { 'idempotency-key': `top-${msisdn}` } })).status, 201);
      }
      clock.advance(60_000);
      for (const msisdn of [free, barred]) {
        const bought = await t.request('POST', '/v1/purchases', { body: { msisdn, offering: 'PACK_30D', autoRenew: true }, headers: { 'idempotency-key': `buy-${msisdn}` } });
        assert.equal(bought.status, 201, JSON.stringify(bought.body));
        packs.set(msisdn, bought.body.id);
      }
      assert.equal((await t.request('POST', `/v1/lines/${encodeURIComponent(barred)}/suspend`, { body: { reason: 'lost SIM' } })).status, 200);
      // The validity ends (the line is suspended at once), then the pack a minute later.
      clock.advance(30 * 86_400_000 - 60_000);
      await runJobsOnce(t.app.ctx, JOBS);
      clock.advance(60_000 + 10_000);
      await runJobsOnce(t.app.ctx, JOBS);
      for (const msisdn of [free, barred]) assert.equal((await t.request('GET', `/v1/lines/${encodeURIComponent(msisdn)}`)).body.status, 'suspended');
      const told = await failures();
      assert.equal(told.length, 2);
      const freeFailure = told.find((payload) => payload.packageId === packs.get(free));
      const barredFailure = told.find((payload) => payload.packageId === packs.get(barred));
      assert.equal((freeFailure!.details as { status: string }).status, 'suspended');
      const text = subscriberMessage('package.renewal_failed', freeFailure!, { offeringName: 'Pack' })!;
      assert.match(text, /validity has ended\. Top up by .* and it renews automatically/, text);
      for (const language of ['ru', 'kk', 'zh']) assert.notEqual(subscriberMessage('package.renewal_failed', { ...freeFailure, language }, { offeringName: 'Pack' }), subscriberMessage('package.renewal_failed', { ...barredFailure, language }, { offeringName: 'Pack' }));
      assert.equal(subscriberMessage('package.renewal_failed', barredFailure!, { offeringName: 'Pack' }), '"Pack" could not be renewed automatically.');

      // What the free line was told holds: a top-up brings it back and the pack renews, charged.
      for (const msisdn of [free, barred]) {
        assert.equal((await t.request('POST', '/v1/topups', { body: { msisdn, amount: 100_000, currency: 'KZT' }, headers: { 'idempotency-key': `top2-${msisdn}` } })).status, 201);
      }
      for (let run = 0; run < 3; run++) {
        clock.advance(30_000);
        await runJobsOnce(t.app.ctx, JOBS);
      }
      const periods = async (msisdn: string) => (await t.app.ctx.db.selectFrom('package_periods').select('period').where('package_id', '=', packs.get(msisdn)!).execute()).length;
      assert.equal(await periods(free), 2, 'renewed once the line is back');
      assert.equal(await periods(barred), 1, 'the barred line stays suspended: nothing renewed');
      await t.verify();
    });
  });
}
