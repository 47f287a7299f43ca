/** Reading settings from the environment (config.ts and the capabilities' own settings files). */
export type Env = Record<string, string | undefined>;

/**
 * A setting that cannot be used: the CLI prints its message alone on one line and exits 2
 * (src/cli/main.ts), also when it is found only while the server is built (a payment provider's
 * options).
 */
export class SettingError extends Error {
  override name = 'SettingError';
}

/**
 * The longest a duration setting may be, by the unit its name ends in: a hundred years of days,
 * hours or minutes (longer ones made dates no Date holds: a login answered 500, a first start
 * stopped with a stack trace), and what a Node timer holds (2^31 − 1 ms) of seconds and ms.
 */
const DURATION_MAX: readonly [RegExp, number][] = [
  [/_DAYS(_|$)/, 36_500], [/_HOURS(_|$)/, 876_000], [/_MINUTES(_|$)/, 52_560_000], [/_SECONDS(_|$)/, 2_147_483], [/_MS(_|$)/, 2_147_483_647],
];

/**
 * A non-negative integer setting, written in decimal digits (not `0x100` or `1e3`, which Number()
 * would take; spaces around are dropped); a duration (its name ends in _DAYS, _HOURS, _MINUTES, _SECONDS or _MS) at
 * most DURATION_MAX. A malformed value stops the start with a clear message.
 */
export function integer(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  // Spaces around are the file's (a CRLF .env), as flag() takes them; inside, only digits.
  const value = Number(raw.trim());
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value)) throw new SettingError(`setting ${name} must be a non-negative integer, got "${raw}"`);
  const max = DURATION_MAX.find(([unit]) => unit.test(name))?.[1];
  if (max !== undefined && value > max) throw new SettingError(`setting ${name} must be at most ${max}, got ${value}`);
  return value;
}

/** An integer setting of at least `min` (a limit that 0 would break). */
export function integerAtLeast(env: Env, name: string, fallback: number, min: number): number {
  const value = integer(env, name, fallback);
  if (value < min) throw new SettingError(`setting ${name} must be at least ${min}, got ${value}`);
  return value;
}

/** An integer setting from `min` to `max` (a percentage, an hour of the day). */
export function integerBetween(env: Env, name: string, fallback: number, min: number, max: number): number {
  const value = integerAtLeast(env, name, fallback, min);
  if (value > max) throw new SettingError(`setting ${name} must be at most ${max}, got ${value}`);
  return value;
}

const FLAG_WORDS: Record<string, boolean> = { true: true, false: false, '1': true, '0': false, yes: true, no: false, on: true, off: false };

/** Whether a value is one of flag's off words (false, 0, no, off; any case): TRUST_PROXY takes them too. */
export function isOffWord(raw: string): boolean {
  return FLAG_WORDS[raw.trim().toLowerCase()] === false;
}

/**
 * An on/off setting: true, false, 1, 0, yes, no, on or off (any case); unset or empty, `fallback`.
 * Anything else stops the start: read as on, TOLEM_SEED_DEMO=0 once made demo data in production.
 */
export function flag(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  const value = FLAG_WORDS[raw];
  if (value === undefined) throw new SettingError(`setting ${name} must be true or false (also 1/0, yes/no, on/off), got "${env[name]}"`);
  return value;
}
