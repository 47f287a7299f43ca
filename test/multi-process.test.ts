import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createApp, type App } from '../src/app.ts';
import { SYSTEM_ACTOR } from '../src/auth/actor.ts';
import { createApiKey } from '../src/auth/create-api-key.ts';
import { loadSettings } from '../src/config.ts';
import { verifyLedger } from '../src/ledger/verify-ledger.ts';
import { createTestDatabase, DIALECTS, type TestDatabase } from './support/databases.ts';

/**
 * Two Tolem instances on one database, as behind a load balancer: each has its own ledger writer,
 * so correctness rests on the database's locks (row locks and advisory locks on PostgreSQL, the
 * write lock on SQLite). Same-key retries landing on both credit once; distinct top-ups add up;
 * receipt numbers stay gapless.
 */
for (const dialect of DIALECTS) {
  describe(`two instances on one database [${dialect.name}]`, { skip: dialect.skip }, () => {
    let database: TestDatabase;
    let apps: App[] = [];
    let key: string;
    before(async () => {
      database = await createTestDatabase(dialect.name);
      const settings = { ...loadSettings({}), databaseUrl: database.url, seedDemo: false };
      apps = [await createApp(settings, { logLevel: 'silent' }), await createApp(settings, { logLevel: 'silent' })];
      const created = await createApiKey(apps[0]!.ctx, SYSTEM_ACTOR, { name: 'lb', role: 'admin' });
      assert.ok(created.ok);
      key = created.value.key;
    });
    after(async () => {
      for (const app of apps) await app.close();
      await database?.drop();
    });

    const call = (app: App, method: string, url: string, body?: unknown, idempotencyKey?: string) => app.server.inject({
      method: method as 'GET', url, payload: body === undefined ? undefined : JSON.stringify(body),
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...(idempotencyKey ? { 'idempotency-key': idempotencyKey } : {}) },
    }).then((r) => ({ status: r.statusCode, body: r.json() }));

    it('credits a key once, adds distinct top-ups exactly, and numbers receipts without gaps', async () => {
      const msisdns = ['+77011230001', '+77051230002', '+77071230003'];
      for (const msisdn of msisdns) assert.equal((await call(apps[0]!, 'POST', '/v1/lines', { msisdn })).status, 201);
      const same = Array.from({ length: 60 }, (_, i) => call(apps[i % 2]!, 'POST', '/v1/topups', { msisdn: msisdns[0], amount: 70_000, currency: 'KZT' }, 'shared-key'));
      const distinct = Array.from({ length: 300 }, (_, i) => call(apps[i % 2]!, 'POST', '/v1/topups', { msisdn: msisdns[i % 3], amount: 50_000 + i, currency: 'KZT' }, `key-${i}`));
      const [sameAnswers, distinctAnswers] = await Promise.all([Promise.all(same), Promise.all(distinct)]);
      assert.ok(sameAnswers.every((a) => a.status === 201), JSON.stringify(sameAnswers.find((a) => a.status !== 201)));
      assert.equal(new Set(sameAnswers.map((a) => a.body.id)).size, 1);
      assert.ok(distinctAnswers.every((a) => a.status === 201), JSON.stringify(distinctAnswers.find((a) => a.status !== 201)));
      let expected = 70_000;
      for (const answer of distinctAnswers) expected += answer.body.amount;
      let total = 0;
      for (const msisdn of msisdns) total += (await call(apps[1]!, 'GET', `/v1/lines/${msisdn}`)).body.balance.main;
      assert.equal(total, expected);
      const receipts = await apps[0]!.ctx.db.selectFrom('receipts').select('number').execute();
      const sequence = receipts.map((r) => Number(r.number.split('-')[2])).sort((a, b) => a - b);
      assert.deepEqual(sequence, Array.from({ length: 301 }, (_, i) => i + 1));
      const report = await verifyLedger(apps[0]!.store);
      assert.deepEqual(report.problems, []);
    });
  });
}
