import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';
import { ok } from '../domain/result.ts';
import { runJobsOnce } from '../jobs/scheduler.ts';
import { consumptionAccountId } from '../ledger/accounts.ts';
import { accountBalance, grantTestBucket } from '../usage/test-buckets.ts';
import { unitBreakageAccountId } from './forfeit-line-balances.ts';
import { lifecycleJob } from './lifecycle-job.ts';
import { bucketAccountIdsOf } from './lifecycle-repository.ts';

const DAY_MS = 86_400_000;

for (const dialect of DIALECTS) {
  describe(`termination locks only the buckets that hold units [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    before(async () => { t = await startTestApp(dialect.name); });
    after(async () => t?.close());

    /** Uses `units` of a bucket, as usage would. */
    const use = async (bucketId: string, units: bigint) => {
      const result = await t.app.ctx.writer.submit({
        name: 'test-use', lock: { accounts: [bucketId, consumptionAccountId('DATA_BYTES')] },
        execute(tx) {
          const moved = tx.transfer({ debitAccountId: bucketId, creditAccountId: consumptionAccountId('DATA_BYTES'), amount: units, unit: 'DATA_BYTES', code: 'usage' });
          return moved.ok ? ok(moved.id) : { ok: false as const, error: { code: moved.code } };
        },
      });
      assert.ok(result.ok);
    };

    it('leaves used-up buckets out of the lock list and still forfeits every remaining unit', async () => {
      const start = t.clock.now().getTime();
      const msisdn = '+77011900001';
      const created = await t.request('POST', '/v1/lines', { body: { msisdn } });
      const lineId = created.body.id as string;
      assert.equal((await t.request('POST', '/v1/topups', { body: { msisdn, amount: 100_000, currency: 'KZT' }, headers: { 'idempotency-key': 'bf-1' } })).status, 201);
      const expiresAt = new Date(start + 400 * DAY_MS).toISOString();
      const full = await grantTestBucket(t.app.ctx, lineId, 'DATA_BYTES', 1_000_000n, expiresAt);
      const partly = await grantTestBucket(t.app.ctx, lineId, 'DATA_BYTES', 500_000n, expiresAt);
      const usedUp = await grantTestBucket(t.app.ctx, lineId, 'DATA_BYTES', 200_000n, expiresAt);
      await use(partly, 300_000n);
      await use(usedUp, 200_000n);
      assert.deepEqual((await bucketAccountIdsOf(t.app.ctx, lineId)).sort(), [full, partly].sort());
      const breakageBefore = await accountBalance(t.app.ctx, unitBreakageAccountId('DATA_BYTES'));
      // Validity 30 days, grace 30, suspended 60: terminated from day 120.
      t.clock.set(new Date(start + 121 * DAY_MS));
      await runJobsOnce(t.app.ctx, [lifecycleJob]);
      assert.equal((await t.request('GET', `/v1/lines/${msisdn}`)).body.status, 'terminated');
      for (const bucketId of [full, partly, usedUp]) assert.equal(await accountBalance(t.app.ctx, bucketId), 0n);
      assert.equal(await accountBalance(t.app.ctx, unitBreakageAccountId('DATA_BYTES')) - breakageBefore, 1_200_000n);
      assert.deepEqual(await bucketAccountIdsOf(t.app.ctx, lineId), []);
      await t.verify();
    });
  });
}
