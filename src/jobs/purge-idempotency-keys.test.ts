import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';
import { purgeIdempotencyKeysJob } from './purge-idempotency-keys.ts';
import { runJobsOnce } from './scheduler.ts';

for (const dialect of DIALECTS) {
  describe(`purge idempotency keys [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(dialect.name);
      await t.request('POST', '/v1/lines', { body: { msisdn: '+77011234567' } });
    });
    after(async () => t?.close());

    it('keeps answers for the retention time (at least 24 h), then forgets them', async () => {
      const body = { msisdn: '+77011234567', amount: 50_000, currency: 'KZT' };
      const first = await t.request('POST', '/v1/topups', { body, headers: { 'idempotency-key': 'kept' } });
      t.clock.advance(47 * 3_600_000);
      assert.equal(await purgeIdempotencyKeysJob.run(t.app.ctx), 0);
      const replay = await t.request('POST', '/v1/topups', { body, headers: { 'idempotency-key': 'kept' } });
      assert.equal(replay.body.id, first.body.id);
      t.clock.advance(2 * 3_600_000);
      assert.deepEqual(await runJobsOnce(t.app.ctx, [purgeIdempotencyKeysJob]), { 'purge-idempotency-keys': 1 });
    });
  });
}
