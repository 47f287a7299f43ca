import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';
import { createContext, type AppContext } from '../app-context.ts';
import { createMetrics } from '../http/metrics.ts';
import { openStore, type Store } from '../store/open-store.ts';
import type { Job } from './job.ts';
import { databaseLeases, leaseMsOf, whileHolding, type JobLeases, type LeaseTaken } from './job-leases.ts';
import { JOBS } from './jobs.ts';
import { runJobsUntilCaughtUp, startScheduler } from './scheduler.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls until the condition holds; fails after 10 s. */
async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!(await condition())) {
    assert.ok(Date.now() < deadline, 'timed out');
    await sleep(20);
  }
}

/**
 * Two processes on one database (two stores and contexts, as two servers would have): each job
 * runs in one of them at a time, the other takes over when the holder stops or dies, and a job of
 * every process runs in both.
 */
for (const dialect of DIALECTS) {
  describe(`job leases [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let otherStore: Store;
    let other: AppContext;
    before(async () => {
      t = await startTestApp(dialect.name);
      otherStore = await openStore(t.app.ctx.settings.databaseUrl);
      other = createContext(t.app.ctx.settings, otherStore, { clock: t.clock });
    });
    after(async () => {
      await other?.writer.close();
      await otherStore?.close();
      await t?.close();
    });

    /** A job that records which process ran it. */
    const recording = (name: string, runs: string[], process: string, everyProcess = false): Job => ({
      name, intervalMs: 25, everyProcess, run: async () => { runs.push(process); return 1; },
    });

    it('runs each job in one process at a time; the other takes it over when the holder stops; a job of every process runs in both', async () => {
      const runs: string[] = [];
      const shared: string[] = [];
      const metrics = createMetrics();
      const first = databaseLeases(t.app.ctx, 'first');
      const second = databaseLeases(other, 'second');
      const errors: unknown[] = [];
      const report = (error: unknown) => errors.push(error);
      const stopFirst = startScheduler({ ...t.app.ctx, reportError: report }, [recording('lease-test', runs, 'first'), recording('lease-shared', shared, 'first', true)], { leases: first });
      let stopSecond = async () => {};
      try {
        await sleep(60);
        stopSecond = startScheduler({ ...other, reportError: report }, [recording('lease-test', runs, 'second'), recording('lease-shared', shared, 'second', true)], { leases: second, observer: metrics.jobObserver });
        // A new store's first statement can take a few hundred ms on a loaded machine: wait for the second's turns.
        const heldElsewhere = /tolem_job_runs_total\{job="lease-test",outcome="elsewhere"\} ([3-9]|\d\d+)/;
        await waitFor(async () => heldElsewhere.test(await metrics.registry.metrics()) && shared.includes('second'));
        assert.deepEqual(errors, []);
        assert.ok(runs.length >= 5, `runs: ${runs.length}`);
        assert.deepEqual(new Set(runs), new Set(['first']), 'only the holder ran the job');
        assert.deepEqual(new Set(shared), new Set(['first', 'second']), 'a job of every process ran in both');
        // The holder stops and gives up its lease: the other process runs the job from its next tick.
        await stopFirst();
        const handedOver = runs.length;
        await waitFor(async () => runs.slice(handedOver).filter((process) => process === 'second').length >= 2);
        await stopSecond();
        assert.deepEqual(new Set(runs.slice(handedOver)), new Set(['second']), JSON.stringify(runs.slice(handedOver)));
      } finally {
        await stopFirst();
        await stopSecond();
      }
      assert.deepEqual(errors, []);
      assert.equal(await t.app.ctx.db.selectFrom('job_leases').select('job').where('job', 'in', ['lease-test', 'lease-shared']).executeTakeFirst(), undefined, 'stopped schedulers hold nothing');
    });

    it('a holder that died is replaced once its lease has run out; a lease from a clock since gone back is taken over', async () => {
      const job: Job = { name: 'lease-expiry', intervalMs: 10 * 60_000, run: async () => 0 };
      const first = databaseLeases(t.app.ctx, 'first');
      const second = databaseLeases(other, 'second');
      const leaseMs = leaseMsOf(job);
      assert.equal(leaseMs, 15 * 60_000, 'three intervals, at most 15 minutes');
      assert.deepEqual(await first.take(job), { taken: true });
      const refused = await second.take(job) as Extract<LeaseTaken, { taken: false }>;
      assert.equal(refused.taken, false);
      assert.equal(refused.holder, 'first');
      assert.equal(refused.heldUntil, new Date(t.clock.now().getTime() + leaseMs).toISOString());
      // The holder renews; its row remembers since when it has held the job.
      const takenAt = t.clock.now().toISOString();
      t.clock.advance(leaseMs - 1_000);
      assert.deepEqual(await first.take(job), { taken: true });
      assert.equal((await t.app.ctx.db.selectFrom('job_leases').select('taken_at').where('job', '=', job.name).executeTakeFirstOrThrow()).taken_at, takenAt);
      // The holder dies (no more renewals): the lease runs out, the other takes it.
      t.clock.advance(leaseMs - 1_000);
      assert.equal((await second.take(job)).taken, false, 'not before its end');
      t.clock.advance(1_000);
      assert.deepEqual(await second.take(job), { taken: true });
      assert.equal((await first.take(job)).taken, false, 'the old holder has lost it');
      // A clock gone back by more than a lease: the lease ends too far ahead to be real.
      t.clock.advance(-3 * leaseMs);
      assert.deepEqual(await first.take(job), { taken: true });
      t.clock.advance(3 * leaseMs);
      await first.release(job);
      await second.release(job);
    });

    it('a run longer than its lease keeps it, renewed while it runs', async () => {
      const job: Job = { name: 'lease-long-run', intervalMs: 10 * 60_000, run: async () => 0 };
      const leaseMs = leaseMsOf(job);
      const first = databaseLeases(t.app.ctx, 'first', { renewEveryMs: 20 });
      const second = databaseLeases(other, 'second');
      const seen: boolean[] = [];
      job.run = async () => {
        // Two leases long by the clock; the renewals every 20 ms keep it this process's.
        for (let step = 0; step < 4; step++) {
          t.clock.advance(leaseMs / 2);
          await sleep(80);
          seen.push((await second.take(job)).taken);
        }
        return 1;
      };
      assert.deepEqual(await runJobsUntilCaughtUp(t.app.ctx, [job], first), { 'lease-long-run': 1 });
      assert.deepEqual(seen, [false, false, false, false]);
      assert.deepEqual(await second.take(job), { taken: true }, 'given back at the end of the run');
      await second.release(job);
    });

    it('a run that hangs keeps its lease only so long: then another process may take the job', async () => {
      const job: Job = { name: 'lease-hung-run', intervalMs: 10 * 60_000, run: async () => 0 };
      const leaseMs = leaseMsOf(job);
      const first = databaseLeases(t.app.ctx, 'first', { renewEveryMs: 20, runHeldMaxMs: 100 });
      const second = databaseLeases(other, 'second');
      let takenByOther: boolean | null = null;
      job.run = async () => {
        await sleep(200);
        // Past the cap the renewals have stopped: the lease runs out by the clock and stays out.
        t.clock.advance(leaseMs + 1_000);
        await sleep(100);
        takenByOther = (await second.take(job)).taken;
        return 1;
      };
      assert.deepEqual(await runJobsUntilCaughtUp(t.app.ctx, [job], first), { 'lease-hung-run': 1 });
      assert.equal(takenByOther, true);
      await second.release(job);
    });

    it('a failed renewal during a run is reported, and the run goes on', async () => {
      const job: Job = { name: 'lease-renewal-fails', intervalMs: 10 * 60_000, run: async () => 0 };
      const real = databaseLeases(t.app.ctx, 'first', { renewEveryMs: 20 });
      let takes = 0;
      const flaky: JobLeases = { ...real, take: async (leased) => (++takes === 1 ? real.take(leased) : Promise.reject(new Error('database away'))), release: real.release };
      const reported: unknown[] = [];
      // Runs until two renewals have failed (every 20 ms; a loaded machine's timers come late), 10 s at most.
      job.run = async () => {
        for (const started = Date.now(); reported.length < 2 && Date.now() - started < 10_000;) await sleep(20);
        return 1;
      };
      const held = await whileHolding(flaky, job, () => job.run(t.app.ctx), (error) => reported.push(error));
      assert.deepEqual(held, { value: 1, kept: true });
      assert.ok(reported.length >= 2 && reported.every((error) => (error as Error).message === 'database away'), String(reported.length));
      await real.release(job);
    });

    it('a process whose run failed gives the job up: a healthy process takes it over', async () => {
      const runs: string[] = [];
      const errors: unknown[] = [];
      const failing: Job = { name: 'lease-failing', intervalMs: 25, run: async () => { runs.push('first'); throw new Error('this process cannot reach the provider'); } };
      const healthy = recording('lease-failing', runs, 'second');
      const stopFirst = startScheduler({ ...t.app.ctx, reportError: (error: unknown) => errors.push(error) }, [failing], { leases: databaseLeases(t.app.ctx, 'first') });
      let stopSecond = async () => {};
      try {
        await waitFor(async () => runs.includes('first'));
        stopSecond = startScheduler({ ...other, reportError: (error: unknown) => errors.push(error) }, [healthy], { leases: databaseLeases(other, 'second') });
        await waitFor(async () => runs.filter((process) => process === 'second').length >= 3);
        const since = runs.lastIndexOf('first');
        await sleep(100);
        assert.deepEqual(new Set(runs.slice(since + 1)), new Set(['second']), 'once taken over, the healthy process keeps the job');
      } finally {
        await stopFirst();
        await stopSecond();
      }
      assert.ok(errors.length >= 1 && errors.every((error) => (error as Error).message === 'this process cannot reach the provider'));
    });

    it('GET /v1/admin/jobs shows each job and the process holding its lease (admin only)', async () => {
      const renewals = JOBS.find((job) => job.name === 'packages.auto_renew')!;
      const leases = databaseLeases(other, 'host/123/abcd');
      const takenAt = t.clock.now().toISOString();
      assert.deepEqual(await leases.take(renewals), { taken: true });
      try {
        const answer = await t.request('GET', '/v1/admin/jobs');
        assert.equal(answer.status, 200);
        assert.deepEqual(answer.body.data.map((job: { name: string }) => job.name), JOBS.map((job) => job.name));
        const byName = new Map(answer.body.data.map((job: { name: string }) => [job.name, job]));
        assert.deepEqual(byName.get('packages.auto_renew'), {
          name: 'packages.auto_renew', intervalMs: 10_000, everyProcess: false, leaseMs: 30_000,
          lease: { holder: 'host/123/abcd', heldUntil: new Date(t.clock.now().getTime() + 30_000).toISOString(), takenAt },
        });
        assert.deepEqual(byName.get('sms'), { name: 'sms', intervalMs: 5_000, everyProcess: true, leaseMs: null, lease: null });
        assert.equal((await t.request('GET', '/v1/admin/jobs', { token: await t.keyFor('clerk') })).body.error.code, 'forbidden');
        assert.equal((await t.request('GET', '/v1/admin/jobs?limit=5')).body.error.code, 'validation_failed');
      } finally {
        await leases.release(renewals);
      }
    });

    it('tolem jobs leaves a job another process holds to it, runs the others, and gives back the leases it took', async () => {
      const runs: string[] = [];
      const held = recording('lease-held', runs, 'cli');
      const free = recording('lease-free', runs, 'cli');
      const server = databaseLeases(t.app.ctx, 'server');
      assert.deepEqual(await server.take(held), { taken: true });
      const left: string[] = [];
      const handled = await runJobsUntilCaughtUp(other, [held, free], databaseLeases(other, 'cli'), (job, lease) => left.push(`${job.name} ${lease.taken ? '' : lease.holder}`));
      assert.deepEqual(handled, { 'lease-free': 1 });
      assert.deepEqual(left, ['lease-held server']);
      const rows = await t.app.ctx.db.selectFrom('job_leases').select(['job', 'holder']).where('job', 'in', ['lease-held', 'lease-free']).execute();
      assert.deepEqual(rows, [{ job: 'lease-held', holder: 'server' }], 'the CLI gave back its lease, the server keeps its own');
      await server.release(held);
      assert.deepEqual(await runJobsUntilCaughtUp(other, [held], databaseLeases(other, 'cli')), { 'lease-held': 1 });
    });
  });
}
