import type { ErrorCode } from './errors.ts';

/** An expected failure: a code from the closed list in errors.ts, plus optional details. */
export interface DomainError {
  code: ErrorCode;
  message?: string;
  details?: Record<string, unknown>;
}

export type Result<T, E = DomainError> = { ok: true; value: T } | { ok: false; error: E };

export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function fail(code: ErrorCode, details?: Record<string, unknown>, message?: string): { ok: false; error: DomainError } {
  const error: DomainError = { code };
  if (details !== undefined) error.details = details;
  if (message !== undefined) error.message = message;
  return { ok: false, error };
}
