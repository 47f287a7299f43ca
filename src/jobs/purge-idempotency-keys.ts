import type { AppContext } from '../app-context.ts';
import { deleteInChunks, type ChunkLimits } from './delete-in-chunks.ts';
import type { Job } from './job.ts';

/**
 * Keys are written by every top-up, purchase and payment (thousands a second at peak), and a run
 * comes every 10 minutes: a run deletes up to 1,000 chunks of 1,000 rows (~1,700 rows/s over the
 * interval), each chunk a short statement, for at most a minute.
 */
const PURGE_LIMITS: ChunkLimits = { chunkRows: 1_000, chunksPerRunMax: 1_000, runBudgetMs: 60_000 };

/**
 * Forgets HTTP idempotency answers past their retention (IDEMPOTENCY_RETENTION_HOURS, at least 24 h).
 * Keys without an expiry (aggregator txn ids, vouchers) are kept forever. Deletes in chunks until
 * a chunk comes back short, so a backlog larger than a chunk goes in one run.
 */
export const purgeIdempotencyKeysJob: Job = {
  name: 'purge-idempotency-keys',
  intervalMs: 10 * 60_000,
  async run(ctx: AppContext): Promise<number> {
    const now = ctx.clock.now().toISOString();
    return deleteInChunks(ctx, PURGE_LIMITS, async (chunkRows) => {
      const expired = ctx.db.selectFrom('idempotency_keys').select('key').where('expires_at', 'is not', null).where('expires_at', '<', now).limit(chunkRows);
      const result = await ctx.db.deleteFrom('idempotency_keys').where('key', 'in', expired).where('expires_at', '<', now).executeTakeFirst();
      return Number(result.numDeletedRows);
    });
  },
};
