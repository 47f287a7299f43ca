import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { JobObserver } from '../jobs/scheduler.ts';

/** Prometheus metrics of one app instance (a registry each, so tests can run several). */
export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'tolem_' });
  const httpDuration = new Histogram({
    name: 'tolem_http_request_duration_seconds', help: 'HTTP request duration', labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5], registers: [registry],
  });
  const batchSize = new Histogram({
    name: 'tolem_ledger_batch_size', help: 'Commands per ledger writer batch (group commit)',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256, 512], registers: [registry],
  });
  const batchDuration = new Histogram({
    name: 'tolem_ledger_batch_duration_seconds', help: 'Ledger writer batch duration, lock to commit',
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25], registers: [registry],
  });
  const jobRuns = new Counter({
    name: 'tolem_job_runs_total', help: 'Scheduled job runs, by job and outcome (ok, more: stopped at its limit with more due, error, elsewhere: not run here, another process holds the job\'s lease)',
    labelNames: ['job', 'outcome'] as const, registers: [registry],
  });
  const jobItems = new Counter({ name: 'tolem_job_items_total', help: 'Items scheduled jobs handled (renewals, lifecycle steps…)', labelNames: ['job'] as const, registers: [registry] });
  const jobDuration = new Histogram({
    name: 'tolem_job_run_duration_seconds', help: 'Scheduled job run duration', labelNames: ['job'] as const,
    buckets: [0.005, 0.025, 0.1, 0.5, 1, 2.5, 10, 30, 60], registers: [registry],
  });
  const jobCaughtUp = new Gauge({
    name: 'tolem_job_last_caught_up_timestamp_seconds', help: 'When each job last finished a run with nothing more due (alert when it falls behind)',
    labelNames: ['job'] as const, registers: [registry],
  });
  const jobObserver: JobObserver = {
    jobRan(job, run) {
      const outcome = run.error ? 'error' : run.more ? 'more' : 'ok';
      jobRuns.inc({ job, outcome });
      if (run.handled > 0) jobItems.inc({ job }, run.handled);
      jobDuration.observe({ job }, run.durationMs / 1000);
      if (outcome === 'ok') jobCaughtUp.set({ job }, Date.now() / 1000);
    },
    jobHeldElsewhere(job) {
      jobRuns.inc({ job, outcome: 'elsewhere' });
    },
  };
  let batches = 0;
  let commands = 0;
  return {
    registry,
    httpDuration,
    jobObserver,
    writerObserver: {
      batchCommitted(size: number, durationMs: number) {
        batches += 1;
        commands += size;
        batchSize.observe(size);
        batchDuration.observe(durationMs / 1000);
      },
    },
    /** Mean commands per batch since start, for the benchmark's report. */
    meanBatchSize: () => (batches === 0 ? 0 : commands / batches),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
