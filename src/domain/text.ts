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
