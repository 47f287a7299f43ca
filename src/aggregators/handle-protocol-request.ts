import type { AppContext } from '../app-context.ts';
import type { Aggregator } from './aggregators-repository.ts';
import { checkAccount } from './check-account.ts';
import { payAccount } from './pay-account.ts';
import { isTxnDate, RESULT, type ProtocolAnswer } from './protocol.ts';
import { answer, wellFormed, type ProtocolRequest } from './validate-protocol-request.ts';

/**
 * One check/pay request of an authenticated aggregator, answered in the protocol's terms (never
 * an exception, never an HTTP error): malformed requests are result 300 with a comment. `reqId`:
 * the HTTP request's, on the log line of a database failure, as on the request's own.
 */
export async function handleProtocolRequest(ctx: AppContext, aggregator: Aggregator, request: ProtocolRequest, reqId?: string): Promise<ProtocolAnswer> {
  if (request.command !== 'check' && request.command !== 'pay') return answer(request, RESULT.other, 'unknown command: use check or pay');
  const parsed = wellFormed(request);
  if (!parsed.ok) return parsed.answer;
  if (request.command === 'check') return checkAccount(ctx, aggregator, parsed.value, reqId);
  if (!isTxnDate(request.txnDate)) return answer(parsed.value, RESULT.other, 'txn_date missing or malformed: YYYYMMDDHHMMSS');
  return payAccount(ctx, aggregator, parsed.value, request.txnDate);
}
