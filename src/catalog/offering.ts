import { fail, ok, type Result } from '../domain/result.ts';
import { isBlank, unstorableText } from '../domain/text.ts';
import { addDays, ALMATY_OFFSET_MS, parseInstant } from '../domain/time.ts';
import { LANGUAGES, type Language } from '../lines/line-view.ts';
import type { OfferingTable, OfferingVersionTable } from '../packages/packages-tables.ts';

/** The catalog's pure rules: what an offering is, how its definition is checked, how it looks in the API. */
export const OFFERING_KINDS = ['data', 'voice', 'sms', 'combo', 'tariff'] as const;
export type OfferingKind = (typeof OFFERING_KINDS)[number];
export const FEE_PERIODS = ['daily', 'every_28_days', 'monthly'] as const;
export type FeePeriod = (typeof FEE_PERIODS)[number];
/** The catalog's declared rule (DESIGN.md section 3): 1 GB = 1024³ bytes, 1 MB = 1024² bytes. */
export const BYTES_PER_MB = 1024n ** 2n;
export const BYTES_PER_GB = 1024n ** 3n;
export const VALIDITY_DAYS_MAX = 366;
export const PRICE_MAX = 100_000_000n; // 1,000,000 ₸ in tiyn
const ALLOWANCE_MAX = 1n << 50n;
const CODE = /^[A-Z0-9][A-Z0-9_-]{1,39}$/;
/** Features are unit-less rights the network honours (e.g. zero-rated messengers); no bucket holds them. */
export const FEATURES = ['messengers_unlimited', 'social_unlimited', 'roaming_eaeu'] as const;

export type Texts = Record<Language, string>;

export interface OfferingInput {
  code: string;
  kind: string;
  price: number;
  validityDays?: number;
  feePeriod?: string;
  allowances?: { dataBytes?: number; dataMb?: number; dataGb?: number; voiceSeconds?: number; voiceMinutes?: number; sms?: number };
  payAsYouGo?: { perMb?: number; perMinute?: number; perSms?: number };
  names: Partial<Texts>;
  descriptions?: Partial<Texts>;
  features?: string[];
  availableFrom?: string | null;
  availableUntil?: string | null;
  autoRenewAllowed?: boolean;
  stacks?: boolean;
}

/** What a price version fixes: everything a purchase buys. A change makes a new version. */
export interface VersionTerms {
  price: bigint;
  validityDays: number;
  feePeriod: FeePeriod | null;
  dataBytes: bigint;
  voiceSeconds: bigint;
  smsCount: bigint;
  ratePerMb: bigint | null;
  ratePerMinute: bigint | null;
  ratePerSms: bigint | null;
}

export interface OfferingDefinition {
  code: string;
  kind: OfferingKind;
  terms: VersionTerms;
  names: Texts;
  descriptions: Texts;
  features: string[];
  availableFrom: string | null;
  availableUntil: string | null;
  autoRenewAllowed: boolean;
  stacks: boolean;
}

const FEE_PERIOD_DAYS: Record<FeePeriod, number> = { daily: 1, every_28_days: 28, monthly: 30 };

function integer(value: unknown, name: string, min: bigint, max: bigint): bigint | string {
  if (value === undefined) return 0n;
  if (!Number.isSafeInteger(value) || BigInt(value as number) < min || BigInt(value as number) > max) return name;
  return BigInt(value as number);
}

function isoOrNull(value: string | null | undefined): string | null | undefined {
  if (value === undefined || value === null) return null;
  const time = parseInstant(value);
  return time === null ? undefined : new Date(time).toISOString();
}

type JsonType = 'string' | 'integer' | 'boolean' | 'object' | 'array' | 'string_or_null';
const FIELD_TYPES: Record<keyof OfferingInput, JsonType> = {
  code: 'string', kind: 'string', price: 'integer', validityDays: 'integer', feePeriod: 'string', allowances: 'object', payAsYouGo: 'object',
  names: 'object', descriptions: 'object', features: 'array', availableFrom: 'string_or_null', availableUntil: 'string_or_null',
  autoRenewAllowed: 'boolean', stacks: 'boolean',
};
/** The members an object field may have, and their type. */
const MEMBERS: Partial<Record<keyof OfferingInput, { keys: readonly string[]; type: JsonType }>> = {
  allowances: { keys: ['dataBytes', 'dataMb', 'dataGb', 'voiceSeconds', 'voiceMinutes', 'sms'], type: 'integer' },
  payAsYouGo: { keys: ['perMb', 'perMinute', 'perSms'], type: 'integer' },
  names: { keys: LANGUAGES, type: 'string' }, descriptions: { keys: LANGUAGES, type: 'string' },
};

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fits(value: unknown, type: JsonType): boolean {
  if (type === 'integer') return Number.isSafeInteger(value);
  if (type === 'object') return isRecord(value);
  if (type === 'array') return Array.isArray(value);
  if (type === 'string_or_null') return value === null || typeof value === 'string';
  return typeof value === type;
}

/**
 * The first field (`names.en` for a member) that is unknown or of the wrong JSON type, or null; an
 * undefined value counts as absent. A catalog file meets no schema before this, and YAML reads
 * `code: 12345` as a number and `features: x` as a text.
 */
function misfit(input: Record<string, unknown>): string | null {
  for (const [field, value] of Object.entries(input)) {
    if (!Object.hasOwn(FIELD_TYPES, field)) return field;
    if (value === undefined) continue;
    if (!fits(value, FIELD_TYPES[field as keyof OfferingInput])) return field;
    if (field === 'features' && (value as unknown[]).some((feature) => typeof feature !== 'string')) return field;
    const members = MEMBERS[field as keyof OfferingInput];
    for (const [key, member] of members ? Object.entries(value as object) : []) {
      if (!members!.keys.includes(key) || (member !== undefined && !fits(member, members!.type))) return `${field}.${key}`;
    }
  }
  return null;
}

/** Checks an offering as given by the admin API or a catalog file; names the first bad field. */
export function parseOffering(given: unknown): Result<OfferingDefinition> {
  const bad = (field: string) => fail('offering_invalid', { field });
  if (!isRecord(given)) return bad('entry');
  const wrong = misfit(given);
  if (wrong !== null) return bad(wrong);
  const input = given as unknown as OfferingInput;
  if (typeof input.code !== 'string' || !CODE.test(input.code)) return bad('code');
  if (!(OFFERING_KINDS as readonly string[]).includes(input.kind)) return bad('kind');
  const kind = input.kind as OfferingKind;
  const price = input.price === undefined ? 'price' : integer(input.price, 'price', 0n, PRICE_MAX);
  if (typeof price === 'string') return bad(price);
  let feePeriod: FeePeriod | null = null;
  if (kind === 'tariff') {
    if (!(FEE_PERIODS as readonly string[]).includes(input.feePeriod ?? '')) return bad('feePeriod');
    feePeriod = input.feePeriod as FeePeriod;
  } else if (input.feePeriod !== undefined) return bad('feePeriod');
  const validityDays = feePeriod ? FEE_PERIOD_DAYS[feePeriod] : input.validityDays;
  // A tariff's period is its fee period's: another validityDays beside it would be dropped unseen.
  if (feePeriod && input.validityDays !== undefined && input.validityDays !== validityDays) return bad('validityDays');
  if (validityDays === undefined || !Number.isSafeInteger(validityDays) || validityDays < 1 || validityDays > VALIDITY_DAYS_MAX) return bad('validityDays');
  const a = input.allowances ?? {};
  const parts: [number | undefined, bigint, string][] = [[a.dataBytes, 1n, 'dataBytes'], [a.dataMb, BYTES_PER_MB, 'dataMb'], [a.dataGb, BYTES_PER_GB, 'dataGb']];
  let dataBytes = 0n;
  for (const [value, scale, name] of parts) {
    const parsed = integer(value, `allowances.${name}`, 0n, ALLOWANCE_MAX / scale);
    if (typeof parsed === 'string') return bad(parsed);
    dataBytes += parsed * scale;
  }
  const seconds = integer(a.voiceSeconds, 'allowances.voiceSeconds', 0n, ALLOWANCE_MAX);
  const minutes = integer(a.voiceMinutes, 'allowances.voiceMinutes', 0n, ALLOWANCE_MAX / 60n);
  const sms = integer(a.sms, 'allowances.sms', 0n, ALLOWANCE_MAX);
  if (typeof seconds === 'string') return bad(seconds);
  if (typeof minutes === 'string') return bad(minutes);
  if (typeof sms === 'string') return bad(sms);
  const features = input.features ?? [];
  if (features.some((f) => !(FEATURES as readonly string[]).includes(f))) return bad('features');
  const payg = input.payAsYouGo;
  if (payg && kind !== 'tariff') return bad('payAsYouGo');
  const rate = (value: number | undefined, name: string) => (value === undefined ? null : integer(value, name, 0n, PRICE_MAX));
  const rates = [rate(payg?.perMb, 'payAsYouGo.perMb'), rate(payg?.perMinute, 'payAsYouGo.perMinute'), rate(payg?.perSms, 'payAsYouGo.perSms')];
  const badRate = rates.find((r) => typeof r === 'string');
  if (typeof badRate === 'string') return bad(badRate);
  const voiceSeconds = seconds + minutes * 60n;
  // The totals within the bound of each field: a PATCH lays its fields over the stored total given as
  // `dataBytes` / `voiceSeconds` (inputOf), which would otherwise refuse every later edit, a window's too.
  if (dataBytes > ALLOWANCE_MAX || voiceSeconds > ALLOWANCE_MAX) return bad('allowances');
  if (kind !== 'tariff' && dataBytes === 0n && voiceSeconds === 0n && sms === 0n && features.length === 0) return bad('allowances');
  const names = texts(input.names ?? {});
  if (!names) return bad('names');
  const descriptions = texts(input.descriptions ?? {}, true);
  if (!descriptions) return bad('descriptions');
  const availableFrom = isoOrNull(input.availableFrom);
  const availableUntil = isoOrNull(input.availableUntil);
  if (availableFrom === undefined) return bad('availableFrom');
  if (availableUntil === undefined || (availableFrom && availableUntil && availableUntil <= availableFrom)) return bad('availableUntil');
  return ok({
    code: input.code, kind, names, descriptions, features, availableFrom, availableUntil,
    autoRenewAllowed: input.autoRenewAllowed ?? true, stacks: input.stacks ?? kind !== 'tariff',
    terms: {
      price, validityDays, feePeriod, dataBytes, voiceSeconds, smsCount: sms,
      ratePerMb: rates[0] as bigint | null, ratePerMinute: rates[1] as bigint | null, ratePerSms: rates[2] as bigint | null,
    },
  });
}

/**
 * Subscriber-facing text in all four languages. Descriptions may be left out as a whole (then
 * none is shown in any language), but one given is given in all four: never English in another's place.
 */
function texts(given: Partial<Texts>, optional = false): Texts | null {
  const result = {} as Texts;
  const none = optional && LANGUAGES.every((language) => given[language] === undefined || given[language] === '');
  for (const language of LANGUAGES) {
    const text = none ? '' : given[language];
    if (text === undefined || text.length > 500 || (!none && isBlank(text)) || unstorableText(text) !== null) return null;
    result[language] = text;
  }
  return result;
}

export function sameTerms(a: VersionTerms, b: VersionTerms): boolean {
  return (Object.keys(a) as (keyof VersionTerms)[]).every((key) => a[key] === b[key]);
}

/**
 * When a period starting at `start` ends: whole days, or for monthly tariffs the same day of the
 * next month in Almaty's calendar (a purchase at 03:00 local on 31 March, still 30 March in UTC,
 * ends on 30 April, not 1 May). A day the next month lacks is its last day; `anchor` (when the
 * package was first bought) gives the day back once a month has it again, so that periods chained
 * end to end from the 31st run 31 Jan → 28 Feb → 31 Mar → 30 Apr, not 28 Mar, 28 Apr… for ever.
 * The anchor applies only to a start on the last day of its month (one a short month cut).
 */
export function periodEnd(start: Date, terms: Pick<VersionTerms, 'feePeriod' | 'validityDays'>, anchor: Date = start): Date {
  if (terms.feePeriod === 'monthly') {
    const local = new Date(start.getTime() + ALMATY_OFFSET_MS);
    const startDay = local.getUTCDate();
    const lastDayOf = (year: number, month: number) => new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
    const anchorDay = new Date(anchor.getTime() + ALMATY_OFFSET_MS).getUTCDate();
    const day = startDay === lastDayOf(local.getUTCFullYear(), local.getUTCMonth()) && anchorDay > startDay ? anchorDay : startDay;
    local.setUTCDate(1);
    local.setUTCMonth(local.getUTCMonth() + 1);
    local.setUTCDate(Math.min(day, lastDayOf(local.getUTCFullYear(), local.getUTCMonth())));
    return new Date(local.getTime() - ALMATY_OFFSET_MS);
  }
  return addDays(start, terms.validityDays);
}

/** On sale at `now` (a Date, or the same instant as ISO-8601 UTC text). */
export function isOnSale(offering: Pick<OfferingTable, 'available_from' | 'available_until'>, now: Date | string): boolean {
  const at = typeof now === 'string' ? now : now.toISOString();
  return (!offering.available_from || offering.available_from <= at) && (!offering.available_until || at < offering.available_until);
}

export function termsOf(row: OfferingVersionTable): VersionTerms {
  const optional = (value: bigint | null) => (value === null ? null : BigInt(value));
  return {
    price: BigInt(row.price), validityDays: Number(row.validity_days), feePeriod: row.fee_period as FeePeriod | null,
    dataBytes: BigInt(row.data_bytes), voiceSeconds: BigInt(row.voice_seconds), smsCount: BigInt(row.sms_count),
    ratePerMb: optional(row.rate_per_mb), ratePerMinute: optional(row.rate_per_minute), ratePerSms: optional(row.rate_per_sms),
  };
}
