import type { AppContext } from '../app-context.ts';
import type { Job } from './job.ts';
import { JOBS } from './jobs.ts';

/** Runs every job once, in order, and returns what each handled. Tests call this with a moved clock. */
export async function runJobsOnce(ctx: AppContext, jobs: Job[] = JOBS): Promise<Record<string, number>> {
  const handled: Record<string, number> = {};
  for (const job of jobs) handled[job.name] = await job.run(ctx);
  return handled;
}

/** Starts the periodic runs in this process; returns a stop function that waits for a running job. */
export function startScheduler(ctx: AppContext, jobs: Job[] = JOBS): () => Promise<void> {
  let stopped = false;
  const running = new Map<string, Promise<unknown>>();
  const timers = jobs.map((job) => setInterval(() => {
    // A run still going when its next one is due is left to finish; runs of one job never overlap here.
    if (stopped || running.has(job.name)) return;
    const run = job.run(ctx).catch((error) => ctx.reportError(error, { job: job.name })).finally(() => running.delete(job.name));
    running.set(job.name, run);
  }, job.intervalMs));
  return async () => {
    stopped = true;
    for (const timer of timers) clearInterval(timer);
    await Promise.all(running.values());
  };
}
