import type { AppContext } from '../app-context.ts';
import { addDays } from '../domain/time.ts';
import { ok } from '../domain/result.ts';
import type { LedgerCommand } from '../ledger/ledger-writer.ts';
import { applyStatusChange, type AppliedStatusChange } from './apply-status-change.ts';
import { closeTerminatedLine, forfeitLateBuckets, forfeitureLocks, type Forfeited } from './forfeit-line-balances.ts';
import { bucketAccountIdsOf, type DueLine } from './lifecycle-repository.ts';
import { nextTransition, scheduleOf, transitionKey, type Transition } from './lifecycle-rules.ts';

/** At most grace, suspended, terminated: one line never takes more steps in one run. */
const STEPS_PER_LINE_MAX = 3;

export interface StepOutcome {
  change: AppliedStatusChange;
  forfeited: Forfeited | null;
}

/**
 * Applies every lifecycle step due at `now` to one line, one ledger command per step, so that a
 * line 200 days past its validity goes through grace, suspended and terminated once each. Each
 * step carries a deterministic idempotency key and re-checks the line under lock, so running it
 * twice, or in two processes at once, applies each step once. Returns the steps this call applied.
 * (Lines found through a lagging index copy of their validity are caught up by the job instead.)
 */
export async function advanceLineLifecycle(ctx: AppContext, line: DueLine, now: Date): Promise<number> {
  let status = line.status;
  let applied = 0;
  for (let step = 0; step < STEPS_PER_LINE_MAX; step++) {
    const transition = nextTransition(status, line.valid_until, now, ctx.settings.lifecycle);
    if (!transition) break;
    const bucketIds = transition.to === 'terminated' ? await bucketAccountIdsOf(ctx, line.id) : [];
    const result = await ctx.writer.submit(stepCommand(ctx, line, transition, bucketIds));
    if (!result.ok) {
      // lifecycle_not_due: a top-up, an admin or another process changed the line first.
      if (result.error.code !== 'lifecycle_not_due') ctx.reportError(new Error(`lifecycle step failed: ${result.error.code}`), { lineId: line.id });
      break;
    }
    if (!result.value.replayed) applied++;
    if (transition.to === 'terminated') await forfeitLate(ctx, line.id, bucketIds);
    status = transition.to;
  }
  return applied;
}

/** A package bought while the step was queued (see forfeitLateBuckets); its bucket's expiry would take it otherwise. */
async function forfeitLate(ctx: AppContext, lineId: string, known: string[]): Promise<void> {
  const late = await forfeitLateBuckets(ctx, lineId, known);
  if (!late.ok) ctx.reportError(new Error(`late bucket forfeit failed: ${late.error.code}`), { lineId });
}

function stepCommand(ctx: AppContext, line: DueLine, transition: Transition, bucketIds: string[]): LedgerCommand<StepOutcome> {
  const validUntil = line.valid_until!;
  const key = transitionKey(line.id, transition.to, validUntil);
  const terminating = transition.to === 'terminated';
  const schedule = scheduleOf(new Date(validUntil), ctx.settings.lifecycle);
  return {
    name: `lifecycle:${transition.to}`,
    lock: { lines: [line.id], accounts: terminating ? forfeitureLocks(line.id, bucketIds) : [] },
    // The re-check under lock is what makes a step happen once; the key answers a racing twin
    // without running it, and may be purged after the usual retention.
    idempotency: { key, fingerprint: key, expiresAt: addDays(ctx.clock.now(), ctx.settings.idempotency.retentionHours / 24).toISOString() },
    execute(tx) {
      const change = applyStatusChange(tx, {
        lineId: line.id, from: transition.from, to: transition.to, reason: transition.reason, actorId: 'system:lifecycle',
        validUntil, dueAt: transition.dueAt.toISOString(),
        // The suspension's SMS tells the days really left, also when the step is applied late; the
        // grace and suspension SMS say nothing once termination is due (a catch-up), its own SMS follows.
        ...(transition.to === 'suspended' || transition.to === 'grace' ? { terminatesAt: schedule.terminatedAt.toISOString() } : {}),
        // Nor the grace's once the suspension is due too (LIFECYCLE_GRACE_DAYS=0, or jobs down longer): "incoming calls only" would not hold.
        ...(transition.to === 'grace' ? { suspendsAt: schedule.suspendedAt.toISOString() } : {}),
      });
      if (!change.ok) return change;
      if (!terminating) return ok({ change: change.value, forfeited: null });
      const forfeited = closeTerminatedLine(tx, line, bucketIds, ctx.settings.lifecycle.quarantineDays);
      if (!forfeited.ok) return forfeited;
      return ok({ change: change.value, forfeited: forfeited.value });
    },
  };
}
