import type { AppContext } from '../app-context.ts';
import type { Actor } from '../auth/actor.ts';
import { insertAudit } from '../auth/auth-repository.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { adminLineStep } from './change-line-status.ts';
import { applyStatusChange, type AppliedStatusChange } from './apply-status-change.ts';
import { closeTerminatedLine, forfeitLateBuckets, forfeitureLocks, type Forfeited } from './forfeit-line-balances.ts';
import { bucketAccountIdsOf } from './lifecycle-repository.ts';

export type Termination = AppliedStatusChange & { forfeited: Forfeited };

/**
 * An operator closes a line before its lifecycle would (the subscriber gave the SIM back, fraud,
 * a court order): from any status to terminated at once, with a reason, audited, as the lifecycle
 * job's last step does it: balances and buckets to breakage, an open promised payment repaid or
 * written off, the number quarantined. Final: a second call is `line_terminated`. A package
 * bought between reading the line's buckets and the command is forfeited right after it.
 */
export async function terminateLine(ctx: AppContext, actor: Actor, msisdnInput: string, input: { reason: string }): Promise<Result<Termination>> {
  const target = await adminLineStep(ctx, actor, msisdnInput, input.reason);
  if (!target.ok) return target;
  const { line, reason } = target.value;
  if (line.status === 'terminated') return fail('line_terminated');
  const bucketIds = await bucketAccountIdsOf(ctx, line.id);
  const result = await ctx.writer.submit<Termination>({
    name: 'line:terminate',
    lock: { lines: [line.id], accounts: forfeitureLocks(line.id, bucketIds) },
    execute(tx) {
      const current = tx.line(line.id)!;
      if (current.status === 'terminated') return fail('line_terminated');
      const change = applyStatusChange(tx, { lineId: line.id, from: current.status, to: 'terminated', reason: `terminate: ${reason}`, actorId: actor.id });
      if (!change.ok) return change;
      const forfeited = closeTerminatedLine(tx, current, bucketIds, ctx.settings.lifecycle.quarantineDays);
      if (!forfeited.ok) return forfeited;
      return ok({ ...change.value, forfeited: forfeited.value });
    },
  });
  if (!result.ok) return result;
  const done = result.value.value;
  const late = await forfeitLateBuckets(ctx, line.id, bucketIds);
  if (late.ok) done.forfeited.buckets.push(...late.value);
  else ctx.reportError(new Error(`late bucket forfeit failed: ${late.error.code}`), { lineId: line.id });
  await insertAudit(ctx, actor, 'line.terminate', line.id, { reason, from: done.from, forfeited: done.forfeited });
  return ok(done);
}
