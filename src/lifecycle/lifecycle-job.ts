import type { AppContext } from '../app-context.ts';
import { mapInFlight, type Job, type JobRun } from '../jobs/job.ts';
import { advanceLineLifecycle } from './advance-line-lifecycle.ts';
import { catchUpIndexedValidity } from './catch-up-indexed-validity.ts';
import { findDueLines, type DueLine } from './lifecycle-repository.ts';
import { nextTransition } from './lifecycle-rules.ts';

/** Lines advanced concurrently, so that their steps share the writer's batches. */
const LINES_IN_FLIGHT_MAX = 100;
/**
 * Queries of the index per run. Lines found through a lagging copy of their validity (top-ups
 * leave it) are caught up in bulk and do not count against `linesPerRunMax`, so a run looks again,
 * up to this many times, rather than let them crowd out the lines really due.
 */
const ROUNDS_MAX = 10;

/**
 * Moves lines through grace, suspension and termination as their validity runs out. Catches up
 * after downtime (every due step, once each); a second run at the same instant does nothing.
 * Returns the steps applied (catch-ups of the index are not steps), and whether the run stopped at
 * `linesPerRunMax` with more lines due (the scheduler then runs it again at once).
 */
export const lifecycleJob: Job = {
  name: 'line-lifecycle',
  intervalMs: 60_000,
  async run(ctx: AppContext): Promise<JobRun> {
    const now = ctx.clock.now();
    const rules = ctx.settings.lifecycle;
    let applied = 0;
    let advanced = 0;
    for (let round = 0; round < ROUNDS_MAX && advanced < rules.linesPerRunMax; round++) {
      const asked = rules.linesPerRunMax - advanced;
      const found = await findDueLines(ctx, now, rules, asked);
      const due: DueLine[] = [];
      const lagging: string[] = [];
      for (const line of found) {
        if (nextTransition(line.status, line.valid_until, now, rules)) due.push(line);
        else lagging.push(line.id);
      }
      await catchUpIndexedValidity(ctx, lagging);
      const steps = await mapInFlight(due, LINES_IN_FLIGHT_MAX, (line) => advanceLineLifecycle(ctx, line, now));
      applied += steps.reduce((sum, n) => sum + n, 0);
      advanced += due.length;
      // Fewer than asked: the index holds no more.
      if (found.length < asked) return { handled: applied, more: false };
      // None lagging: the next query would find the same lines (none caught up); the run's limit is reached.
      if (lagging.length === 0) break;
    }
    // Stopped at a limit: more may be due. A run that moved no line would find the same ones again.
    return { handled: applied, more: applied > 0 };
  },
};
