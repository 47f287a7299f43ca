import type { AppContext } from '../app-context.ts';
import { addDays } from '../domain/time.ts';
import type { Job } from '../jobs/job.ts';
import { findLineById } from '../lines/lines-repository.ts';
import { packageSettings } from './package-settings.ts';
import {
  clearRenewalRetry, latestPeriodsForJob, markRenewalExamined, recordRenewalFailure, renewalRetriesDue, retireUnexaminedBefore,
  unexaminedEndedPeriods, type EndedPeriod, type PackageWithPeriod,
} from './packages-repository.ts';
import type { PackageTable } from './packages-tables.ts';
import { renewOnce } from './renew-package.ts';

export interface RenewalLimits {
  /** Unexamined ended periods read per query; those of packages that do not auto-renew are marked without a look. */
  periodsPerQueryMax: number;
  queriesPerRunMax: number;
  /** Auto-renewing packages with a newly ended period looked at in one run; the next run takes the rest. */
  packagesPerRunMax: number;
  /** Lapsed packages retried in one run, longest waiting first; the rest wait a run or more. */
  retriesPerRunMax: number;
  /** Periods ended before the window (from before migration 017) marked examined in one run. */
  retiredPerRunMax: number;
}

export const RENEWAL_LIMITS: RenewalLimits = { periodsPerQueryMax: 1000, queriesPerRunMax: 10, packagesPerRunMax: 500, retriesPerRunMax: 500, retiredPerRunMax: 5000 };

type Attempt = 'renewed' | 'replayed' | 'not_due' | 'window_over' | 'auto_renew_off' | 'line_terminated' | 'failed' | 'conflict';

/**
 * Renews auto-renewing packages that have ended, and keeps retrying those that could not be paid
 * for as long as the retry window lasts, so that a top-up revives them on a following run. The key
 * `package-renewal:<package>:<period>` makes a renewal charge once however many runs or processes
 * try it; a refusal is recorded once per period with the outbox event package.renewal_failed.
 *
 * Two queues, so that lapsed packages never hold up newly due ones: the periods that ended and
 * that no run has examined yet (each period row is written by the command that adds it, so none is
 * missed), first; then the packages waiting for a retry (`renewal_retry_at`), longest waiting
 * first, each put back at the end of the queue after a failed attempt.
 */
export const autoRenewJob: Job = {
  name: 'packages.auto_renew',
  intervalMs: 60_000,
  run: (ctx) => renewDue(ctx, RENEWAL_LIMITS),
};

/** One run of the job; returns the number of packages renewed. */
export async function renewDue(ctx: AppContext, limits: RenewalLimits): Promise<number> {
  const now = ctx.clock.now();
  const nowIso = now.toISOString();
  const windowStart = addDays(now, -packageSettings(ctx).renewalRetryDays).toISOString();
  const outcomes = new Map<string, Attempt>();
  let renewed = 0;
  let after: EndedPeriod | null = null;
  for (let query = 0; query < limits.queriesPerRunMax && outcomes.size < limits.packagesPerRunMax; query++) {
    const ended = await unexaminedEndedPeriods(ctx, nowIso, windowStart, after, limits.periodsPerQueryMax);
    if (ended.length === 0) break;
    const examined = ended.filter((period) => Number(period.pkg.auto_renew) !== 1).map((period) => period.id);
    const autoRenewing = ended.filter((period) => Number(period.pkg.auto_renew) === 1);
    const states = new Map((await latestPeriodsForJob(ctx, uniquePackages(autoRenewing))).map((found) => [found.pkg.id, found]));
    for (const period of autoRenewing) {
      // A package is tried once a run, whichever of its periods brought it; the try decides for all of them.
      let attempt = outcomes.get(period.pkg.id);
      if (!attempt) {
        if (outcomes.size >= limits.packagesPerRunMax) continue;
        attempt = await attemptRenewal(ctx, states.get(period.pkg.id), now, windowStart);
        outcomes.set(period.pkg.id, attempt);
        if (attempt === 'renewed') renewed += 1;
      }
      // A conflict means another renewal committed meanwhile: look again next run.
      if (attempt !== 'conflict') examined.push(period.id);
    }
    await markRenewalExamined(ctx, examined, nowIso);
    if (ended.length < limits.periodsPerQueryMax) break;
    after = ended[ended.length - 1]!;
  }
  await retireUnexaminedBefore(ctx, windowStart, nowIso, limits.retiredPerRunMax);
  // One attempt per package a run: one that just failed above is already back in the queue.
  const waiting = (await renewalRetriesDue(ctx, nowIso, limits.retriesPerRunMax)).filter((pkg) => !outcomes.has(pkg.id));
  const waitingStates = new Map((await latestPeriodsForJob(ctx, waiting)).map((found) => [found.pkg.id, found]));
  for (const pkg of waiting) {
    const attempt = Number(pkg.auto_renew) === 1 ? await attemptRenewal(ctx, waitingStates.get(pkg.id), now, windowStart) : 'auto_renew_off';
    if (attempt === 'renewed') renewed += 1;
    // A failure has put it back at the end of the queue; a conflict leaves it due for the next run.
    if (attempt !== 'failed' && attempt !== 'conflict') await clearRenewalRetry(ctx, pkg);
  }
  return renewed;
}

function uniquePackages(periods: EndedPeriod[]): PackageTable[] {
  return [...new Map(periods.map((period) => [period.pkg.id, period.pkg])).values()];
}

/**
 * Renews the package if it has ended within the window; reads nothing but its latest period and
 * end. The command checks again under lock that it is due and that no period was added meanwhile.
 */
async function attemptRenewal(ctx: AppContext, found: PackageWithPeriod | undefined, now: Date, windowStart: string): Promise<Attempt> {
  if (!found || found.expiresAt > now.toISOString()) return 'not_due';
  if (found.expiresAt <= windowStart) return 'window_over';
  const period = BigInt(found.latest.period) + 1n;
  const result = await renewOnce(ctx, found, 'auto_renewal', 'system', { key: `package-renewal:${found.pkg.id}:${period}`, fingerprint: 'auto-renewal', expiresAt: null });
  if (result.ok) return result.value.replayed ? 'replayed' : 'renewed';
  if (result.error.code === 'package_renewal_conflict') return 'conflict';
  // A terminated line renews nothing, ever: no failure to announce to its closed number, nothing to retry.
  if (result.error.code === 'line_terminated') return 'line_terminated';
  // The subscriber is told in their line's language (subscriber-messages.ts); a rare read, once per failed period.
  const line = await findLineById(ctx, found.pkg.line_id);
  await recordRenewalFailure(ctx, found.pkg.id, period, {
    packageId: found.pkg.id, lineId: found.pkg.line_id, msisdn: line?.msisdn ?? null, language: line?.language ?? null, offering: found.pkg.offering_code, period: Number(period),
    reason: result.error.code, details: result.error.details ?? {}, retryUntil: addDays(new Date(found.expiresAt), packageSettings(ctx).renewalRetryDays).toISOString(),
  });
  return 'failed';
}
