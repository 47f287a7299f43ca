/**
 * Programmer errors crash loudly (TigerBeetle style). Never use for input validation:
 * bad input is an expected failure and returns a Result.
 */
export class AssertionError extends Error {
  override name = 'AssertionError';
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(message);
}
