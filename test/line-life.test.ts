import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from './support/databases.ts';
import { startTestApp, type TestApp } from './support/test-app.ts';
import { loadSettings } from '../src/config.ts';
import { seedCatalog } from '../src/catalog/seed-catalog.ts';
import { runJobsOnce } from '../src/jobs/scheduler.ts';
import { BREAKAGE_ACCOUNT_ID, consumptionAccountId, unitBreakageAccountId } from '../src/ledger/accounts.ts';
import { lifecycleJob } from '../src/lifecycle/lifecycle-job.ts';
import { autoRenewJob } from '../src/packages/auto-renew-job.ts';
import { expireBucketsJob } from '../src/packages/expire-buckets-job.ts';
import { accountBalance } from '../src/usage/test-buckets.ts';

const DAY_MS = 86_400_000;
const PACK_PRICE = 149_000;
const MB = 1_048_576;

/**
 * One line's life, day by day, through the API and the scheduler's jobs as they run in production:
 * top-ups, a data pack used and auto-renewed with money and without, renewed after a top-up, let
 * lapse, grace, reactivation from grace and from suspension, and termination with breakage. The
 * ledger is verified after every step.
 */
for (const dialect of DIALECTS) {
  describe(`a line's life over 250 days [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let start = 0;
    let keys = 0;
    const msisdn = '+77015550001';
    before(async () => {
      // No top-up bonus: the balances below are what the top-ups and packs make them.
      t = await startTestApp(dialect.name, { topup: { ...loadSettings({}).topup, bonus: { thresholdMin: 0n, percent: 0n, validityDays: 30 } } });
      await seedCatalog(t.app.ctx);
      start = t.clock.now().getTime();
    });
    after(async () => t?.close());

    const day = (n: number) => t.clock.set(new Date(start + n * DAY_MS));
    const dayIso = (n: number) => new Date(start + n * DAY_MS).toISOString();
    const jobs = () => runJobsOnce(t.app.ctx, [autoRenewJob, expireBucketsJob, lifecycleJob]);
    const line = async () => (await t.request('GET', `/v1/lines/${msisdn}`)).body;
    const topUp = async (amount: number) => {
      const response = await t.request('POST', '/v1/topups', { body: { msisdn, amount, currency: 'KZT' }, headers: { 'idempotency-key': `life-${++keys}` } });
      assert.equal(response.status, 201, JSON.stringify(response.body));
      return response.body;
    };
    const pack = async (id: string) => (await t.request('GET', `/v1/lines/${msisdn}/packages`)).body.data.find((p: { id: string }) => p.id === id);
    const expect = async (status: string, main: number, validUntilDay?: number) => {
      const now = await line();
      assert.deepEqual([now.status, now.balance.main], [status, main]);
      if (validUntilDay !== undefined) assert.equal(now.validUntil, dayIso(validUntilDay));
      await t.verify();
    };

    it('lives, renews, lapses, sleeps, wakes and ends, with the ledger sound at every step', async () => {
      // Day 0: a new SIM, its first top-up, a 1 GB pack on auto-renew.
      assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn, language: 'kk' } })).status, 201);
      await expect('preactive', 0);
      await topUp(300_000);
      await expect('active', 300_000, 30);
      const bought = await t.request('POST', '/v1/purchases', { body: { msisdn, offering: 'DATA_1GB_7D', autoRenew: true }, headers: { 'idempotency-key': `life-${++keys}` } });
      assert.equal(bought.status, 201, JSON.stringify(bought.body));
      const packId = bought.body.id as string;
      await expect('active', 300_000 - PACK_PRICE);
      const dataConsumed = await accountBalance(t.app.ctx, consumptionAccountId('DATA_BYTES'));
      const dataBroken = await accountBalance(t.app.ctx, unitBreakageAccountId('DATA_BYTES'));

      // Day 3: the network reports 100 MB, taken from the pack.
      day(3);
      const network = await t.keyFor('network');
      const used = await t.request('POST', '/v1/usage', { body: { events: [{ id: 'life-ev-1', msisdn, service: 'data', units: 100 * MB, at: dayIso(3) }] }, token: network });
      assert.deepEqual([used.body.results[0].consumed, used.body.results[0].charged], [100 * MB, 0]);
      assert.equal((await pack(packId)).allowances[0].remaining, 1024 * MB - 100 * MB);
      await expect('active', 151_000);

      // Day 7: the pack ends and renews from the balance; the unused units of a stacking pack stay in their bucket until it expires.
      day(7);
      await jobs();
      assert.equal((await pack(packId)).periods, 2);
      await expect('active', 151_000 - PACK_PRICE);

      // Day 14: it ends again with 20 ₸ on the balance: it lapses, and the subscriber is told once.
      day(14);
      await jobs();
      await jobs();
      const failed = await t.app.ctx.db.selectFrom('outbox').select('payload').where('topic', '=', 'package.renewal_failed').execute();
      assert.equal(failed.filter((event) => event.payload.includes(packId)).length, 1);
      assert.equal((await pack(packId)).status, 'awaiting_funds');
      await expect('active', 2_000);

      // Day 16: a top-up makes the balance enough; the next run renews the waiting pack.
      day(16);
      await topUp(200_000);
      await expect('active', 202_000, 60);
      await jobs();
      const renewed = await pack(packId);
      assert.deepEqual([renewed.status, renewed.periods], ['active', 3]);
      await expect('active', 202_000 - PACK_PRICE);

      // Day 23: it ends without money again and lapses; by day 31 its retry window (7 days) is over and its buckets have expired.
      day(23);
      await jobs();
      await expect('active', 53_000);
      day(31);
      await jobs();
      assert.equal(await pack(packId), undefined, 'no longer listed among the active packs');
      // Its three periods' 3 GB are gone: 100 MB used, the rest expired with their buckets (code expiry), to breakage.
      const usedData = await accountBalance(t.app.ctx, consumptionAccountId('DATA_BYTES')) - dataConsumed;
      assert.equal(usedData, 100n * BigInt(MB));
      assert.equal(usedData + await accountBalance(t.app.ctx, unitBreakageAccountId('DATA_BYTES')) - dataBroken, BigInt(3 * 1024 * MB));
      await expect('active', 53_000);

      // Day 60: validity ends: grace. Day 62: a top-up reactivates it, validity from now.
      day(60);
      await jobs();
      await expect('grace', 53_000, 60);
      day(62);
      const woken = await topUp(50_000);
      assert.equal(woken.line.status, 'active');
      await expect('active', 103_000, 92);

      // Day 92 grace, day 122 suspended (past the 120 days); day 130 a top-up wakes it again.
      day(92);
      await jobs();
      await expect('grace', 103_000);
      day(122);
      await jobs();
      await expect('suspended', 103_000);
      day(130);
      await topUp(50_000);
      await expect('active', 153_000, 160);

      // Never topped up again: grace at day 160, suspended at 190, terminated at 250, its balance to breakage.
      day(160);
      await jobs();
      await expect('grace', 153_000);
      day(190);
      await jobs();
      await expect('suspended', 153_000);
      day(249);
      await jobs();
      await expect('suspended', 153_000);
      const breakage = await accountBalance(t.app.ctx, BREAKAGE_ACCOUNT_ID);
      day(250);
      await jobs();
      await jobs();
      await expect('terminated', 0);
      assert.equal(await accountBalance(t.app.ctx, BREAKAGE_ACCOUNT_ID) - breakage, 153_000n, 'forfeited once');
      const steps = await t.app.ctx.db.selectFrom('line_events').select(['from_status', 'to_status']).where('line_id', '=', (await line()).id).orderBy('id').execute();
      assert.deepEqual(steps.map((s) => `${s.from_status}>${s.to_status}`), [
        'preactive>active', 'active>grace', 'grace>active', 'active>grace', 'grace>suspended', 'suspended>active', 'active>grace', 'grace>suspended', 'suspended>terminated',
      ]);
      assert.equal((await t.request('POST', '/v1/topups', { body: { msisdn, amount: 50_000, currency: 'KZT' }, headers: { 'idempotency-key': 'life-late' } })).body.error.code, 'line_terminated');
      assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn } })).body.error.code, 'number_quarantined');
      await t.verify();
    });
  });
}
