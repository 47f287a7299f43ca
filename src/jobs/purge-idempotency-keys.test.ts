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

    it('an agent deposit\'s answer is kept the retention time too, then its key may record another deposit', async () => {
      const agent = (await t.request('POST', '/v1/admin/agents', { body: { name: 'Kiosk', commissionBasisPoints: 100 } })).body;
      const deposit = (reference: string) => t.request('POST', `/v1/admin/agents/${agent.id}/deposits`, { body: { amount: 1_000_000, reference }, headers: { 'idempotency-key': 'bank-day' } });
      assert.equal((await deposit('bank 1')).status, 201);
      t.clock.advance(47 * 3_600_000);
      await purgeIdempotencyKeysJob.run(t.app.ctx);
      assert.equal((await deposit('bank 1')).headers['idempotent-replayed'], 'true');
      t.clock.advance(2 * 3_600_000);
      await purgeIdempotencyKeysJob.run(t.app.ctx);
      const next = await deposit('bank 2');
      assert.equal(next.status, 201, JSON.stringify(next.body));
      assert.equal(next.body.floatBalanceAfter, 2_000_000);
    });

    it('deletes a backlog larger than one chunk (1,000 rows) in one run, and only expired keys', async () => {
      const BACKLOG = 2_500;
      const now = t.clock.now();
      const at = (offsetMs: number) => new Date(now.getTime() + offsetMs).toISOString();
      const row = (key: string, expiresAt: string | null) => ({ key, fingerprint: 'f', status_code: 201n, response: '{}', created_at: at(-86_400_000), expires_at: expiresAt });
      const rows = Array.from({ length: BACKLOG }, (_, n) => row(`backlog-${n}`, at(-1_000 - n)));
      for (let start = 0; start < rows.length; start += 500) await t.app.ctx.db.insertInto('idempotency_keys').values(rows.slice(start, start + 500)).execute();
      await t.app.ctx.db.insertInto('idempotency_keys').values([row('expires-in-a-second', at(1_000)), row('kept-forever', null)]).execute();
      assert.equal(await purgeIdempotencyKeysJob.run(t.app.ctx), BACKLOG);
      const left = await t.app.ctx.db.selectFrom('idempotency_keys').select('key').where('key', 'in', ['expires-in-a-second', 'kept-forever']).orderBy('key').execute();
      assert.deepEqual(left.map((r) => r.key), ['expires-in-a-second', 'kept-forever']);
      assert.equal(await purgeIdempotencyKeysJob.run(t.app.ctx), 0);
    });
  });
}
