import { Histogram, Registry, collectDefaultMetrics } from 'prom-client';

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
  let batches = 0;
  let commands = 0;
  return {
    registry,
    httpDuration,
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
