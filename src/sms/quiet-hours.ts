import { ALMATY_OFFSET_MS, DAY_MS } from '../domain/time.ts';

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

