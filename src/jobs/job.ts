import type { AppContext } from '../app-context.ts';

/**
 * What a run did: how many items it handled, and whether it stopped at one of its limits with
 * more already due. The scheduler runs such a job again at once instead of waiting its interval,
 * so a backlog (a night's renewals, a day of downtime) is worked off at the writer's pace while
 * each run stays bounded. `more` must mean work that a run can take now: an item put back to wait
 * (a renewal that failed for want of money) is not more.
 */
export interface JobRun {
  handled: number;
  more: boolean;
}

/**
 * A scheduled job. `run` does whatever is due at `ctx.clock.now()` and returns how many items it
 * handled (or a JobRun). Jobs must be idempotent (a deterministic key per unit of work), safe when
 * several processes run them at once on PostgreSQL (claim rows with FOR UPDATE SKIP LOCKED or do
 * the work through the ledger writer with idempotency keys), and catch up after downtime.
 */
export interface Job {
  name: string;
  /** How often the scheduler runs it. */
  intervalMs: number;
  run(ctx: AppContext): Promise<number | JobRun>;
  /**
   * Runs in every process at once, each taking different rows (SMS and webhook senders claim
   * their rows one by one), so that the processes share the sending. Other jobs run in the one
   * process holding their lease (src/jobs/job-leases.ts).
   */
  everyProcess?: boolean;
}

export const handledBy = (run: number | JobRun): number => (typeof run === 'number' ? run : run.handled);
export const moreAfter = (run: number | JobRun): boolean => typeof run !== 'number' && run.more;

/**
 * Runs back to back that may say more is due while handling nothing (renewals that all fail for
 * want of money do). Past this many in a row, the job waits for its next interval: no job spins
 * on a `more` that makes no progress, whatever a bug or a setting makes it say.
 */
export const IDLE_RERUNS_MAX = 10;

/**
 * Calls `work` for each item with at most `inFlightMax` calls waiting at once, so that a job's
 * ledger commands share the writer's batches; the answers come back in the items' order.
 */
export async function mapInFlight<T, R>(items: readonly T[], inFlightMax: number, work: (item: T) => Promise<R>): Promise<R[]> {
  const answers = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  const lane = async () => {
    // After a failure no item is started, and the calls under way are waited for: a run that
    // throws has nothing of its own still writing when its caller moves on.
    while (!failed && next < items.length) {
      const index = next++;
      try {
        answers[index] = await work(items[index]!);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  const lanes = await Promise.allSettled(Array.from({ length: Math.min(inFlightMax, items.length) }, lane));
  const rejected = lanes.find((lane) => lane.status === 'rejected');
  if (rejected) throw rejected.reason;
  return answers;
}
