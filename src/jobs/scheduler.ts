import type { AppContext } from '../app-context.ts';
import { handledBy, IDLE_RERUNS_MAX, moreAfter, type Job, type JobRun } from './job.ts';
import { whileHolding, type JobLeases, type LeaseTaken } from './job-leases.ts';
import { JOBS } from './jobs.ts';
import { isDatabaseUnavailable } from '../store/database-unavailable.ts';

/** Runs every job once, in order, and returns what each handled. Tests call this with a moved clock. */
export async function runJobsOnce(ctx: AppContext, jobs: Job[] = JOBS): Promise<Record<string, number>> {
  const handled: Record<string, number> = {};
  for (const job of jobs) handled[job.name] = handledBy(await job.run(ctx));
  return handled;
}

/** `tolem jobs` ran every job, but these failed (each reported through ctx.reportError). */
export class JobsFailedError extends Error {
  constructor(readonly failed: string[], readonly handled: Record<string, number>) {
    super(`jobs failed: ${failed.join(', ')}`);
  }
}

/**
 * Runs every job, in order, again at once while it says more is due (`tolem jobs`: a catch-up from
 * cron does it all). With leases, a job another process holds is left to it (`heldElsewhere`,
 * not in the handled counts), and the leases taken are given up at the end. A job that fails is
 * reported and the jobs after it run (one job's defect does not hold back the SMS or the lifecycle,
 * as in the server's scheduler), and the whole then fails with JobsFailedError; a database that
 * cannot answer stops it at once, since every job after would meet it too.
 */
export async function runJobsUntilCaughtUp(ctx: AppContext, jobs: Job[] = JOBS, leases?: JobLeases, heldElsewhere?: (job: Job, lease: LeaseTaken) => void): Promise<Record<string, number>> {
  const handled: Record<string, number> = {};
  const failed: string[] = [];
  for (const job of jobs) {
    const rerun = rerunPolicy();
    try {
      for (let again = true; again;) {
        const lease = await takeLease(leases, job);
        if (!lease.taken) {
          heldElsewhere?.(job, lease);
          break;
        }
        const { value: run, kept } = await whileHolding(leases, job, () => job.run(ctx), reportRenewalError(ctx, job));
        handled[job.name] = (handled[job.name] ?? 0) + handledBy(run);
        again = kept && rerun(run);
      }
    } catch (error) {
      if (isDatabaseUnavailable(error)) throw error;
      ctx.reportError(error, { job: job.name });
      failed.push(job.name);
    } finally {
      // Never in place of the run's own error.
      await releaseLease(ctx, leases, job);
    }
  }
  if (failed.length > 0) throw new JobsFailedError(failed, handled);
  return handled;
}

const TAKEN: LeaseTaken = { taken: true };

/** The leases a job runs under: none for a job of every process, or without leases (one process). */
function leasesOf(leases: JobLeases | undefined, job: Job): JobLeases | undefined {
  return job.everyProcess ? undefined : leases;
}

/** The job's lease, taken or renewed before each run; always taken where the job runs under none. */
function takeLease(leases: JobLeases | undefined, job: Job): Promise<LeaseTaken> {
  return leasesOf(leases, job)?.take(job) ?? Promise.resolve(TAKEN);
}

/** Gives the job's lease back, best effort: a lease left behind runs out. */
async function releaseLease(ctx: AppContext, leases: JobLeases | undefined, job: Job): Promise<void> {
  await leasesOf(leases, job)?.release(job).catch((error) => ctx.reportError(error, { job: job.name, step: 'lease release' }));
}

const reportRenewalError = (ctx: AppContext, job: Job) => (error: unknown) => ctx.reportError(error, { job: job.name, step: 'lease renewal' });

/** Whether to run a job again at once after this run: more is due, and the job is not running idle (IDLE_RERUNS_MAX). */
function rerunPolicy(): (run: number | JobRun) => boolean {
  let idle = 0;
  return (run) => {
    if (!moreAfter(run)) return false;
    idle = handledBy(run) > 0 ? 0 : idle + 1;
    return idle < IDLE_RERUNS_MAX;
  };
}

/** Told of every run the scheduler makes (the /metrics counters, src/http/metrics.ts). */
export interface JobObserver {
  jobRan(job: string, run: { handled: number; more: boolean; durationMs: number; error: boolean }): void;
  /** A run not made here: another process holds the job's lease. */
  jobHeldElsewhere?(job: string): void;
}

export interface SchedulerOptions {
  observer?: JobObserver;
  /**
   * Where several processes serve one database: each job runs in the process holding its lease
   * (src/jobs/job-leases.ts), renewed before and during each run, given up after a run that
   * failed (this process sits out the job's next tick, so that a healthy one can take it) and at
   * stop. Without: every job runs here (tests, one process).
   */
  leases?: JobLeases;
}

/**
 * Starts the periodic runs in this process; returns a stop function that waits for a running job.
 * A run that stopped at its limit with more due (JobRun.more) is followed by the next at once, so
 * a backlog is worked off run after run rather than one run an interval.
 */
export function startScheduler(ctx: AppContext, jobs: Job[] = JOBS, options: SchedulerOptions = {}): () => Promise<void> {
  const { observer, leases } = options;
  let stopped = false;
  const running = new Map<string, Promise<unknown>>();
  const runOnce = async (job: Job): Promise<number | JobRun> => {
    const startedAt = performance.now();
    try {
      const run = await job.run(ctx);
      observer?.jobRan(job.name, { handled: handledBy(run), more: moreAfter(run), durationMs: performance.now() - startedAt, error: false });
      return run;
    } catch (error) {
      observer?.jobRan(job.name, { handled: 0, more: false, durationMs: performance.now() - startedAt, error: true });
      throw error;
    }
  };
  /** Jobs whose last run here failed: this process sits out their next tick and holds no lease meanwhile. */
  const sittingOut = new Set<string>();
  const runUntilCaughtUp = async (job: Job) => {
    if (sittingOut.delete(job.name)) return;
    const rerun = rerunPolicy();
    while (!stopped) {
      let lease: LeaseTaken;
      try {
        lease = await takeLease(leases, job);
      } catch (error) {
        observer?.jobRan(job.name, { handled: 0, more: false, durationMs: 0, error: true });
        throw error;
      }
      if (!lease.taken) {
        observer?.jobHeldElsewhere?.(job.name);
        return;
      }
      let held: { value: number | JobRun; kept: boolean };
      try {
        held = await whileHolding(leases, job, () => runOnce(job), reportRenewalError(ctx, job));
      } catch (error) {
        // A fault of this process (its settings, its pool) must not keep the job from a healthy one.
        if (leasesOf(leases, job)) sittingOut.add(job.name);
        await releaseLease(ctx, leases, job);
        throw error;
      }
      if (!held.kept || !rerun(held.value)) return;
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  const timers = jobs.map((job) => setInterval(() => {
    // A run still going when its next one is due is left to finish; runs of one job never overlap here.
    if (stopped || running.has(job.name)) return;
    const run = runUntilCaughtUp(job).catch((error) => ctx.reportError(error, { job: job.name })).finally(() => running.delete(job.name));
    running.set(job.name, run);
  }, job.intervalMs));
  return async () => {
    stopped = true;
    for (const timer of timers) clearInterval(timer);
    await Promise.all(running.values());
    // Another process takes each job at its next tick rather than once the lease has run out.
    await Promise.all(jobs.map((job) => releaseLease(ctx, leases, job)));
  };
}
