import { addDays, DAY_MS } from '../domain/time.ts';

/**
 * The validity schedule of a line, as pure rules: validity end → grace (incoming only) → after
 * graceDays suspended → after suspendedDays more terminated. A top-up moves validUntil forward
 * and brings grace and suspended lines back to active (src/topups/apply-top-up.ts).
 */
export interface LifecycleRules {
  graceDays: number;
  suspendedDays: number;
}

export type LifecycleStatus = 'preactive' | 'active' | 'grace' | 'suspended' | 'terminated';

/**
 * Whether an admin's bar holds (a lost or stolen SIM: a top-up credits the line but does not
 * reactivate it). Only a bar set since the line's latest status change counts: a process of the
 * release before migration 031 may have reactivated a barred line without clearing `barred_at`,
 * and that bar must not hold over the next, lifecycle, suspension.
 */
export function isBarred(line: { barredAt: string | null; statusChangedAt: string }): boolean {
  return line.barredAt !== null && line.barredAt >= line.statusChangedAt;
}

/**
 * A line's status at `nowIso` as the rules on it read it: an active line whose validity has ended
 * is in grace already, whether or not the lifecycle job has recorded it (it runs once a minute;
 * after downtime, later), and until then the line's row still says active. Purchases, renewals,
 * transfers and promised payments go by this.
 */
export function statusAt(status: string, validUntil: string | null, nowIso: string): string {
  return status === 'active' && validUntil !== null && validUntil <= nowIso ? 'grace' : status;
}

export interface Transition {
  from: LifecycleStatus;
  to: LifecycleStatus;
  reason: 'validity_ended' | 'grace_ended' | 'suspension_ended';
  /** When the schedule made this step due (the job may apply it later, after downtime). */
  dueAt: Date;
}

/**
 * Whether a line is terminated at `nowMs`: recorded so, or past the end of its validity schedule,
 * which the lifecycle job records within its minute (after downtime, later). A top-up must not
 * bring such a line back, and a payment for one is refused before the payer is charged.
 */
export function terminatedBySchedule(status: string, validUntil: string | null, nowMs: number, rules: LifecycleRules): boolean {
  return status === 'terminated' || (validUntil !== null && Date.parse(validUntil) + (rules.graceDays + rules.suspendedDays) * DAY_MS <= nowMs);
}

/** When each scheduled step falls due for a line whose validity ends at `validUntil`. */
export function scheduleOf(validUntil: Date, rules: LifecycleRules) {
  const graceEndsAt = addDays(validUntil, rules.graceDays);
  return { graceAt: validUntil, suspendedAt: graceEndsAt, terminatedAt: addDays(graceEndsAt, rules.suspendedDays) };
}

/** The one next step due at `now`, or null. Call again after applying it to catch up. */
export function nextTransition(status: string, validUntil: string | null, now: Date, rules: LifecycleRules): Transition | null {
  if (validUntil === null) return null;
  const schedule = scheduleOf(new Date(validUntil), rules);
  if (status === 'active' && now >= schedule.graceAt) return { from: 'active', to: 'grace', reason: 'validity_ended', dueAt: schedule.graceAt };
  if (status === 'grace' && now >= schedule.suspendedAt) return { from: 'grace', to: 'suspended', reason: 'grace_ended', dueAt: schedule.suspendedAt };
  if (status === 'suspended' && now >= schedule.terminatedAt) return { from: 'suspended', to: 'terminated', reason: 'suspension_ended', dueAt: schedule.terminatedAt };
  return null;
}

/** The status the validity schedule alone gives a line at `now` (what a reactivation restores). */
export function scheduledStatus(validUntil: string | null, now: Date, rules: LifecycleRules): LifecycleStatus {
  if (validUntil === null) return 'preactive';
  const schedule = scheduleOf(new Date(validUntil), rules);
  if (now < schedule.graceAt) return 'active';
  if (now < schedule.suspendedAt) return 'grace';
  if (now < schedule.terminatedAt) return 'suspended';
  return 'terminated';
}

/** Deterministic per step: two processes (or two runs) applying the same step share one key. */
export function transitionKey(lineId: string, to: string, validUntil: string): string {
  return `lifecycle:${lineId}:${to}:${validUntil}`;
}
