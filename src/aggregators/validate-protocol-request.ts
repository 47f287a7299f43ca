import type { AppContext } from '../app-context.ts';
import { formatDecimal } from '../domain/money.ts';
import { parseMsisdn } from '../domain/msisdn.ts';
import { isTxnId, parseSum, RESULT, type ProtocolAnswer, type ResultCode } from './protocol.ts';

/** The fields of a check or pay as the aggregator sent them (absent or repeated fields are undefined). */
export interface ProtocolRequest {
  command?: string;
  txnId?: string;
  txnDate?: string;
  account?: string;
  sum?: string;
}

/** A request whose txn_id and sum are well formed; account and limits are judged later. */
export interface WellFormedRequest {
  txnId: string;
  account: string;
  amount: bigint;
  sum: string;
  /** The E.164 number, or null when the account is not a Kazakhstan mobile number (result 4). */
  msisdn: string | null;
}

const ACCOUNT_ECHO_LENGTH_MAX = 64;

/**
 * An answer echoing the request's txn_id and sum only when well formed (the sum with two decimals):
 * what a malformed one held (markup, half an emoji cut at 64 characters) is never sent back.
 */
export function answer(request: { txnId?: string; sum?: string }, result: ResultCode, comment: string, prvTxn = ''): ProtocolAnswer {
  const amount = parseSum(request.sum);
  return { result, txnId: isTxnId(request.txnId) ? request.txnId : '', prvTxn, sum: amount === null ? '' : formatDecimal(amount), comment };
}

/** txn_id and sum must be well formed (else 300, the request is malformed); the account is parsed. */
export function wellFormed(request: ProtocolRequest): { ok: true; value: WellFormedRequest } | { ok: false; answer: ProtocolAnswer } {
  if (!isTxnId(request.txnId)) return { ok: false, answer: answer(request, RESULT.other, 'txn_id missing or malformed') };
  const amount = parseSum(request.sum);
  if (amount === null) return { ok: false, answer: answer({ txnId: request.txnId }, RESULT.other, 'sum missing or malformed: decimal tenge with at most two places, e.g. 1000.00') };
  // Kept and echoed as sent, but never with control characters (a line break in the registry's CSV cell).
  const account = (request.account ?? '').replace(/[\u0000-\u001f\u007f]/g, '').slice(0, ACCOUNT_ECHO_LENGTH_MAX);
  const msisdn = request.account === undefined ? null : parseMsisdn(request.account);
  return { ok: true, value: { txnId: request.txnId, account, amount, sum: formatDecimal(amount), msisdn: msisdn?.ok ? msisdn.value : null } };
}

/** Account format and the per-payment limits (ctx.settings.topup), in the protocol's order. */
export function formatAndLimitRefusal(ctx: AppContext, request: WellFormedRequest): ProtocolAnswer | null {
  if (request.msisdn === null) return answer(request, RESULT.accountFormat, 'account is not a Kazakhstan mobile number');
  const { amountMin, amountMax } = ctx.settings.topup;
  if (request.amount < amountMin) return answer(request, RESULT.sumTooSmall, `sum below the minimum ${formatDecimal(amountMin)}`);
  if (request.amount > amountMax) return answer(request, RESULT.sumTooLarge, `sum above the maximum ${formatDecimal(amountMax)}`);
  return null;
}
