import type { AppContext } from '../app-context.ts';
import { requireRole, type Actor } from '../auth/actor.ts';
import { insertAudit } from '../auth/auth-repository.ts';
import { parseMsisdn } from '../domain/msisdn.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { isBlank } from '../domain/text.ts';
import { findLineByMsisdn, type LineRow } from '../lines/lines-repository.ts';
import type { BatchTx } from '../ledger/batch-tx.ts';
import { applyStatusChange, recordLineEvent, type AppliedStatusChange } from './apply-status-change.ts';
import { isBarred, scheduledStatus, terminatedBySchedule } from './lifecycle-rules.ts';

export interface ChangeLineStatusInput {
  reason: string;
}

/** Statuses an operator may suspend from; terminated is final and suspended already is. */
const SUSPENDABLE = ['preactive', 'active', 'grace'];

/**
 * An operator's suspension or reactivation of a line, with a reason, audited. The suspension is a
 * bar (a lost or stolen SIM, fraud): a top-up credits the line but does not lift it, only an
 * admin's reactivation does. Reactivation restores the status the validity schedule gives the line
 * now (active, grace or preactive); when the schedule says suspended, it lifts the bar only, and a
 * top-up (which extends validity) brings the line back.
 */
export async function changeLineStatus(ctx: AppContext, actor: Actor, msisdnInput: string, action: 'suspend' | 'reactivate', input: ChangeLineStatusInput): Promise<Result<AppliedStatusChange>> {
  const target = await adminLineStep(ctx, actor, msisdnInput, input.reason);
  if (!target.ok) return target;
  const { line, reason } = target.value;
  const result = await ctx.writer.submit<AppliedStatusChange>({
    name: `line:${action}`,
    lock: { lines: [line.id] },
    execute(tx) {
      const current = tx.line(line.id)!;
      // Past the end of its schedule the line is terminated, recorded by the job yet or not (a top-up
      // is refused): a bar would tell its subscriber to call the operator, a lifted one to top up.
      if (terminatedBySchedule(current.status, current.validUntil, tx.now.getTime(), ctx.settings.lifecycle)) return fail('line_terminated');
      let to: string;
      if (action === 'suspend') {
        // A line the lifecycle suspended (for want of a top-up) may be barred too: a SIM lost meanwhile.
        // Dated no earlier than the suspension: after the clock was stepped back (an NTP correction) a
        // bar dated before it would not hold (isBarred), and a top-up would bring the lost SIM back.
        if (current.status === 'suspended' && !isBarred(current)) return barOnly(tx, current, `${action}: ${reason}`, actor.id, current.statusChangedAt > tx.nowIso ? current.statusChangedAt : tx.nowIso);
        if (!SUSPENDABLE.includes(current.status)) return fail('line_status_invalid', { status: current.status });
        to = 'suspended';
      } else {
        if (current.status !== 'suspended') return fail('line_status_invalid', { status: current.status });
        to = scheduledStatus(current.validUntil, tx.now, ctx.settings.lifecycle);
        if (to === 'suspended' || to === 'terminated') {
          if (!isBarred(current)) return fail('line_validity_expired', { validUntil: current.validUntil });
          return barOnly(tx, current, `${action}: ${reason}`, actor.id, null);
        }
      }
      return applyStatusChange(tx, { lineId: line.id, from: current.status, to, reason: `${action}: ${reason}`, actorId: actor.id, bar: action === 'suspend' ? 'set' : 'lift' });
    },
  });
  if (!result.ok) return result;
  await insertAudit(ctx, actor, `line.${action}`, line.id, { reason, from: result.value.value.from, to: result.value.value.to });
  return ok(result.value.value);
}

/**
 * A bar set or lifted on a line that stays suspended: one the lifecycle suspended is barred (a SIM
 * lost meanwhile), and a barred one whose validity has run out is unbarred, after which a top-up
 * brings it back as it would any line the lifecycle suspended. Recorded like a status change.
 */
function barOnly(tx: BatchTx, line: { id: string; msisdn: string; language: string }, reason: string, actorId: string, barredAt: string | null): Result<AppliedStatusChange> {
  tx.updateLine(line.id, { barredAt });
  recordLineEvent(tx, { lineId: line.id, from: 'suspended', to: 'suspended', reason, actorId });
  // The subscriber's last SMS said a top-up keeps the line (or that it is barred): `barred` says which is now true.
  tx.outbox('line.status_changed', { lineId: line.id, msisdn: line.msisdn, from: 'suspended', to: 'suspended', reason, at: tx.nowIso, language: line.language, barred: barredAt !== null });
  return ok({ lineId: line.id, msisdn: line.msisdn, from: 'suspended', to: 'suspended', reason, at: tx.nowIso });
}

/** What an admin's status change starts from: the role, a reason that is not blank, the line by its number. */
export async function adminLineStep(ctx: AppContext, actor: Actor, msisdnInput: string, reasonInput: string): Promise<Result<{ line: LineRow; reason: string }>> {
  const denied = requireRole(actor, ['admin']);
  if (denied) return denied as Result<never>;
  const reason = reasonInput.trim();
  if (isBlank(reason)) return fail('validation_failed', { field: 'reason' });
  const msisdn = parseMsisdn(msisdnInput);
  if (!msisdn.ok) return msisdn;
  const line = await findLineByMsisdn(ctx, msisdn.value);
  return line ? ok({ line, reason }) : fail('line_not_found');
}
