import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { AppContext } from '../app-context.ts';
import type { Job } from './job.ts';

/**
 * Leases on scheduled jobs. Where several processes serve one database (PostgreSQL behind a load
 * balancer, or `tolem jobs` from cron beside a server), each job runs in one process at a time:
 * the one holding its `job_leases` row. Jobs are correct without this (each unit of work has its
 * idempotency key or is claimed row by row); the lease keeps N processes from each doing the whole
 * of a backlog that one of them will do anyway, every renewal read, tried and refused N times.
 *
 * A lease is taken with one compare-and-set UPDATE (the portable form of SELECT … FOR UPDATE SKIP
 * LOCKED: a process that loses the race updates nothing and waits for nothing), renewed by its
 * holder before every run and every third of a lease during one (`whileHolding`), given up after
 * a run that failed (the scheduler), and when the process stops, so that another takes the job at
 * its next tick. A holder that died is replaced once its lease runs out (`leaseMsOf`). A lease
 * ending more than 15 minutes beyond one taken now is from a clock that has since gone back, and
 * is taken over.
 */
export interface JobLeases {
  /** This process's name in `job_leases.holder`: host, pid and a random part. */
  readonly holder: string;
  /** Takes or renews the job's lease for this process; when another holds it, who and until when. */
  take(job: Job): Promise<LeaseTaken>;
  /** Gives up the job's lease if this process holds it. */
  release(job: Job): Promise<void>;
  /** How often a run in progress renews its lease: a third of the lease, so two renewals may fail in a row. */
  renewEveryMs(job: Job): number;
  /**
   * How long one run keeps its lease by renewing it (an hour): a run that hangs (a call that never
   * answers) then lets another process take the job once the lease runs out, rather than holding
   * every process off it for as long as it hangs.
   */
  readonly runHeldMaxMs: number;
}

const RUN_HELD_MS_MAX = 3_600_000;

export type LeaseTaken = { taken: true } | { taken: false; holder: string; heldUntil: string };

/** At least this long: a holder renews before each run, so a short lease only shortens a takeover. */
const LEASE_MS_MIN = 30_000;
/** At most this long: the wait for another process to take over the job of one that died. */
const LEASE_MS_MAX = 15 * 60_000;

/** How long a run's lease lasts: three of the job's intervals, between 30 s and 15 min. */
export function leaseMsOf(job: Job): number {
  return Math.min(LEASE_MS_MAX, Math.max(LEASE_MS_MIN, 3 * job.intervalMs));
}

export function newLeaseHolder(): string {
  return `${hostname()}/${process.pid}/${randomBytes(4).toString('hex')}`;
}

/**
 * How far ahead of a lease taken now another's may end before it is taken as coming from a clock
 * since gone back: the clocks of processes on one database may differ by this much (and a release
 * that changes a job's interval, hence its lease, stays within it).
 */
const CLOCK_SKEW_MS_MAX = LEASE_MS_MAX;

/** Leases kept in the database, timed by the context's clock. */
export function databaseLeases(ctx: AppContext, holder: string = newLeaseHolder(), options: { renewEveryMs?: number; runHeldMaxMs?: number } = {}): JobLeases {
  const tryTake = async (job: Job): Promise<LeaseTaken | null> => {
    const nowMs = ctx.clock.now().getTime();
    const now = new Date(nowMs).toISOString();
    const until = new Date(nowMs + leaseMsOf(job)).toISOString();
    const tooFar = new Date(nowMs + leaseMsOf(job) + CLOCK_SKEW_MS_MAX).toISOString();
    const renewed = await ctx.db.updateTable('job_leases')
      .set((eb) => ({ holder, held_until: until, taken_at: eb.case().when('holder', '=', holder).then(eb.ref('taken_at')).else(now).end() }))
      .where('job', '=', job.name)
      .where((eb) => eb.or([eb('holder', '=', holder), eb('held_until', '<=', now), eb('held_until', '>', tooFar)]))
      .executeTakeFirst();
    if (renewed.numUpdatedRows > 0n) return { taken: true };
    const inserted = await ctx.db.insertInto('job_leases').values({ job: job.name, holder, held_until: until, taken_at: now })
      .onConflict((c) => c.column('job').doNothing()).executeTakeFirst();
    if ((inserted.numInsertedOrUpdatedRows ?? 0n) > 0n) return { taken: true };
    const held = await ctx.db.selectFrom('job_leases').select(['holder', 'held_until']).where('job', '=', job.name).executeTakeFirst();
    // Given back between the insert and this read: free, try again.
    return held ? { taken: false, holder: held.holder, heldUntil: held.held_until } : null;
  };
  return {
    holder,
    async take(job) {
      return (await tryTake(job)) ?? (await tryTake(job)) ?? { taken: false, holder: 'another process, just now', heldUntil: ctx.clock.now().toISOString() };
    },
    async release(job) {
      await ctx.db.deleteFrom('job_leases').where('job', '=', job.name).where('holder', '=', holder).execute();
    },
    renewEveryMs: (job) => options.renewEveryMs ?? leaseMsOf(job) / 3,
    runHeldMaxMs: options.runHeldMaxMs ?? RUN_HELD_MS_MAX,
  };
}

/**
 * Runs `work` while keeping the job's lease: renewed every `renewEveryMs`, so that a run longer
 * than its lease (a night's renewals, a slow provider) is not joined by another process, for at
 * most `runHeldMaxMs`. Answers the work's result and whether the lease was kept throughout (a
 * failed renewal is reported and tried again at the next; one that finds the lease taken means
 * another process may be running the job now).
 */
export async function whileHolding<T>(leases: JobLeases | undefined, job: Job, work: () => Promise<T>, report: (error: unknown) => void = () => {}): Promise<{ value: T; kept: boolean }> {
  if (!leases || job.everyProcess) return { value: await work(), kept: true };
  let kept = true;
  let renewing: Promise<void> | null = null;
  const startedMs = Date.now();
  const timer = setInterval(() => {
    if (Date.now() - startedMs >= leases.runHeldMaxMs) {
      // Held long enough: the lease runs out and another process may take the job.
      kept = false;
      clearInterval(timer);
      return;
    }
    renewing ??= leases.take(job).then((lease) => { if (!lease.taken) kept = false; }, report).finally(() => { renewing = null; });
  }, leases.renewEveryMs(job));
  let value: T;
  try {
    value = await work();
  } finally {
    clearInterval(timer);
    await renewing;
  }
  return { value, kept };
}
