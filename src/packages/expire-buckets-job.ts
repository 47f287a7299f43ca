import type { AppContext } from '../app-context.ts';
import { availableBalance } from '../domain/ledger.ts';
import { ok } from '../domain/result.ts';
import { consumptionAccountId } from '../ledger/accounts.ts';
import type { Job } from '../jobs/job.ts';
import { expiredBuckets } from './packages-repository.ts';

export const BUCKETS_PER_RUN_MAX = 1000;

/**
 * Forfeits what is left in expired buckets: the units move to consumption:<unit> with code
 * 'expiry', so that an expired bucket reads 0. The command reads the bucket under lock and moves
 * exactly what remains, so two runs (or two processes) forfeit once.
 */
export const expireBucketsJob: Job = {
  name: 'packages.expire_buckets',
  intervalMs: 60_000,
  async run(ctx: AppContext): Promise<number> {
    const buckets = await expiredBuckets(ctx, ctx.clock.now().toISOString(), BUCKETS_PER_RUN_MAX);
    const results = await Promise.all(buckets.map((bucket) => ctx.writer.submit({
      name: 'bucket_expiry',
      lock: { accounts: [bucket.id, consumptionAccountId(bucket.unit)] },
      execute: (tx) => {
        const current = tx.account(bucket.id)!;
        const remaining = availableBalance(current);
        if (remaining <= 0n || !current.expiresAt || current.expiresAt > tx.nowIso) return ok(0);
        const moved = tx.transfer({ debitAccountId: bucket.id, creditAccountId: consumptionAccountId(bucket.unit), amount: remaining, unit: bucket.unit, code: 'expiry' });
        return moved.ok ? ok(1) : { ok: false as const, error: { code: moved.code } };
      },
    })));
    return results.reduce((sum, r) => sum + (r.ok ? r.value.value : 0), 0);
  },
};
