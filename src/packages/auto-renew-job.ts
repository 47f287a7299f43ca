import type { AppContext } from '../app-context.ts';
import { addDays } from '../domain/time.ts';
import { mapInFlight, type Job, type JobRun } from '../jobs/job.ts';
import { READER_AGE_MAX_MS, readOutbox, type OutboxEvent } from '../jobs/read-outbox.ts';
import { findLineById } from '../lines/lines-repository.ts';
import { isBarred, scheduleOf } from '../lifecycle/lifecycle-rules.ts';
import { packageSettings } from './package-settings.ts';
import {
  clearRenewalRetry, latestPeriodsForJob, markRenewalExamined, recordRenewalFailure, renewalRetriesDue, retireUnexaminedBefore, retriesDueOnLines,
  unexaminedEndedPeriods, type EndedPeriod, type PackageWithPeriod,
} from './packages-repository.ts';
import type { PackageTable } from './packages-tables.ts';
import { renewOnce } from './renew-package.ts';

export interface RenewalLimits {
  /** Unexamined ended periods read per query; those of packages that do not auto-renew are marked without a look. */
  periodsPerQueryMax: number;
  queriesPerRunMax: number;
  /** Auto-renewing packages with a newly ended period looked at in one run; the next run takes the rest (at once: JobRun.more). */
  packagesPerRunMax: number;
  /** Lapsed packages retried round the queue in one run, longest waiting first; the rest wait a run or more. */
  retriesPerRunMax: number;
  /** Periods ended before the window (from before migration 017) marked examined in one run. */
  retiredPerRunMax: number;
  /** Renewals run at once, so that their ledger commands share the writer's batches. */
  inFlightMax: number;
}

export const RENEWAL_LIMITS: RenewalLimits = { periodsPerQueryMax: 1000, queriesPerRunMax: 10, packagesPerRunMax: 2000, retriesPerRunMax: 500, retiredPerRunMax: 5000, inFlightMax: 64 };

type Attempt = 'renewed' | 'replayed' | 'not_due' | 'window_over' | 'auto_renew_off' | 'line_terminated' | 'failed' | 'conflict';

/** The reader of money arriving on lines (webhook_cursors), which wakes their lapsed packages. */
const WAKE_CURSOR = 'packages.renewal_wake';
/** Events that put money on a line's main balance, each naming the line (`lineId`, or `toLineId` for a transfer). */
const WAKE_TOPICS = ['topup.succeeded', 'transfer.completed', 'credit.granted'] as const;
const WAKE_READING = {
  cursor: WAKE_CURSOR, topics: WAKE_TOPICS, settleMs: 15_000, eventsPerPage: 1_000, pagesMax: 5, budgetMs: 10_000,
  // Where a first run starts: money older than a day found its packages through the queue long since.
  ageMaxMs: READER_AGE_MAX_MS[WAKE_CURSOR]!,
};

/**
 * Renews auto-renewing packages that have ended, and keeps retrying those that could not be paid
 * for as long as the retry window lasts. The key `package-renewal:<package>:<period>` makes a
 * renewal charge once however many runs or processes try it; a refusal is recorded once per
 * period with the outbox event package.renewal_failed.
 *
 * Three queues, so that lapsed packages never hold up newly due ones: the periods that ended and
 * that no run has examined yet (each period row is written by the command that adds it, so none is
 * missed), first; then the lapsed packages of lines that money reached since (a top-up, a
 * transfer received, a promised payment: read from the outbox), so that a top-up renews within a
 * run or two; then every lapsed package (`renewal_retry_at`), longest waiting first, each put back
 * at the end of the queue after a failed attempt, for money that came some other way.
 * Renewals run `inFlightMax` at once; a run that stops at a limit says so (JobRun.more) and the
 * scheduler runs the job again at once: a night's renewals are worked off at the writer's pace.
 */
export const autoRenewJob: Job = {
  name: 'packages.auto_renew',
  // A pack renews within seconds of its end: between its end and its renewal the line's usage
  // would fall to pay-as-you-go. An idle run is a few index seeks.
  intervalMs: 10_000,
  run: (ctx) => renewDue(ctx, roundOfLapsedDue(ctx) ? RENEWAL_LIMITS : { ...RENEWAL_LIMITS, retriesPerRunMax: 0 }),
};

/** The round of lapsed packages (queue 3), which mostly fail again, is taken once a minute, not at every run. */
const LAPSED_ROUND_EVERY_MS = 60_000;
const lastLapsedRound = new WeakMap<AppContext, number>();

function roundOfLapsedDue(ctx: AppContext): boolean {
  const nowMs = ctx.clock.now().getTime();
  const last = lastLapsedRound.get(ctx);
  // Also when the clock went back (a test's, or a corrected one).
  if (last !== undefined && nowMs - last < LAPSED_ROUND_EVERY_MS && nowMs >= last) return false;
  lastLapsedRound.set(ctx, nowMs);
  return true;
}

/** One run of the job: the packages renewed, and whether more were due than the run took. */
export async function renewDue(ctx: AppContext, limits: RenewalLimits): Promise<JobRun> {
  const now = ctx.clock.now();
  const nowIso = now.toISOString();
  const windowStart = addDays(now, -packageSettings(ctx).renewalRetryDays).toISOString();
  const outcomes = new Map<string, Attempt>();
  const attempt = (found: PackageWithPeriod | undefined) => attemptRenewal(ctx, found, now, windowStart);
  let more = false;
  let after: EndedPeriod | null = null;
  for (let query = 0; ; query++) {
    if (query === limits.queriesPerRunMax || outcomes.size >= limits.packagesPerRunMax) {
      more = true;
      break;
    }
    const ended = await unexaminedEndedPeriods(ctx, nowIso, windowStart, after, limits.periodsPerQueryMax);
    if (ended.length === 0) break;
    const examined = ended.filter((period) => Number(period.pkg.auto_renew) !== 1).map((period) => period.id);
    const autoRenewing = ended.filter((period) => Number(period.pkg.auto_renew) === 1);
    // A package is tried once a run, whichever of its periods brought it; the try decides for all of them.
    const untried = uniquePackages(autoRenewing).filter((pkg) => !outcomes.has(pkg.id));
    const toTry = untried.slice(0, limits.packagesPerRunMax - outcomes.size);
    if (toTry.length < untried.length) more = true;
    await tryAll(toTry);
    // A conflict means another renewal committed meanwhile: look again next run. Not tried (over the limit): next run.
    for (const period of autoRenewing) {
      const tried = outcomes.get(period.pkg.id);
      if (tried !== undefined && tried !== 'conflict') examined.push(period.id);
    }
    await markRenewalExamined(ctx, examined, nowIso);
    if (ended.length < limits.periodsPerQueryMax) break;
    after = ended[ended.length - 1]!;
  }
  if (await retireUnexaminedBefore(ctx, windowStart, nowIso, limits.retiredPerRunMax) === limits.retiredPerRunMax) more = true;
  // Lapsed packages of lines that money reached since their last attempt. None lapsed anywhere
  // (the common case): nothing to wake, and the cursor moves on without reading a top-up.
  const anyLapsed = (await renewalRetriesDue(ctx, nowIso, 1)).length > 0;
  const caughtUp = await readOutbox(ctx, anyLapsed ? WAKE_READING : { ...WAKE_READING, topics: [] }, async (events) => {
    const reached = linesReachedBy(events);
    // Also one that failed earlier in this run, if the money came after (a long run outlasts the events' settling).
    const woken = (await retriesDueOnLines(ctx, [...reached.keys()], nowIso))
      .filter((pkg) => !outcomes.has(pkg.id) || (outcomes.get(pkg.id) === 'failed' && reached.get(pkg.line_id)! > (pkg.renewal_retry_at ?? '')));
    await tryAll(woken, clearUnlessWaiting);
  });
  if (!caughtUp) more = true;
  // One attempt per package a run: one that just failed above is already back in the queue.
  if (limits.retriesPerRunMax > 0) await tryAll((await renewalRetriesDue(ctx, nowIso, limits.retriesPerRunMax)).filter((pkg) => !outcomes.has(pkg.id)), clearUnlessWaiting);
  return { handled: [...outcomes.values()].filter((outcome) => outcome === 'renewed').length, more };

  /** Tries each package once (64 at once), reading only its latest period first; records the outcome. */
  async function tryAll(packages: PackageTable[], afterTry?: (pkg: PackageTable, tried: Attempt) => Promise<void>): Promise<void> {
    const states = new Map((await latestPeriodsForJob(ctx, packages)).map((found) => [found.pkg.id, found]));
    await mapInFlight(packages, limits.inFlightMax, async (pkg) => {
      const tried: Attempt = Number(pkg.auto_renew) === 1 ? await attempt(states.get(pkg.id)) : 'auto_renew_off';
      outcomes.set(pkg.id, tried);
      await afterTry?.(pkg, tried);
    });
  }

  /** A lapsed package leaves the retry queue unless it failed again (back at the end) or conflicted (due next run). */
  async function clearUnlessWaiting(pkg: PackageTable, tried: Attempt): Promise<void> {
    if (tried !== 'failed' && tried !== 'conflict') await clearRenewalRetry(ctx, pkg);
  }
}

/** The lines that the events put money on, each with the time of its latest such event. */
function linesReachedBy(events: OutboxEvent[]): Map<string, string> {
  const reached = new Map<string, string>();
  for (const event of events) {
    const payload = JSON.parse(event.payload) as { lineId?: unknown; toLineId?: unknown };
    const lineId = event.topic === 'transfer.completed' ? payload.toLineId : payload.lineId;
    if (typeof lineId === 'string' && (reached.get(lineId) ?? '') < event.created_at) reached.set(lineId, event.created_at);
  }
  return reached;
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
  // No failure recorded for this period yet: the renewal is as late as the job, not the subscriber, made it.
  const failedPeriod = found.pkg.renewal_failed_period;
  const firstAttempt = failedPeriod === null || failedPeriod === undefined || BigInt(failedPeriod) < period;
  const result = await renewOnce(ctx, found, 'auto_renewal', 'system', { key: `package-renewal:${found.pkg.id}:${period}`, fingerprint: 'auto-renewal', expiresAt: null }, undefined, firstAttempt);
  if (result.ok) return result.value.replayed ? 'replayed' : 'renewed';
  // Turned off after the package was read (PATCH): as if read so; the counter the command read under lock decides.
  if (result.error.code === 'package_renewal_conflict' && result.error.details?.reason === 'auto_renew_off') return 'auto_renew_off';
  if (result.error.code === 'package_renewal_conflict') return 'conflict';
  // A terminated line renews nothing, ever: no failure to announce to its closed number, nothing to retry.
  if (result.error.code === 'line_terminated') return 'line_terminated';
  // The subscriber is told in their line's language (subscriber-messages.ts); a rare read, once per failed period.
  const line = await findLineById(ctx, found.pkg.line_id);
  // A line the operator barred stays suspended after a top-up (no retry can renew it); one the lifecycle suspended comes back.
  const barred = line !== undefined && isBarred({ barredAt: line.barred_at, statusChangedAt: line.status_changed_at });
  // The day a top-up still renews it, told in the SMS: the window's end, or the line's termination
  // when its schedule comes first (a top-up after it is refused: LIFECYCLE_GRACE_DAYS +
  // LIFECYCLE_SUSPENDED_DAYS under PACKAGE_RENEWAL_RETRY_DAYS).
  const windowEnd = addDays(new Date(found.expiresAt), packageSettings(ctx).renewalRetryDays).toISOString();
  const terminatesAt = line?.valid_until ? scheduleOf(new Date(line.valid_until), ctx.settings.lifecycle).terminatedAt.toISOString() : null;
  // Past it the line is terminated, recorded or not (after downtime the lifecycle job runs after this one): nothing to tell or retry.
  if (terminatesAt !== null && terminatesAt <= now.toISOString()) return 'line_terminated';
  await recordRenewalFailure(ctx, found.pkg.id, period, {
    packageId: found.pkg.id, lineId: found.pkg.line_id, msisdn: line?.msisdn ?? null, language: line?.language ?? null, offering: found.pkg.offering_code, period: Number(period),
    reason: result.error.code, details: result.error.details ?? {}, retryUntil: terminatesAt !== null && terminatesAt < windowEnd ? terminatesAt : windowEnd,
    ...(barred ? { barred: true } : {}),
  });
  return 'failed';
}
