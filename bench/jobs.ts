import { createApp } from '../src/app.ts';
import { SYSTEM_ACTOR } from '../src/auth/actor.ts';
import { createOffering } from '../src/catalog/create-offering.ts';
import { loadSettings } from '../src/config.ts';
import { mapInFlight, type Job } from '../src/jobs/job.ts';
import { runJobsUntilCaughtUp } from '../src/jobs/scheduler.ts';
import { lifecycleJob } from '../src/lifecycle/lifecycle-job.ts';
import { autoRenewJob } from '../src/packages/auto-renew-job.ts';
import { bucketForfeitDelayMs, expireBucketsJob } from '../src/packages/expire-buckets-job.ts';
import { purchasePackage } from '../src/packages/purchase-package.ts';
import { ManualClock } from '../src/platform/clock.ts';
import { createTopUp } from '../src/topups/create-top-up.ts';
import { seedLines, type LoadFigures } from './support.ts';

const DAY = 86_400_000;
const IN_FLIGHT = 64;

export interface JobFigure { name: string; figures: LoadFigures; note: string }
interface Drained { figures: LoadFigures; handled: number; seconds: number }

/**
 * The scheduler's figures: how fast a backlog is worked off, in the bench's own process on a fresh
 * database with an injected clock. `lineCount` lines are topped up and each sold an auto-renewing
 * 7-day pack, the sale called directly 64 at a time: the ceiling, the same kind of ledger command
 * with no job around it. Then the clock moves past the packs' end and the renewal job runs as the
 * scheduler runs it (again at once while it says more is due) until nothing is due; then, an hour
 * on (bucketForfeitDelayMs: the rollover hour, or USAGE_LATE_EVENT_HOURS if longer), the bucket-expiry job forfeits the ended periods' units; then, past the lines' validity, the
 * lifecycle job moves every line into grace. Each figure is items handled per second of the drain.
 */
export async function benchJobs(url: string, lineCount: number): Promise<JobFigure[]> {
  const msisdns = await seedLines(url, lineCount);
  const clock = new ManualClock(new Date());
  const app = await createApp({ ...loadSettings({}), databaseUrl: url, seedDemo: false }, { clock, logLevel: 'silent' });
  const ctx = app.ctx;
  try {
    const offering = await createOffering(ctx, SYSTEM_ACTOR, {
      code: 'BENCH_WEEK', kind: 'data', price: 100_000, validityDays: 7, allowances: { dataMb: 1_000 }, autoRenewAllowed: true,
      names: { en: '1 GB, 7 days', ru: '1 ГБ, 7 дней', kk: '1 ГБ, 7 күн', zh: '1 GB，7天' },
    });
    if (!offering.ok) throw new Error(`offering: ${offering.error.code}`);
    await timed(msisdns, async (msisdn, index) => createTopUp(ctx, SYSTEM_ACTOR, { msisdn, amount: 500_000, currency: 'KZT' }, `bench-jobs-topup-${index}`));
    const purchases = await timed(msisdns, async (msisdn, index) => purchasePackage(ctx, SYSTEM_ACTOR, { msisdn, offering: 'BENCH_WEEK', autoRenew: true }, `bench-jobs-buy-${index}`));
    clock.advance(7 * DAY + 60_000);
    const renewals = await drain(ctx, autoRenewJob);
    // Bucket expiry waits after a period's end: the renewal may still carry its units, a late event draw on them.
    clock.advance(bucketForfeitDelayMs(ctx));
    const expiries = await drain(ctx, expireBucketsJob);
    // Top-ups gave each line 30 days from the later of now and its validity (at most 30 days ahead).
    clock.advance(55 * DAY);
    const lifecycle = await drain(ctx, lifecycleJob);
    const row = (name: string, drained: Drained): JobFigure => ({
      name, figures: drained.figures,
      note: `${drained.handled} in ${drained.seconds.toFixed(1)} s, ${(drained.figures.perSecond / purchases.perSecond).toFixed(2)} × purchases called directly`,
    });
    return [
      { name: 'ceiling: purchases, direct', figures: purchases, note: `${lineCount} sales, 64 at once, no HTTP` },
      row('scheduler: renewals', renewals), row('scheduler: bucket expiries', expiries), row('scheduler: lifecycle steps', lifecycle),
    ];
  } finally {
    await app.close();
  }

  async function timed(items: string[], work: (msisdn: string, index: number) => Promise<{ ok: boolean }>): Promise<LoadFigures> {
    const startedAt = performance.now();
    let failed = 0;
    await mapInFlight(items.map((msisdn, index) => ({ msisdn, index })), IN_FLIGHT, async ({ msisdn, index }) => {
      if (!(await work(msisdn, index)).ok) failed += 1;
    });
    return figuresOf(items.length - failed, performance.now() - startedAt, failed);
  }
}

/** Runs a job as the scheduler does once it is due: again at once while it says more is due. */
async function drain(ctx: Parameters<Job['run']>[0], job: Job): Promise<Drained> {
  const startedAt = performance.now();
  const handled = (await runJobsUntilCaughtUp(ctx, [job]))[job.name]!;
  const ms = performance.now() - startedAt;
  return { figures: figuresOf(handled, ms, 0), handled, seconds: ms / 1000 };
}

const figuresOf = (count: number, ms: number, errors: number): LoadFigures => ({ perSecond: count / (ms / 1000), p50Ms: NaN, p99Ms: NaN, errors, non2xx: 0 });
