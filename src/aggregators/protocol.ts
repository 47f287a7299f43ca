import type { ErrorCode } from '../domain/errors.ts';
import { MINOR_UNITS_PER_MAJOR } from '../domain/money.ts';

/**
 * The QIWI (OSMP) provider protocol's result codes, which Kaspi-style aggregators share. A result
 * other than 0 and 1 is final: the terminal gives the customer's cash back and never retries.
 */
export const RESULT = {
  ok: 0,
  temporary: 1,
  accountFormat: 4,
  accountNotFound: 5,
  paymentForbidden: 7,
  technicalForbidden: 8,
  accountInactive: 79,
  paymentNotCompleted: 90,
  sumTooSmall: 241,
  sumTooLarge: 242,
  cannotCheck: 243,
  other: 300,
} as const;
export type ResultCode = (typeof RESULT)[keyof typeof RESULT];

/** One protocol answer, rendered as OSMP XML or Kaspi-style JSON. */
export interface ProtocolAnswer {
  result: ResultCode;
  /** The aggregator's txn_id, echoed (empty when none was sent). */
  txnId: string;
  /** Tolem's numeric payment number; empty for check and for refusals. */
  prvTxn: string;
  /** Decimal tenge with two places ("1000.00"), or empty when the sum was not understood. */
  sum: string;
  comment: string;
}

/** How a domain refusal reads in the protocol; anything not listed is 300 (other error). */
export function resultOfError(code: ErrorCode): ResultCode {
  switch (code) {
    case 'msisdn_invalid': return RESULT.accountFormat;
    case 'line_not_found': return RESULT.accountNotFound;
    case 'line_terminated': return RESULT.accountInactive;
    case 'daily_limit_exceeded': return RESULT.paymentForbidden;
    case 'amount_below_minimum': return RESULT.sumTooSmall;
    case 'amount_above_maximum': return RESULT.sumTooLarge;
    // Nothing was written: the aggregator may safely send the same txn_id again.
    case 'unavailable': return RESULT.temporary;
    case 'internal_error': return RESULT.paymentNotCompleted;
    default: return RESULT.other;
  }
}

/** Integer part at most 12 digits (a billion tenge and more is not a top-up but a typo). */
const SUM_PATTERN = /^(\d{1,12})(?:\.(\d{1,2}))?$/;

/**
 * Parses a protocol sum: decimal tenge with at most two places, dot as separator ("1000",
 * "1000.5", "1000.00"). Everything else is refused: "10,5", "-1", "1e3", "1.001", " 5", "".
 * Returns minor units (tiyn), or null when the text is not such a number.
 */
export function parseSum(text: string | undefined): bigint | null {
  if (text === undefined) return null;
  const match = SUM_PATTERN.exec(text);
  if (!match) return null;
  const minor = (match[2] ?? '').padEnd(2, '0');
  return BigInt(match[1]!) * MINOR_UNITS_PER_MAJOR + BigInt(minor);
}

/** txn_id: QIWI sends digits (up to 20); other aggregators letters too. Kept forever, so bounded. */
const TXN_ID_PATTERN = /^[0-9A-Za-z._-]{1,64}$/;

export function isTxnId(text: string | undefined): text is string {
  return text !== undefined && TXN_ID_PATTERN.test(text);
}

/** txn_date: YYYYMMDDHHMMSS, the aggregator's own (local) time; a real calendar time. */
export function isTxnDate(text: string | undefined): text is string {
  if (text === undefined || !/^\d{14}$/.test(text)) return false;
  const [year, month, day, hour, minute, second] = [0, 4, 6, 8, 10, 12].map((start, index) => Number(text.slice(start, start + (index === 0 ? 4 : 2))));
  const at = new Date(Date.UTC(year!, month! - 1, day!, hour!, minute!, second!));
  return at.getUTCFullYear() === year && at.getUTCMonth() === month! - 1 && at.getUTCDate() === day
    && at.getUTCHours() === hour && at.getUTCMinutes() === minute && at.getUTCSeconds() === second;
}
