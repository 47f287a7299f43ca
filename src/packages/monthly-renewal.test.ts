import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import { loadSettings } from '../config.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';
import { ManualClock } from '../platform/clock.ts';
import { renewDue, type RenewalLimits } from './auto-renew-job.ts';

const LIMITS: RenewalLimits = { periodsPerQueryMax: 100, queriesPerRunMax: 1, packagesPerRunMax: 10, retriesPerRunMax: 10, retiredPerRunMax: 10, inFlightMax: 4 };
/** An instant as the Almaty calendar day it falls on (UTC+5). */
const almatyDay = (iso: string) => new Date(Date.parse(iso) + 5 * 3_600_000).toISOString().slice(0, 10);

/** A monthly tariff bought on the 31st, renewed by the job seconds after each end: its day comes back after short months. */
for (const dialect of DIALECTS) {
  describe(`monthly periods renewed by the job [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    // 01:30 on 31 January in Almaty, still the 30th in UTC.
    const clock = new ManualClock(new Date('2027-01-30T20:30:00Z'));
    before(async () => {
      t = await startTestApp(dialect.name, { topup: { ...loadSettings({}).topup, validityDays: 3650 } }, clock);
      const tariff = await t.request('POST', '/v1/admin/offerings', { body: {
        code: 'MONTHLY_T', kind: 'tariff', price: 100_000, feePeriod: 'monthly', allowances: { dataGb: 1 }, stacks: false, autoRenewAllowed: true,
        names: { en: 'Monthly', ru: 'Monthly', kk: 'Monthly', zh: 'Monthly' },
      } });
      assert.equal(tariff.status, 201, JSON.stringify(tariff.body));
    });
    after(async () => t?.close());

    it('ends on 28 Feb, 31 Mar, 30 Apr, 31 May (Almaty), not the 28th for ever', async () => {
      assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn: '+77012229901' } })).status, 201);
      assert.equal((await t.request('POST', '/v1/topups', { body: { msisdn: '+77012229901', amount: 1_000_000, currency: 'KZT' }, headers: { 'idempotency-key': 'monthly-topup' } })).status, 201);
      const bought = await t.request('POST', '/v1/purchases', { body: { msisdn: '+77012229901', offering: 'MONTHLY_T', autoRenew: true }, headers: { 'idempotency-key': 'monthly-buy' } });
      assert.equal(bought.status, 201, JSON.stringify(bought.body));
      const ends = [bought.body.expiresAt as string];
      for (let month = 0; month < 3; month++) {
        clock.set(new Date(Date.parse(ends.at(-1)!) + 10_000));
        await renewDue(t.app.ctx, LIMITS);
        const latest = await t.app.ctx.db.selectFrom('package_periods').select(['starts_at', 'expires_at']).where('package_id', '=', bought.body.id).orderBy('period', 'desc').executeTakeFirstOrThrow();
        assert.equal(latest.starts_at, new Date(Date.parse(ends.at(-1)!)).toISOString(), 'the run continues from the end, not from the job\'s moment');
        ends.push(latest.expires_at);
      }
      assert.deepEqual(ends.map(almatyDay), ['2027-02-28', '2027-03-31', '2027-04-30', '2027-05-31']);
      await t.verify();
    });
  });
}
