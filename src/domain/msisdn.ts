import { parsePhoneNumberFromString } from 'libphonenumber-js/max';
import { fail, ok, type Result } from './result.ts';
import { asciiTyped } from './text.ts';

/**
 * Kazakhstan mobile numbers (+7 7xx xxx xx xx). People type them in many ways:
 * "+7 701 123 45 67", "87011234567", "7011234567", "8 (701) 123-45-67", in full-width characters
 * ("８７０１…", "＋７", as a Chinese or Japanese keyboard types them) and with any dash (‐ ‑ – — −).
 * The operator table is a hint only: numbers are portable, and the operator's own lines are
 * whatever its database holds. A deployment may replace the table (setting OPERATOR_PREFIXES).
 */
export const DEFAULT_OPERATOR_PREFIXES: Record<string, string> = {
  '700': 'Altel', '708': 'Altel',
  '701': 'Kcell', '702': 'Kcell', '775': 'Kcell', '778': 'Kcell',
  '705': 'Beeline', '706': 'Beeline', '771': 'Beeline', '776': 'Beeline', '777': 'Beeline',
  '707': 'Tele2', '747': 'Tele2',
};

const INPUT_LENGTH_MAX = 32;
const TYPED_NUMBER = /^[\d\s()+\-.]+$/;

/** Returns the E.164 form (+77011234567) or msisdn_invalid. */
export function parseMsisdn(input: string): Result<string> {
  if (typeof input !== 'string' || input.length === 0 || input.length > INPUT_LENGTH_MAX) {
    return fail('msisdn_invalid');
  }
  let text = input;
  // Read as ASCII first: a number as machines send it (each usage event's) pays for no replacing.
  if (!TYPED_NUMBER.test(text)) {
    text = asciiTyped(input);
    if (!TYPED_NUMBER.test(text)) return fail('msisdn_invalid');
  }
  let digits = text.replace(/\D/g, '');
  // Domestic trunk prefix 8 (87011234567) and bare national numbers (7011234567).
  if (digits.length === 11 && digits.startsWith('8')) digits = '7' + digits.slice(1);
  if (digits.length === 10 && digits.startsWith('7')) digits = '7' + digits;
  if (digits.length !== 11 || !digits.startsWith('77')) return fail('msisdn_invalid');
  return isMobilePrefix(digits.slice(1, 4)) ? ok('+' + digits) : fail('msisdn_invalid');
}

/**
 * Whether numbers +7 7xx xxx xx xx under this three-digit prefix are Kazakhstan mobile numbers,
 * asked of libphonenumber once per prefix: its metadata decides validity and type of a ten-digit
 * national number starting with 7 by those three digits alone (the test checks it against
 * libphonenumber for every prefix), and a parse costs more than the rest of a top-up's checks.
 */
const mobilePrefixes = new Map<string, boolean>();

function isMobilePrefix(prefix: string): boolean {
  let mobile = mobilePrefixes.get(prefix);
  if (mobile === undefined) {
    mobilePrefixes.set(prefix, mobile = isKazakhMobile(`+7${prefix}1234567`));
  }
  return mobile;
}

/** libphonenumber's own answer for one number in E.164. */
export function isKazakhMobile(e164: string): boolean {
  const parsed = parsePhoneNumberFromString(e164);
  if (!parsed || parsed.country !== 'KZ' || !parsed.isValid() || parsed.number !== e164) return false;
  const type = parsed.getType();
  return type === undefined || type === 'MOBILE' || type === 'FIXED_LINE_OR_MOBILE';
}

/** The operator a prefix was first assigned to, or null. */
export function operatorHint(msisdn: string, prefixes: Record<string, string> = DEFAULT_OPERATOR_PREFIXES): string | null {
  return prefixes[msisdn.slice(2, 5)] ?? null;
}

/** +77011234567 → +7701***4567; for logs and for confirming a number to a cashier. */
export function maskMsisdn(msisdn: string): string {
  if (msisdn.length < 8) return '***';
  return msisdn.slice(0, 5) + '***' + msisdn.slice(-4);
}

/**
 * A run that may be a phone number as people type it: an optional + (or %2B), then digits with
 * spaces, dashes, dots and brackets between them, plain or percent-encoded, not glued to a word
 * (a receipt number's R-2026-…, an id's tail, a longer token).
 */
// Bounded: a run of separators with no digit to end it (16,000 "(" in a URL) made `*` try every
// length at every start, quadratic; no phone number is written with more than 40 characters.
// A dash, dot or closing bracket before the first digit ("-7011234567", read as the number) belongs
// to the run when nothing word-like stands before it (R-2026-… stays).
const PHONE_RUN = /(?<![\dA-Za-z_%-])(?:%2B|\+)?(?:[-.)]|%2D|%2E|%29){0,3}(?:\d|\(|%28)(?:[\d\s.()+-]|%20|%28|%29|%2D|%2E){0,40}\d(?![\dA-Za-z_])/gi;
const SEPARATORS = /%20|%28|%29|%2D|%2E|\D/gi;

/**
 * Masks every phone number found in free text (log lines, URLs, query strings), however it was
 * typed: a Kazakhstan number (10 or 11 digits: 7…, 87…, +77…) as +7701***4567, and any number
 * written with a + (another country's) as +1202***0123. Other digit runs (amounts, a terminal's
 * 13-digit transaction id) stay as they are.
 */
export function maskPhoneNumbersIn(text: string): string {
  return text.replace(PHONE_RUN, (run) => {
    const plus = /^(%2B|\+)/i.exec(run)?.[1];
    const digits = run.slice(plus?.length ?? 0).replace(SEPARATORS, '');
    const national = digits.length === 10 && digits.startsWith('7') ? digits
      : digits.length === 11 && /^[78]7/.test(digits) ? digits.slice(1) : null;
    const sign = plus?.toUpperCase() === '%2B' ? '%2B' : '+';
    if (national !== null) return `${sign}7${national.slice(0, 3)}***${national.slice(-4)}`;
    if (plus !== undefined && digits.length >= 8 && digits.length <= 15) return `${sign}${digits.slice(0, 4)}***${digits.slice(-4)}`;
    return run;
  });
}
