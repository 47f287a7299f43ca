import { addDays } from '../domain/time.ts';
import type { Settings } from '../config.ts';
import { statusAt } from '../lifecycle/lifecycle-rules.ts';

/** Why a line may not take a promised payment now, with the setting the reason comes from. */
export type CreditRefusal =
  | { reason: 'tenure'; tenureDaysMin: number }
  | { reason: 'no_recent_topup'; recentTopupDays: number }
  | { reason: 'line_not_active'; status: string }
  | { reason: 'credit_open' };

interface TopUpWindow {
  first_topup_at: string | null;
  last_topup_at: string | null;
}

/** The rules on a line's top-up history: its first top-up old enough, its last recent enough. */
export function topUpRefusalOf(settings: Settings['credit'], line: TopUpWindow, now: Date): CreditRefusal | null {
  if (line.first_topup_at === null || line.first_topup_at > addDays(now, -settings.tenureDaysMin).toISOString()) return { reason: 'tenure', tenureDaysMin: settings.tenureDaysMin };
  if (line.last_topup_at === null || line.last_topup_at < addDays(now, -settings.recentTopupDays).toISOString()) return { reason: 'no_recent_topup', recentTopupDays: settings.recentTopupDays };
  return null;
}

/**
 * The rules on the line as it is now: active, and owing nothing. An active line whose validity has
 * ended (`validUntil` at or before `nowIso`) is in grace already, whether or not the lifecycle job
 * has recorded it yet (it runs once a minute; after downtime, later).
 */
export function stateRefusalOf(status: string, owed: bigint, validUntil: string | null, nowIso: string): CreditRefusal | null {
  const current = statusAt(status, validUntil, nowIso);
  if (current !== 'active') return { reason: 'line_not_active', status: current };
  return owed > 0n ? { reason: 'credit_open' } : null;
}

/**
 * Every rule, in the order a grant applies them (its top-up history before it takes the line's
 * lock, the rest under it), so the offer a line is shown says what taking one would answer.
 */
export function creditRefusalOf(settings: Settings['credit'], line: TopUpWindow & { status: string; valid_until: string | null }, owed: bigint, now: Date): CreditRefusal | null {
  return topUpRefusalOf(settings, line, now) ?? stateRefusalOf(line.status, owed, line.valid_until, now.toISOString());
}
