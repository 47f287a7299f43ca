import type { AppContext } from '../app-context.ts';
import { requireRole, type Actor } from '../auth/actor.ts';
import { availableBalance } from '../domain/ledger.ts';
import { parseMinorUnits } from '../domain/money.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { addDays } from '../domain/time.ts';
import { lineMainAccountId, revenueAccountId } from '../ledger/accounts.ts';
import { fingerprintOf } from '../ledger/ledger-writer.ts';
import { findReadableLine } from '../lines/line-access.ts';
import { closedStoreRefusal } from '../stores/store-of-actor.ts';
import { lineCreditAccountId, lineCreditAccountSpec, outstandingOf } from './credit-accounts.ts';
import { stateRefusalOf, topUpRefusalOf } from './credit-eligibility.ts';

export interface PromisedPayment {
  id: string;
  lineId: string;
  msisdn: string;
  amount: number;
  fee: number;
  /** What the line owes: amount + fee, repaid from the next top-up or at dueAt. */
  owed: number;
  currency: 'KZT';
  dueAt: string;
  balanceAfter: { main: number };
  createdAt: string;
}

const CREDIT_ROLES = ['admin', 'clerk', 'subscriber'] as const;

/** The fee in minor units, rounded up: 10% of 500 ₸ is 50 ₸. */
export function creditFeeOf(amount: bigint, feePercent: number): bigint {
  return (amount * BigInt(feePercent) + 99n) / 100n;
}

/**
 * Promised payment: an active line with enough tenure and a recent top-up borrows one of the
 * offered amounts into its main balance, one at a time. Grant and fee are one ledger command:
 * line_credit → main (amount) and line_credit → revenue:fees (fee); the line owes amount + fee.
 */
export async function takePromisedPayment(ctx: AppContext, actor: Actor, msisdnInput: string, input: { amount: number }, idempotencyKey: string): Promise<Result<{ credit: PromisedPayment; replayed: boolean }>> {
  const denied = requireRole(actor, CREDIT_ROLES);
  if (denied) return denied as Result<never>;
  const closed = await closedStoreRefusal(ctx, actor);
  if (closed) return closed;
  const settings = ctx.settings.credit;
  const amount = parseMinorUnits(input.amount);
  if (amount === null) return fail('amount_invalid');
  if (!settings.amounts.includes(amount)) return fail('amount_invalid', { allowed: settings.amounts.map(Number) });
  const line = await findReadableLine(ctx, actor, msisdnInput);
  if (!line.ok) return line;
  const now = ctx.clock.now();
  // Checked inside the command, after the writer has looked for a stored answer: a retry of a
  // granted request replays it even once the line's top-up history no longer qualifies.
  const history = topUpRefusalOf(settings, line.value, now);
  const fee = creditFeeOf(amount, settings.feePercent);
  const lineId = line.value.id;
  const creditAccountId = lineCreditAccountId(lineId);
  const fingerprint = fingerprintOf({ lineId, amount: input.amount });
  const expiresAt = addDays(now, ctx.settings.idempotency.retentionHours / 24).toISOString();
  const result = await ctx.writer.submit<PromisedPayment>({
    name: 'promised-payment',
    lock: { lines: [lineId], accounts: [lineMainAccountId(lineId), creditAccountId, revenueAccountId('fees')] },
    idempotency: { key: `credit:${actor.id}:${idempotencyKey}`, fingerprint, expiresAt },
    execute(tx) {
      if (history) return fail('credit_not_eligible', history);
      const current = tx.line(lineId)!;
      const refused = stateRefusalOf(current.status, outstandingOf(tx.account(creditAccountId)), current.validUntil, tx.nowIso);
      if (refused) return refused.reason === 'credit_open' ? fail('credit_open') : fail('credit_not_eligible', refused);
      if (!tx.account(creditAccountId)) tx.createAccount(lineCreditAccountSpec(lineId));
      const granted = tx.transfer({ debitAccountId: creditAccountId, creditAccountId: lineMainAccountId(lineId), amount, unit: 'KZT', code: 'promised_payment' });
      // CREDIT_FEE_PERCENT=0: no fee, and no transfer of nothing (the ledger moves no zero amount).
      const charged = fee > 0n ? tx.transfer({ debitAccountId: creditAccountId, creditAccountId: revenueAccountId('fees'), amount: fee, unit: 'KZT', code: 'promised_payment_fee' }) : { ok: true };
      if (!granted.ok || !charged.ok) return fail('internal_error', { step: 'grant' });
      const id = tx.newId('cr');
      const dueAt = addDays(tx.now, settings.termDays).toISOString();
      // Checked by the collection job from its next run on (a top-up may come at any time), then ever less often.
      tx.insert('credits', { id, line_id: lineId, amount, fee, granted_at: tx.nowIso, due_at: dueAt, status: 'open', closed_at: null, actor_id: actor.id, next_check_at: tx.nowIso });
      tx.outbox('credit.granted', { creditId: id, lineId, msisdn: current.msisdn, amount: Number(amount), fee: Number(fee), dueAt, language: current.language });
      return ok({
        id, lineId, msisdn: current.msisdn, amount: Number(amount), fee: Number(fee), owed: Number(amount + fee), currency: 'KZT', dueAt,
        balanceAfter: { main: Number(availableBalance(tx.account(lineMainAccountId(lineId))!)) }, createdAt: tx.nowIso,
      });
    },
  });
  if (!result.ok) return result;
  return ok({ credit: result.value.value, replayed: result.value.replayed });
}
