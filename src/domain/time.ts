/** Display time is Asia/Almaty: UTC+5 all year since 2024-03-01. Stored times are ISO-8601 UTC. */
export const ALMATY_OFFSET_MS = 5 * 60 * 60 * 1000;
export const DAY_MS = 24 * 60 * 60 * 1000;

/** The calendar date in Almaty (YYYY-MM-DD) of an instant: the "day" of daily limits. */
export function almatyDate(at: Date): string {
  return new Date(at.getTime() + ALMATY_OFFSET_MS).toISOString().slice(0, 10);
}

export function almatyYear(at: Date): number {
  return Number(almatyDate(at).slice(0, 4));
}

export function addDays(at: Date, days: number): Date {
  return new Date(at.getTime() + days * DAY_MS);
}

export function laterOf(a: Date, b: Date): Date {
  return a.getTime() >= b.getTime() ? a : b;
}
