import { CONFIRMATION_TOPIC } from '../transfers/confirm-transfer.ts';
import { QUIET_TOPICS } from './quiet-hours.ts';
import type { MessageState } from './sms-repository.ts';

/** The topics whose messages are checked again when due: they announce something that may stop being true while they wait. */
export const CHECKED_TOPICS: readonly string[] = [...QUIET_TOPICS, CONFIRMATION_TOPIC];

/**
 * Why a message due now no longer holds, or null when it does. A reminder was made when the end it
 * announces came within reach, and may have waited the night (or retries) since: a validity
 * reminder holds while the line is active with that very validity, still ahead (a top-up moved it
 * on, or the line was suspended or closed: "valid until …, top up" would be untrue); a package
 * reminder while its period is the package's last and still ahead (renewed early), its line not
 * closed, and, when it said the pack renews, while auto-renewal is still on. A transfer's code,
 * tried again after the SMSC failed, is not sent once it has expired. A message whose event is no
 * longer in the outbox is sent as it is.
 */
export function staleMessageReason(message: { topic: string; event_id: string; line_id: string }, state: MessageState, nowIso: string): string | null {
  if (!CHECKED_TOPICS.includes(message.topic)) return null;
  const payload = state.payloads.get(message.event_id);
  // A transfer's code sent again after a failed try: no use (and "valid N min" untrue) once it has expired.
  if (message.topic === CONFIRMATION_TOPIC) return typeof payload?.expiresAt === 'string' && payload.expiresAt <= nowIso ? 'the code has expired' : null;
  const line = state.lines.get(message.line_id);
  if (!payload || !line) return null;
  if (message.topic === 'line.validity_expiring') {
    if (line.status !== 'active') return `reminder no longer holds: the line is ${line.status}`;
    if (line.valid_until !== payload.validUntil) return 'reminder no longer holds: the validity has changed';
    return typeof payload.validUntil === 'string' && payload.validUntil <= nowIso ? 'reminder no longer holds: the validity has ended' : null;
  }
  if (line.status === 'terminated') return 'reminder no longer holds: the line is terminated';
  const pack = typeof payload.packageId === 'string' ? state.packages.get(payload.packageId) : undefined;
  if (!pack) return null;
  if (pack.lastPeriod > BigInt(Number(payload.period ?? 0))) return 'reminder no longer holds: the package was renewed';
  if (typeof payload.expiresAt === 'string' && payload.expiresAt <= nowIso) return 'reminder no longer holds: the package has ended';
  return payload.autoRenew === true && !pack.autoRenew ? 'reminder no longer holds: auto-renewal was turned off' : null;
}
