import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppContext } from '../app-context.ts';
import { createMetrics } from '../http/metrics.ts';
import { IDLE_RERUNS_MAX, mapInFlight, type Job, type JobRun } from './job.ts';
import { JobsFailedError, runJobsOnce, runJobsUntilCaughtUp, startScheduler } from './scheduler.ts';

const errors: unknown[] = [];
const ctx = { reportError: (error: unknown) => errors.push(error) } as unknown as AppContext;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('scheduler', () => {
  it('runs a job again at once while its runs stop at their limit with more due, and waits its interval once caught up', async () => {
    const backlog = { left: 5 };
    const runsAt: number[] = [];
    const job: Job = {
      name: 'backlog', intervalMs: 150,
      async run(): Promise<JobRun> {
        runsAt.push(performance.now());
        const taken = Math.min(2, backlog.left);
        backlog.left -= taken;
        return { handled: taken, more: taken === 2 };
      },
    };
    const stop = startScheduler(ctx, [job]);
    await sleep(380);
    await stop();
    // 2 + 2 + 1 at the first tick (the third run came back short), nothing more due at the second.
    assert.equal(backlog.left, 0);
    assert.equal(runsAt.length, 4, 'three runs back to back, then one at the next interval');
    assert.ok(runsAt[2]! - runsAt[0]! < 100, 'the backlog was worked off without waiting an interval');
    assert.ok(runsAt[3]! - runsAt[2]! > 100, 'caught up: the next run waited its interval');
    assert.deepEqual(errors, []);
  });

  it('a job answering a number runs once an interval; stop waits for a running job and ends the backlog', async () => {
    let runs = 0;
    let finished = 0;
    const plain: Job = { name: 'plain', intervalMs: 50, run: async () => ++runs };
    const endless: Job = { name: 'endless', intervalMs: 50, async run() { await sleep(5); finished++; return { handled: 1, more: true }; } };
    assert.deepEqual(await runJobsOnce(ctx, [plain, endless]), { plain: 1, endless: 1 });
    const stop = startScheduler(ctx, [plain, endless]);
    await sleep(130);
    await stop();
    const after = finished;
    await sleep(30);
    assert.equal(finished, after, 'no run after stop');
    assert.ok(runs >= 2 && runs <= 4, String(runs));
    assert.ok(finished > 10, String(finished));
  });

  it('counts runs, items and failures per job for /metrics, and stamps when each last caught up', async () => {
    const metrics = createMetrics();
    const backlog = { left: 3 };
    const job: Job = { name: 'backlog', intervalMs: 40, async run() {
      const taken = Math.min(2, backlog.left);
      backlog.left -= taken;
      return { handled: taken, more: taken === 2 };
    } };
    const failing: Job = { name: 'failing', intervalMs: 40, run: async () => { throw new Error('database away'); } };
    const reported: unknown[] = [];
    const stop = startScheduler({ reportError: (error: unknown) => reported.push(error) } as unknown as AppContext, [job, failing], { observer: metrics.jobObserver });
    await sleep(100);
    await stop();
    const text = await metrics.registry.metrics();
    assert.match(text, /tolem_job_runs_total\{job="backlog",outcome="more"\} 1/);
    assert.match(text, /tolem_job_runs_total\{job="backlog",outcome="ok"\} [1-3]/);
    assert.match(text, /tolem_job_items_total\{job="backlog"\} 3/);
    assert.match(text, /tolem_job_runs_total\{job="failing",outcome="error"\} [1-3]/);
    assert.match(text, /tolem_job_last_caught_up_timestamp_seconds\{job="backlog"\} \d/);
    assert.doesNotMatch(text, /tolem_job_last_caught_up_timestamp_seconds\{job="failing"\}/);
    assert.ok(reported.length >= 1);
  });

  it('tolem jobs runs each job until it is caught up, and adds up what the runs handled', async () => {
    const backlog = { left: 5 };
    const job: Job = { name: 'backlog', intervalMs: 60_000, async run() {
      const taken = Math.min(2, backlog.left);
      backlog.left -= taken;
      return { handled: taken, more: taken === 2 };
    } };
    const plain: Job = { name: 'plain', intervalMs: 60_000, run: async () => 3 };
    assert.deepEqual(await runJobsUntilCaughtUp(ctx, [job, plain]), { backlog: 5, plain: 3 });
  });

  it('tolem jobs reports a job that fails and runs the jobs after it, then fails naming it', async () => {
    errors.length = 0;
    const broken: Job = { name: 'broken', intervalMs: 60_000, run: async () => { throw new Error('a defect in one job'); } };
    const plain: Job = { name: 'plain', intervalMs: 60_000, run: async () => 3 };
    await assert.rejects(runJobsUntilCaughtUp(ctx, [broken, plain]), (error: unknown) => {
      assert.ok(error instanceof JobsFailedError);
      assert.deepEqual([error.failed, error.handled], [['broken'], { plain: 3 }]);
      return true;
    });
    assert.match(String(errors[0]), /a defect in one job/);
  });

  it('tolem jobs stops at a database that cannot answer: the jobs after it would meet it too', async () => {
    let ran = false;
    const down: Job = { name: 'down', intervalMs: 60_000, run: async () => { throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }); } };
    const plain: Job = { name: 'plain', intervalMs: 60_000, run: async () => { ran = true; return 1; } };
    await assert.rejects(runJobsUntilCaughtUp(ctx, [down, plain]), /ECONNREFUSED/);
    assert.equal(ran, false);
  });

  it('a job that says more while handling nothing is run again at most IDLE_RERUNS_MAX times in a row, here and by tolem jobs', async () => {
    let runs = 0;
    const spinning: Job = { name: 'spinning', intervalMs: 10_000, run: async () => { runs++; return { handled: 0, more: true }; } };
    assert.deepEqual(await runJobsUntilCaughtUp(ctx, [spinning]), { spinning: 0 });
    assert.equal(runs, IDLE_RERUNS_MAX);
    runs = 0;
    let progress = 0;
    // Progress resets the count: eleven idle runs, one that handled something, then idle again.
    const uneven: Job = { name: 'uneven', intervalMs: 10_000, run: async () => { runs++; return { handled: runs === 5 ? 1 : 0, more: ++progress < 30 }; } };
    assert.deepEqual(await runJobsUntilCaughtUp(ctx, [uneven]), { uneven: 1 });
    assert.equal(runs, 5 + IDLE_RERUNS_MAX);
  });

  it('mapInFlight starts nothing after a failure, waits for the calls under way, then fails', async () => {
    let started = 0;
    let finished = 0;
    const items = Array.from({ length: 20 }, (_, i) => i);
    await assert.rejects(mapInFlight(items, 4, async (i) => {
      started++;
      await sleep(i === 2 ? 1 : 15);
      if (i === 2) throw new Error('writer away');
      finished++;
      return i;
    }), /writer away/);
    assert.ok(started <= 5, `started ${started}`);
    assert.equal(finished, started - 1, 'every call under way finished before the failure came back');
  });

  it('mapInFlight keeps at most the given number of calls waiting and answers in the items\' order', async () => {
    let waiting = 0;
    let most = 0;
    const answers = await mapInFlight([5, 1, 4, 2, 3, 0, 6], 3, async (ms) => {
      most = Math.max(most, ++waiting);
      await sleep(ms);
      waiting--;
      return ms * 10;
    });
    assert.deepEqual(answers, [50, 10, 40, 20, 30, 0, 60]);
    assert.equal(most, 3);
  });
});
