import { assert } from './assert.ts';

/** Money is an integer count of minor units (tiyn for KZT, ISO 4217 exponent 2). */
export const CURRENCIES = ['KZT'] as const;
export type Currency = (typeof CURRENCIES)[number];
export const MINOR_UNITS_PER_MAJOR = 100n;

export function isCurrency(value: string): value is Currency {
  return (CURRENCIES as readonly string[]).includes(value);
}

/** Converts a JSON number of minor units to bigint; null when it is not a positive safe integer. */
export function parseMinorUnits(value: unknown): bigint | null {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) return null;
  return BigInt(value);
}

/** Whole tenge to minor units, for settings written in tenge. */
export function tenge(amount: number): bigint {
  assert(Number.isSafeInteger(amount) && amount >= 0, 'tenge() takes a non-negative whole number');
  return BigInt(amount) * MINOR_UNITS_PER_MAJOR;
}

/** 12345n → "123.45" (no grouping, for protocols and receipts). */
export function formatDecimal(amount: bigint): string {
  const negative = amount < 0n;
  const absolute = negative ? -amount : amount;
  const major = absolute / MINOR_UNITS_PER_MAJOR;
  const minor = (absolute % MINOR_UNITS_PER_MAJOR).toString().padStart(2, '0');
  return `${negative ? '-' : ''}${major}.${minor}`;
}

/** 12345600n → "123 456 ₸" for people; minor units shown only when present. */
export function formatTenge(amount: bigint, language = 'ru'): string {
  const decimal = formatDecimal(amount);
  const [major = '0', minor = '00'] = decimal.split('.');
  const [group, point] = COMMA_GROUPED.has(language) ? [',', '.'] : ['\u00a0', ','];
  const grouped = major.replace(/\B(?=(\d{3})+(?!\d))/g, group);
  return `${grouped}${minor === '00' ? '' : point + minor}\u00a0₸`;
}

/** English and Chinese group thousands with commas ("5,000.50 ₸"); Russian and Kazakh with spaces ("5 000,50 ₸"), as the web pages do. */
const COMMA_GROUPED = new Set(['en', 'zh']);

/** Bigint amount to a JSON number; amounts in Tolem's API are bounded far below 2^53. */
export function toJsonAmount(amount: bigint): number {
  const value = Number(amount);
  assert(Number.isSafeInteger(value), `amount ${amount} is outside the JSON-safe range`);
  return value;
}

/**
 * What a daily limit still leaves after `usedToday`: never below nothing, though a day may have
 * taken more than the limit of now (TOPUP_LINE_DAILY_MAX_KZT or TRANSFER_SENDER_DAILY_MAX_KZT
 * lowered at a restart during the day).
 */
export function remainingToday(usedToday: bigint, dailyMax: bigint): bigint {
  return usedToday < dailyMax ? dailyMax - usedToday : 0n;
}
