import { ALMATY_OFFSET_MS, DAY_MS } from '../domain/time.ts';
import type { ReminderState } from './sms-repository.ts';

const HOUR_MS = 3_600_000;

/** Reminders wait out the night; what just happened (a top-up, a purchase) is told at once. */
export const QUIET_TOPICS: readonly string[] = ['line.validity_expiring', 'package.expiring'];

/**
 * The first instant at or after `at` outside the quiet hours [fromHour, toHour) on Almaty's
 * clock (UTC+5 all year). The hours may wrap midnight (22 to 9); equal hours mean none.
 */
export function afterQuietHours(at: Date, fromHour: number, toHour: number): Date {
  if (fromHour === toHour) return at;
  const local = at.getTime() + ALMATY_OFFSET_MS;
  const dayStart = local - (((local % DAY_MS) + DAY_MS) % DAY_MS);
  const hour = (local - dayStart) / HOUR_MS;
  const quiet = fromHour < toHour ? hour >= fromHour && hour < toHour : hour >= fromHour || hour < toHour;
  if (!quiet) return at;
  // The end of this night: toHour today when it is still ahead, else toHour tomorrow.
  const end = hour < toHour ? dayStart + toHour * HOUR_MS : dayStart + DAY_MS + toHour * HOUR_MS;
  return new Date(end - ALMATY_OFFSET_MS);
}

/**
 * Why a reminder due now no longer holds, or null when it does: it was made when the end it
 * announces came within reach, and may have waited the night (or retries) since. A validity
 * reminder holds while the line is active with that very validity, still ahead (a top-up moved it
 * on, or the line was suspended or closed: "valid until …, top up" would be untrue); a package
 * reminder while its period is the package's last and still ahead (renewed early), its line not
 * closed, and, when it said the pack renews, while auto-renewal is still on. A reminder whose
 * event is no longer in the outbox is sent as it is.
 */
export function staleReminderReason(message: { topic: string; event_id: string; line_id: string }, state: ReminderState, nowIso: string): string | null {
  if (!QUIET_TOPICS.includes(message.topic)) return null;
  const payload = state.payloads.get(message.event_id);
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
