import type { AppContext } from '../app-context.ts';
import type { Job } from '../jobs/job.ts';
import { advanceLineLifecycle } from './advance-line-lifecycle.ts';
import { findDueLines } from './lifecycle-repository.ts';

/** Lines advanced concurrently, so that their steps share the writer's batches. */
const LINES_IN_FLIGHT_MAX = 100;

/**
 * Moves lines through grace, suspension and termination as their validity runs out. Catches up
 * after downtime (every due step, once each); a second run at the same instant does nothing.
 */
export const lifecycleJob: Job = {
  name: 'line-lifecycle',
  intervalMs: 60_000,
  async run(ctx: AppContext): Promise<number> {
    const now = ctx.clock.now();
    const lines = await findDueLines(ctx, now, ctx.settings.lifecycle, ctx.settings.lifecycle.linesPerRunMax);
    let applied = 0;
    for (let start = 0; start < lines.length; start += LINES_IN_FLIGHT_MAX) {
      const steps = await Promise.all(lines.slice(start, start + LINES_IN_FLIGHT_MAX).map((line) => advanceLineLifecycle(ctx, line, now)));
      applied += steps.reduce((sum, n) => sum + n, 0);
    }
    return applied;
  },
};
