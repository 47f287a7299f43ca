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

/** A non-negative integer setting; a malformed value stops the start with a clear message. */
export function integer(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) throw new SettingError(`setting ${name} must be a non-negative integer, got "${raw}"`);
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
