import type { AppContext } from '../app-context.ts';
import type { ErrorCode } from '../domain/errors.ts';
import { ok } from '../domain/result.ts';
import { fingerprintOf, type LedgerCommand } from '../ledger/ledger-writer.ts';
import { findLineByMsisdn } from '../lines/lines-repository.ts';
import { applyTopUp, topUpLocks, type TopUpRequest } from '../topups/apply-top-up.ts';
import type { Aggregator } from './aggregators-repository.ts';
import { RESULT, resultOfError, type ProtocolAnswer, type ResultCode } from './protocol.ts';
import { answer, formatAndLimitRefusal, type WellFormedRequest } from './validate-protocol-request.ts';

/** prv_txn: one gapless numeric sequence for all aggregators (QIWI wants an integer). */
export const PRV_TXN_COUNTER = 'aggregator:prv_txn';

/** Final refusals are recorded under the txn_id, so that a retry can never turn them into a credit. */
const RECORDED_REFUSALS: readonly ResultCode[] = [RESULT.accountFormat, RESULT.accountNotFound, RESULT.paymentForbidden, RESULT.accountInactive, RESULT.sumTooSmall, RESULT.sumTooLarge];

/**
 * `pay`: credits the line through `applyTopUp` at most once per (aggregator, txn_id), forever.
 * The idempotency key `agg:<code>:<txn_id>` has no expiry; its fingerprint is (account, sum),
 * so a repeat replays the first answer (same prv_txn) and a different account or sum under the
 * same txn_id is refused with 300 and changes nothing. The aggregator_payments row is written in
 * the same ledger command as the credit.
 */
export async function payAccount(ctx: AppContext, aggregator: Aggregator, request: WellFormedRequest, txnDate: string): Promise<ProtocolAnswer> {
  const idempotency = {
    key: `agg:${aggregator.code}:${request.txnId}`,
    fingerprint: fingerprintOf({ account: request.msisdn ?? request.account, sum: request.amount.toString() }),
    statusCode: 200,
    expiresAt: null,
  };
  const formatRefusal = formatAndLimitRefusal(ctx, request);
  if (formatRefusal) return record(ctx, aggregator, request, txnDate, formatRefusal, idempotency);
  const line = await findLineByMsisdn(ctx, request.msisdn!);
  if (!line) return record(ctx, aggregator, request, txnDate, answer(request, RESULT.accountNotFound, 'account not found'), idempotency);
  // Terminated lines are refused again by applyTopUp under the lock; this spares the writer.
  if (line.status === 'terminated') return record(ctx, aggregator, request, txnDate, answer(request, RESULT.accountInactive, 'account is not active'), idempotency);
  const topUp: TopUpRequest = {
    lineId: line.id, amount: request.amount, sourceAccountId: aggregator.clearingAccountId, channel: 'aggregator', actorId: `agg:${aggregator.code}`,
  };
  const command: LedgerCommand<ProtocolAnswer> = {
    name: 'aggregator_pay',
    lock: (now) => { const locks = topUpLocks(topUp, now, ctx.settings.topup); return { ...locks, counters: [...locks.counters, PRV_TXN_COUNTER] }; },
    idempotency,
    execute(tx) {
      const applied = applyTopUp(tx, topUp, ctx.settings.topup, ctx.settings.lifecycle);
      if (!applied.ok) return applied;
      const prvTxn = tx.increment(PRV_TXN_COUNTER).toString();
      tx.insert('aggregator_payments', paymentRow(tx.newId('aggp'), aggregator, request, txnDate, RESULT.ok, prvTxn, applied.value.id, tx.nowIso));
      return ok(answer(request, RESULT.ok, 'OK', prvTxn));
    },
  };
  const result = await ctx.writer.submit(command);
  if (result.ok) return result.value.value;
  const refused = answerOfFailure(request, result.error.code);
  if (RECORDED_REFUSALS.includes(refused.result)) return record(ctx, aggregator, request, txnDate, refused, idempotency);
  return refused;
}

/** Stores a final refusal under the txn_id (or replays whatever the txn_id already holds). */
async function record(ctx: AppContext, aggregator: Aggregator, request: WellFormedRequest, txnDate: string, refusal: ProtocolAnswer, idempotency: LedgerCommand<ProtocolAnswer>['idempotency']): Promise<ProtocolAnswer> {
  const result = await ctx.writer.submit<ProtocolAnswer>({
    name: 'aggregator_pay_refusal',
    lock: {},
    idempotency,
    execute(tx) {
      tx.insert('aggregator_payments', paymentRow(tx.newId('aggp'), aggregator, request, txnDate, refusal.result, null, null, tx.nowIso));
      return ok(refusal);
    },
  });
  return result.ok ? result.value.value : answerOfFailure(request, result.error.code);
}

function answerOfFailure(request: WellFormedRequest, code: ErrorCode): ProtocolAnswer {
  if (code === 'idempotency_key_reused') return answer(request, RESULT.other, 'txn_id already used with a different account or sum; nothing was paid');
  const comments: Partial<Record<ResultCode, string>> = {
    [RESULT.accountInactive]: 'account is not active',
    [RESULT.paymentForbidden]: 'daily top-up limit of this account reached',
    [RESULT.temporary]: 'temporary error, retry with the same txn_id',
    [RESULT.paymentNotCompleted]: 'payment not completed, retry with the same txn_id',
  };
  const protocolResult = resultOfError(code);
  return answer(request, protocolResult, comments[protocolResult] ?? `payment refused: ${code}`);
}

function paymentRow(id: string, aggregator: Aggregator, request: WellFormedRequest, txnDate: string, result: ResultCode, prvTxn: string | null, topUpId: string | null, nowIso: string) {
  return {
    id, aggregator: aggregator.code, txn_id: request.txnId, txn_date: txnDate, account: request.account, msisdn: request.msisdn,
    amount: request.amount, prv_txn: prvTxn, topup_id: topUpId, result: BigInt(result), created_at: nowIso,
  };
}
