import { assert } from '../domain/assert.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import type { BatchTx } from '../ledger/batch-tx.ts';

export interface StatusChange {
  lineId: string;
  /** The status the change was planned from; another one under lock means someone was first. */
  from: string;
  to: string;
  reason: string;
  actorId: string;
  /** For scheduled steps: the validity the step was planned from (a top-up in between cancels it). */
  validUntil?: string | null;
  dueAt?: string | null;
  /** An admin's suspension sets a bar (which a top-up does not lift); an admin's reactivation lifts it. */
  bar?: 'set' | 'lift';
  /** A scheduled step into grace or suspension: when the line is terminated unless topped up (its SMS tells the days left, or nothing once it is due). */
  terminatesAt?: string;
  /** A scheduled step into grace: when the line is suspended unless topped up (its SMS says nothing once that is due: the suspension's follows). */
  suspendsAt?: string;
}

export interface AppliedStatusChange {
  lineId: string;
  msisdn: string;
  from: string;
  to: string;
  reason: string;
  at: string;
}

/** A step of a line's history (line_events), in the command that takes it. */
export function recordLineEvent(tx: BatchTx, event: { lineId: string; from: string; to: string; reason: string; actorId: string; dueAt?: string | null }): void {
  tx.insert('line_events', {
    id: tx.newId('lev'), line_id: event.lineId, from_status: event.from, to_status: event.to, reason: event.reason,
    actor_id: event.actorId, due_at: event.dueAt ?? null, created_at: tx.nowIso,
  });
}

/**
 * Moves a locked line from one status to another inside a ledger batch, recording the step in
 * line_events and the outbox (line.status_changed) in the same commit.
 */
export function applyStatusChange(tx: BatchTx, change: StatusChange): Result<AppliedStatusChange> {
  assert(change.from !== change.to, 'a status change changes the status');
  const line = tx.line(change.lineId);
  assert(line, 'the line is locked by the command');
  if (line.status !== change.from) return fail('lifecycle_not_due', { status: line.status });
  if (change.validUntil !== undefined && line.validUntil !== change.validUntil) return fail('lifecycle_not_due', { validUntil: line.validUntil });
  if (change.bar) tx.updateLine(line.id, { status: change.to, statusChangedAt: tx.nowIso, barredAt: change.bar === 'set' ? tx.nowIso : null });
  else tx.updateLine(line.id, { status: change.to, statusChangedAt: tx.nowIso });
  recordLineEvent(tx, { lineId: line.id, from: change.from, to: change.to, reason: change.reason, actorId: change.actorId, dueAt: change.dueAt ?? null });
  tx.outbox('line.status_changed', { lineId: line.id, msisdn: line.msisdn, from: change.from, to: change.to, reason: change.reason, at: tx.nowIso, language: line.language, ...(change.bar === 'set' ? { barred: true } : {}), ...(change.terminatesAt ? { terminatesAt: change.terminatesAt } : {}), ...(change.suspendsAt ? { suspendsAt: change.suspendsAt } : {}) });
  return ok({ lineId: line.id, msisdn: line.msisdn, from: change.from, to: change.to, reason: change.reason, at: tx.nowIso });
}
