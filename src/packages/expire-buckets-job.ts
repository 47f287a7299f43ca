import type { AppContext } from '../app-context.ts';
import { availableBalance, type AccountState } from '../domain/ledger.ts';
import { ok } from '../domain/result.ts';
import { unitBreakageAccountId } from '../ledger/accounts.ts';
import type { LedgerCommand } from '../ledger/ledger-writer.ts';
import type { Job, JobRun } from '../jobs/job.ts';
import { readAccounts } from '../ledger/read-accounts.ts';
import { expiredPeriodsToClose, markBucketsExpired, type ExpiredPeriod } from './packages-repository.ts';
import { ROLLOVER_GRACE_MS } from './package-keys.ts';

export interface BucketExpiryLimits {
  /** Ended periods read per query; a backlog (after downtime or an upgrade) takes several. */
  periodsPerQueryMax: number;
  queriesPerRunMax: number;
  /** Forfeiting commands (one per period with units left) submitted in one run. */
  commandsPerRunMax: number;
}

export const BUCKET_EXPIRY_LIMITS: BucketExpiryLimits = { periodsPerQueryMax: 1000, queriesPerRunMax: 10, commandsPerRunMax: 1000 };

/**
 * Forfeits what is left in expired buckets: the units move to breakage:<unit> with code 'expiry'
 * (unused allowance, as at termination; consumption:<unit> holds what was used), so that an
 * expired bucket reads 0. The command reads the buckets under lock and moves
 * exactly what remains, so two runs (or two processes) forfeit once.
 *
 * Its work grows with what expires, not with history. Every bucket ends with its period and is
 * listed on it, so a run reads the ended periods not yet closed (`buckets_expired_at` null, a
 * partial index), latest end first, and closes each once its buckets hold nothing for good:
 * nothing ever credits a bucket after the command that creates it, so an expired bucket with no
 * units and no reservation stays empty. A period whose buckets a read finds so is closed without a
 * command; one with units left is closed when its command has committed (a crash in between reads
 * it again, and the command moves nothing twice). Nothing reserves bucket units today (usage
 * posts at once); a period whose buckets a pending transfer held units of would stay open until it
 * was posted or voided.
 */
export const expireBucketsJob: Job = {
  name: 'packages.expire_buckets',
  intervalMs: 60_000,
  run: (ctx) => expireBuckets(ctx, BUCKET_EXPIRY_LIMITS),
};

/**
 * One run of the job: the number of buckets that forfeited units, and whether the run stopped at a
 * limit with more periods to look at (and closed some: one that closed none would find them again).
 */
export async function expireBuckets(ctx: AppContext, limits: BucketExpiryLimits): Promise<JobRun> {
  const now = ctx.clock.now().toISOString();
  // Periods ended more than ROLLOVER_GRACE_MS ago: until then their automatic renewal may carry their
  // units over. And more than USAGE_LATE_EVENT_HOURS ago: until then an event from before their end,
  // reported late, draws on them (usage skips a bucket expired at the event's time, never one emptied).
  const endedBy = new Date(ctx.clock.now().getTime() - bucketForfeitDelayMs(ctx)).toISOString();
  let forfeited = 0;
  let commands = 0;
  let closedInRun = 0;
  let before: ExpiredPeriod | null = null;
  for (let query = 0; ; query++) {
    if (query === limits.queriesPerRunMax || commands >= limits.commandsPerRunMax) return { handled: forfeited, more: closedInRun > 0 };
    const periods = await expiredPeriodsToClose(ctx, endedBy, before, limits.periodsPerQueryMax);
    if (periods.length === 0) break;
    const bucketIdsOf = new Map(periods.map((period) => [period.id, JSON.parse(period.bucket_ids) as string[]]));
    const buckets = await readAccounts(ctx.db, [...bucketIdsOf.values()].flat());
    const closed: string[] = [];
    const toForfeit: ExpiredPeriod[] = [];
    for (const period of periods) {
      const states = bucketIdsOf.get(period.id)!.map((id) => buckets.get(id)).filter((bucket) => bucket !== undefined);
      if (states.every(isEmptyForGood)) closed.push(period.id);
      else if (states.some((bucket) => availableBalance(bucket) > 0n) && commands < limits.commandsPerRunMax) {
        toForfeit.push(period);
        commands += 1;
      }
    }
    const results = await Promise.all(toForfeit.map((period) => ctx.writer.submit(forfeitCommand(bucketIdsOf.get(period.id)!, buckets))));
    toForfeit.forEach((period, index) => {
      const result = results[index]!;
      if (!result.ok) return;
      forfeited += result.value.value.forfeited;
      if (result.value.value.emptyForGood) closed.push(period.id);
    });
    await markBucketsExpired(ctx, closed, now);
    closedInRun += closed.length;
    if (periods.length < limits.periodsPerQueryMax) break;
    before = periods[periods.length - 1]!;
  }
  return { handled: forfeited, more: false };
}

/** How long after its end a bucket's units wait before they are forfeited: the longer of the rollover grace and the usage late-event window. */
export function bucketForfeitDelayMs(ctx: AppContext): number {
  return Math.max(ROLLOVER_GRACE_MS, ctx.settings.usage.lateEventHours * 3_600_000);
}

/** Expired with no units and none reserved: nothing can put units back into a bucket. */
function isEmptyForGood(bucket: AccountState): boolean {
  return availableBalance(bucket) <= 0n && bucket.debitsPending === 0n;
}

/** Moves what remains in a period's expired buckets to breakage:<unit>, as read under lock. */
function forfeitCommand(bucketIds: string[], read: Map<string, AccountState>): LedgerCommand<{ forfeited: number; emptyForGood: boolean }> {
  const units = [...new Set(bucketIds.map((id) => read.get(id)?.unit).filter((unit) => unit !== undefined))];
  return {
    name: 'bucket_expiry',
    lock: { accounts: [...bucketIds, ...units.map(unitBreakageAccountId)] },
    execute: (tx) => {
      let forfeited = 0;
      let emptyForGood = true;
      for (const id of bucketIds) {
        const current = tx.account(id);
        if (!current) continue;
        // A process whose clock is behind the one that read the period waits for a later run.
        if (!current.expiresAt || current.expiresAt > tx.nowIso) {
          emptyForGood = false;
          continue;
        }
        const remaining = availableBalance(current);
        if (remaining > 0n) {
          const moved = tx.transfer({ debitAccountId: id, creditAccountId: unitBreakageAccountId(current.unit), amount: remaining, unit: current.unit, code: 'expiry' });
          if (!moved.ok) return { ok: false as const, error: { code: moved.code } };
          forfeited += 1;
        }
        if (current.debitsPending !== 0n) emptyForGood = false;
      }
      return ok({ forfeited, emptyForGood });
    },
  };
}
