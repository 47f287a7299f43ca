/**
 * Days and times as a subscriber reads them in their language, on Almaty's clock (UTC+5; a time
 * late in the UTC day is the next day there): `19 Feb 2026`, `19.02.2026`, `2026年2月19日`, each
 * with `15:30` after it for a time. Node's ICU carries all four locales (Debian's Chromium lacks
 * Kazakh: the web pages format it themselves, web/i18n.js).
 */
export type DisplayLanguage = 'en' | 'ru' | 'kk' | 'zh';

/**
 * UTC+5 as a fixed offset (IANA's `Etc/GMT-5`: the sign is POSIX's), not `Asia/Almaty`: the zone's
 * move from UTC+6 (2024-03-01) is in time-zone data from 2024a on only, and an older ICU or phone
 * showed every time an hour late; and the days shown must be the days the ledger counts by
 * (`almatyDate` in time.ts, a fixed UTC+5), for any instant.
 */
const TIME_ZONE = 'Etc/GMT-5';
const NUMERIC_DAY = { day: '2-digit', month: '2-digit', year: 'numeric', timeZone: TIME_ZONE } as const;
const DAYS: Record<DisplayLanguage, Intl.DateTimeFormat> = {
  en: new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: TIME_ZONE }),
  ru: new Intl.DateTimeFormat('ru-RU', NUMERIC_DAY),
  kk: new Intl.DateTimeFormat('kk-KZ', NUMERIC_DAY),
  zh: new Intl.DateTimeFormat('zh-CN', { day: 'numeric', month: 'long', year: 'numeric', timeZone: TIME_ZONE }),
};
const CLOCK = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZone: TIME_ZONE });

export function displayLanguageOf(value: unknown): DisplayLanguage {
  return value === 'ru' || value === 'kk' || value === 'zh' ? value : 'en';
}

/** The day, or '' for a value that is no time. */
export function almatyDayIn(language: DisplayLanguage, at: unknown): string {
  const date = new Date(String(at ?? ''));
  return Number.isNaN(date.getTime()) ? '' : DAYS[language].format(date);
}

/** The day and the time of day, or '' for a value that is no time. */
export function almatyDateTimeIn(language: DisplayLanguage, at: unknown): string {
  const date = new Date(String(at ?? ''));
  return Number.isNaN(date.getTime()) ? '' : `${DAYS[language].format(date)} ${CLOCK.format(date)}`;
}
