import { almatyDayBounds, isCalendarDate } from '../agents/agent-day-report.ts';

/** The UTC bounds of an Almaty calendar day, or null when `date` is not YYYY-MM-DD. */
export function calendarDayBounds(date: string): { fromIso: string; toIso: string } | null {
  return isCalendarDate(date) ? almatyDayBounds(date) : null;
}
