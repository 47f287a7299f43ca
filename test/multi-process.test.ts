import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createApp, type App } from '../src/app.ts';
import { SYSTEM_ACTOR } from '../src/auth/actor.ts';
import { createApiKey } from '../src/auth/create-api-key.ts';
import { loadSettings } from '../src/config.ts';
import { verifyLedger } from '../src/ledger/verify-ledger.ts';
import type { JobRun } from '../src/jobs/job.ts';
import { lifecycleJob } from '../src/lifecycle/lifecycle-job.ts';
import { renewDue, RENEWAL_LIMITS } from '../src/packages/auto-renew-job.ts';
import { ManualClock } from '../src/platform/clock.ts';
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
    // One clock for both, as two servers share the time of day.
    const clock = new ManualClock(new Date());
    before(async () => {
      database = await createTestDatabase(dialect.name);
      const settings = { ...loadSettings({}), databaseUrl: database.url, seedDemo: false, lifecycle: { ...loadSettings({}).lifecycle, linesPerRunMax: 15 } };
      apps = [await createApp(settings, { logLevel: 'silent', clock }), await createApp(settings, { logLevel: 'silent', clock })];
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

    it('a backlog of renewals and lifecycle steps worked off by both instances at once, run after run: each pack renewed and charged once, each step once', async () => {
      const offering = await call(apps[0]!, 'POST', '/v1/admin/offerings', {
        code: 'MP_WEEK', kind: 'data', price: 60_000, validityDays: 7, allowances: { dataMb: 500 }, autoRenewAllowed: true, names: { en: 'Week', ru: 'Неделя', kk: 'Апта', zh: '周包' },
      });
      assert.equal(offering.status, 201, JSON.stringify(offering.body));
      const msisdns = Array.from({ length: 60 }, (_, i) => `+7701555${String(i).padStart(4, '0')}`);
      const packs: string[] = [];
      for (const [i, msisdn] of msisdns.entries()) {
        assert.equal((await call(apps[i % 2]!, 'POST', '/v1/lines', { msisdn })).status, 201);
        assert.equal((await call(apps[i % 2]!, 'POST', '/v1/topups', { msisdn, amount: 200_000, currency: 'KZT' }, `mp-topup-${i}`)).status, 201);
        const bought = await call(apps[(i + 1) % 2]!, 'POST', '/v1/purchases', { msisdn, offering: 'MP_WEEK', autoRenew: true }, `mp-buy-${i}`);
        assert.equal(bought.status, 201, JSON.stringify(bought.body));
        packs.push(bought.body.id);
      }
      const drain = async (run: () => Promise<JobRun>) => {
        let runs = 0;
        while ((await run()).more) assert.ok(++runs < 100);
        return runs;
      };
      const limits = { ...RENEWAL_LIMITS, packagesPerRunMax: 7, inFlightMax: 4 };
      clock.advance(7 * 86_400_000 + 60_000);
      const runs = await Promise.all(apps.flatMap((app) => [drain(() => renewDue(app.ctx, limits)), drain(() => renewDue(app.ctx, limits))]));
      assert.ok(runs.some((n) => n > 0), 'the limit made the runs follow one another');
      const periods = await apps[0]!.ctx.db.selectFrom('package_periods').select('package_id').where('package_id', 'in', packs).execute();
      assert.equal(periods.length, 120, 'every pack renewed once');
      for (const msisdn of msisdns) assert.equal((await call(apps[1]!, 'GET', `/v1/lines/${msisdn}`)).body.balance.main, 200_000 - 2 * 60_000, msisdn);
      const renewed = await apps[0]!.ctx.db.selectFrom('outbox').select('id').where('topic', '=', 'package.renewed').execute();
      assert.equal(renewed.length, 60);
      // Past the lines' validity: both instances move every line into grace, 15 lines a run.
      clock.advance(31 * 86_400_000);
      await Promise.all(apps.map((app) => drain(async () => (await lifecycleJob.run(app.ctx)) as JobRun)));
      const lineIds = (await apps[0]!.ctx.db.selectFrom('lines').select('id').where('msisdn', 'in', msisdns).execute()).map((line) => line.id);
      const steps = await apps[0]!.ctx.db.selectFrom('line_events').select(['line_id', 'to_status']).where('line_id', 'in', lineIds).where('to_status', '=', 'grace').execute();
      assert.equal(steps.length, 60, 'one step each');
      assert.equal(new Set(steps.map((step) => step.line_id)).size, 60);
      const report = await verifyLedger(apps[0]!.store);
      assert.deepEqual(report.problems, []);
    });
  });
}
