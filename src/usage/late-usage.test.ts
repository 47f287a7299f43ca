import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';
import { seedCatalog } from '../catalog/seed-catalog.ts';
import { runJobsOnce } from '../jobs/scheduler.ts';
import { autoRenewJob } from '../packages/auto-renew-job.ts';
import { expireBucketsJob } from '../packages/expire-buckets-job.ts';

for (const dialect of DIALECTS) {
  describe(`late usage events [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let network: string;
    before(async () => {
      t = await startTestApp(dialect.name);
      network = await t.keyFor('network');
      await seedCatalog(t.app.ctx);
    });
    after(async () => t?.close());

    it('an event reported hours late, from before its pack ended, draws on the pack though the expiry job has run since: not charged pay-as-you-go', async () => {
      const msisdn = '+77012500001';
      assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn } })).status, 201);
      assert.equal((await t.request('POST', '/v1/topups', { body: { msisdn, amount: 500_000, currency: 'KZT' }, headers: { 'idempotency-key': 'late-1' } })).status, 201);
      const bought = await t.request('POST', '/v1/purchases', { body: { msisdn, offering: 'VOICE_100MIN_30D', autoRenew: false }, headers: { 'idempotency-key': 'late-2' } });
      assert.equal(bought.status, 201, JSON.stringify(bought.body));
      const end = Date.parse(bought.body.expiresAt);
      // A 10-minute call ending a minute before the pack's end, its record held by mediation for 3 hours.
      const call = { id: 'late-call-1', msisdn, service: 'voice', units: 600, at: new Date(end - 60_000).toISOString() };
      t.clock.set(new Date(end + 3 * 3_600_000));
      await runJobsOnce(t.app.ctx, [autoRenewJob, expireBucketsJob]);
      const balance = (await t.request('GET', `/v1/lines/${msisdn}`)).body.balance.main;
      const response = await t.request('POST', '/v1/usage', { body: { events: [call] }, token: network });
      assert.equal(response.status, 200, JSON.stringify(response.body));
      assert.deepEqual(response.body.results.map((r: any) => [r.status, r.consumed, r.charged, r.uncovered]), [['recorded', 600, 0, 0]]);
      assert.equal((await t.request('GET', `/v1/lines/${msisdn}`)).body.balance.main, balance);
      // Once USAGE_LATE_EVENT_HOURS (24) have passed since the end, what is left goes to breakage.
      const forfeited = async () => (await t.app.ctx.db.selectFrom('ledger_transfers').select('amount').where('code', '=', 'expiry').execute()).map((r) => Number(r.amount));
      t.clock.set(new Date(end + 24 * 3_600_000 - 1_000));
      await runJobsOnce(t.app.ctx, [autoRenewJob, expireBucketsJob]);
      assert.deepEqual(await forfeited(), []);
      t.clock.set(new Date(end + 24 * 3_600_000));
      await runJobsOnce(t.app.ctx, [autoRenewJob, expireBucketsJob]);
      assert.deepEqual(await forfeited(), [100 * 60 - 600]);
      await t.verify();
    });
  });
}
