/** A UTF-16 surrogate half without its other half: not a character, and stored differently by each database. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Why a text cannot be stored as it is, the same on SQLite and PostgreSQL, or null: U+0000
 * (PostgreSQL's text refuses it, SQLite keeps it) or a lone surrogate half (each database turns it
 * into replacement characters of its own).
 */
export function unstorableText(text: string): 'nul' | 'lone_surrogate' | null {
  if (text.includes('\u0000')) return 'nul';
  return LONE_SURROGATE.test(text) ? 'lone_surrogate' : null;
}

/** Characters as people count them (code points): an emoji is one, where `length` counts two UTF-16 units. */
export function characterCount(text: string): number {
  let count = 0;
  for (const _character of text) count++;
  return count;
}

/**
 * Characters that show nothing: white space, format characters (zero-width space and joiners,
 * direction marks, the byte order mark, the soft hyphen) and the fillers that render as blanks
 * (Hangul fillers, the blank Braille pattern).
 */
const BLANK = /^[\s\p{Cf}\u115F\u1160\u2800\u3164\uFFA0]*$/u;

/** Whether a text shows nothing at all: empty, or only white space and invisible characters. */
export function isBlank(text: string): boolean {
  return BLANK.test(text);
}

/** A name as entered (an agent, a store, a key), trimmed; null when blank or longer than `max` characters (as the schemas' maxLength counts). */
export function nameWithin(input: string, max = 100): string | null {
  const name = input.trim();
  return isBlank(name) || characterCount(name) > max ? null : name;
}

/** Whether a password is too weak to keep: fewer than `lengthMin` characters, or nothing but spaces. */
export function passwordTooWeak(password: string, lengthMin: number): boolean {
  return characterCount(password) < lengthMin || password.trim().length === 0;
}

/** Full-width ASCII (U+FF01–U+FF5E: ８, ＋, （, －) and the dashes a text editor or keyboard puts for "-". */
const FULL_WIDTH = /[\uff01-\uff5e]/g;
const DASHES = /[\u2010-\u2015\u2212]/g;

/**
 * Digits and signs as a Chinese or Japanese keyboard types them ("８７０１", "＋７") in ASCII, and
 * any dash (‐ ‑ – — −) as "-": for numbers people type (a phone number, a voucher PIN).
 */
export function asciiTyped(text: string): string {
  return text.replace(FULL_WIDTH, (c) => String.fromCharCode(c.charCodeAt(0) - 0xfee0)).replace(DASHES, '-');
}
