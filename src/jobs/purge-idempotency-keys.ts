import type { AppContext } from '../app-context.ts';
import type { Job } from './job.ts';

const PURGE_ROWS_MAX = 10_000;

/**
 * Forgets HTTP idempotency answers past their retention (IDEMPOTENCY_RETENTION_HOURS, at least 24 h).
 * Keys without an expiry (aggregator txn ids, vouchers) are kept forever. Bounded per run.
 */
export const purgeIdempotencyKeysJob: Job = {
  name: 'purge-idempotency-keys',
  intervalMs: 10 * 60_000,
  async run(ctx: AppContext): Promise<number> {
    const now = ctx.clock.now().toISOString();
    const expired = ctx.db.selectFrom('idempotency_keys').select('key').where('expires_at', 'is not', null).where('expires_at', '<', now).limit(PURGE_ROWS_MAX);
    const result = await ctx.db.deleteFrom('idempotency_keys').where('key', 'in', expired).executeTakeFirst();
    return Number(result.numDeletedRows);
  },
};
