import type { AppContext } from '../app-context.ts';
import { handledBy, IDLE_RERUNS_MAX, moreAfter, type Job, type JobRun } from './job.ts';
import { JOBS } from './jobs.ts';

/** Runs every job once, in order, and returns what each handled. Tests call this with a moved clock. */
export async function runJobsOnce(ctx: AppContext, jobs: Job[] = JOBS): Promise<Record<string, number>> {
  const handled: Record<string, number> = {};
  for (const job of jobs) handled[job.name] = handledBy(await job.run(ctx));
  return handled;
}

/** Runs every job, in order, again at once while it says more is due (`tolem jobs`: a catch-up from cron does it all). */
export async function runJobsUntilCaughtUp(ctx: AppContext, jobs: Job[] = JOBS): Promise<Record<string, number>> {
  const handled: Record<string, number> = {};
  for (const job of jobs) {
    handled[job.name] = 0;
    const rerun = rerunPolicy();
    for (let again = true; again;) {
      const run = await job.run(ctx);
      handled[job.name]! += handledBy(run);
      again = rerun(run);
    }
  }
  return handled;
}

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
}

/**
 * Starts the periodic runs in this process; returns a stop function that waits for a running job.
 * A run that stopped at its limit with more due (JobRun.more) is followed by the next at once, so
 * a backlog is worked off run after run rather than one run an interval.
 */
export function startScheduler(ctx: AppContext, jobs: Job[] = JOBS, observer?: JobObserver): () => Promise<void> {
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
  const runUntilCaughtUp = async (job: Job) => {
    const rerun = rerunPolicy();
    while (!stopped && rerun(await runOnce(job))) await new Promise((resolve) => setImmediate(resolve));
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
  };
}
