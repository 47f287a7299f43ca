/** Display time is Asia/Almaty: UTC+5 all year since 2024-03-01. Stored times are ISO-8601 UTC. */
export const ALMATY_OFFSET_MS = 5 * 60 * 60 * 1000;
export const DAY_MS = 24 * 60 * 60 * 1000;

/** The calendar date in Almaty (YYYY-MM-DD) of an instant: the "day" of daily limits. */
export function almatyDate(at: Date): string {
  const ms = at.getTime();
  // Asked several times per top-up, nearly always for the same day: the last day's answer is kept.
  if (!(ms >= lastDay.startMs && ms < lastDay.startMs + DAY_MS)) {
    const local = ms + ALMATY_OFFSET_MS;
    lastDay = { startMs: local - (((local % DAY_MS) + DAY_MS) % DAY_MS) - ALMATY_OFFSET_MS, date: new Date(local).toISOString().slice(0, 10) };
  }
  return lastDay.date;
}

let lastDay = { startMs: NaN, date: '' };

export function almatyYear(at: Date): number {
  return Number(almatyDate(at).slice(0, 4));
}

export function addDays(at: Date, days: number): Date {
  return new Date(at.getTime() + days * DAY_MS);
}

export function laterOf(a: Date, b: Date): Date {
  return a.getTime() >= b.getTime() ? a : b;
}

const RFC3339_OR_DATE = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/i;

/** The years a time given to Tolem may fall in: a usage event in year 0 or 9999 is a broken clock, not a call. */
export const INSTANT_YEARS = { min: 2000, max: 2199 } as const;

/**
 * An ISO-8601 date-time as epoch milliseconds, or null when it is malformed, names a day that
 * does not exist (Date.parse quietly rolls 2026-02-30 over into March) or falls outside INSTANT_YEARS.
 * A time of day must name its offset (RFC 3339: `Z` or `±hh:mm`): Date.parse would read one without
 * it in the server's own time zone, so that one request meant another moment on another server. A
 * date alone is that day's start in UTC.
 */
export function parseInstant(text: string): number | null {
  if (!RFC3339_OR_DATE.test(text)) return null;
  const ms = Date.parse(text);
  const day = /^(\d{4})-(\d{2})-(\d{2})/.exec(text);
  if (!Number.isFinite(ms) || !day) return null;
  const [year, month, date] = [Number(day[1]), Number(day[2]), Number(day[3])];
  // The year as written and the instant's own (2000-01-01T00:00:00+05:00 is in 1999 in UTC).
  if (year < INSTANT_YEARS.min || year > INSTANT_YEARS.max) return null;
  const utcYear = new Date(ms).getUTCFullYear();
  if (utcYear < INSTANT_YEARS.min || utcYear > INSTANT_YEARS.max) return null;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return month >= 1 && month <= 12 && date >= 1 && date <= daysInMonth ? ms : null;
}

/**
 * A period's bound as operators give it: a date alone (YYYY-MM-DD) is that Almaty day's first
 * instant (UTC+5, as the ledger report and the aggregator registry read days), anything else an
 * ISO-8601 instant as parseInstant reads it; epoch milliseconds, or null. The day is checked as that
 * day in UTC, then moved to Almaty's midnight (2000-01-01 begins in 1999 in UTC).
 */
export function parseAlmatyDayOrInstant(text: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(text)) return parseInstant(text);
  const day = parseInstant(`${text}T00:00:00Z`);
  return day === null ? null : day - ALMATY_OFFSET_MS;
}

/**
 * An instant (epoch milliseconds, or text Date understands) as ISO-8601 UTC, or undefined when it
 * is none a Date can hold: `toISOString` throws on those, and a provider's signed event may carry one.
 */
export function isoInstant(at: number | string): string | undefined {
  const date = new Date(at);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}
