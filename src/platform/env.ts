/** Reading settings from the environment (config.ts and the capabilities' own settings files). */
export type Env = Record<string, string | undefined>;

/** A non-negative integer setting; a malformed value stops the start with a clear message. */
export function integer(env: Env, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 0) throw new Error(`setting ${name} must be a non-negative integer, got "${raw}"`);
  return value;
}
