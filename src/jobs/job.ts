import type { AppContext } from '../app-context.ts';

/**
 * A scheduled job. `run` does whatever is due at `ctx.clock.now()` and returns how many items it
 * handled. Jobs must be idempotent (a deterministic key per unit of work), safe when several
 * processes run them at once on PostgreSQL (claim rows with FOR UPDATE SKIP LOCKED or do the
 * work through the ledger writer with idempotency keys), and catch up after downtime.
 */
export interface Job {
  name: string;
  /** How often the scheduler runs it. */
  intervalMs: number;
  run(ctx: AppContext): Promise<number>;
}
