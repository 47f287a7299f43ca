import { assert } from '../domain/assert.ts';
import { availableBalance } from '../domain/ledger.ts';
import { remainingToday } from '../domain/money.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { addDays, almatyDate, laterOf } from '../domain/time.ts';
import { FUNDING_KINDS, lineBonusAccountId, lineMainAccountId } from '../ledger/accounts.ts';
import type { BatchTx } from '../ledger/batch-tx.ts';
import type { LedgerCommand } from '../ledger/ledger-writer.ts';
import { allocateReceipt, receiptCounterFor } from '../receipts/allocate-receipt.ts';
import { isBarred, terminatedBySchedule, type LifecycleRules } from '../lifecycle/lifecycle-rules.ts';
import { recordLineEvent } from '../lifecycle/apply-status-change.ts';
import { collectCredit } from '../credit/collect-credit.ts';
import { lineCreditAccountId } from '../credit/credit-accounts.ts';
import { applyTopUpBonus, topUpBonusLocks, type TopUpBonusRules } from '../promotions/top-up-bonus.ts';

export interface TopUpRules {
  lineDailyMax: bigint;
  validityDays: number;
  /** The top-up bonus (promotions): a top-up of at least `bonus.thresholdMin` earns `bonus.percent` %. */
  bonus: TopUpBonusRules;
}

export interface TopUpRequest {
  lineId: string;
  amount: bigint;
  sourceAccountId: string;
  channel: string;
  actorId: string;
  /** Pending transfer to post instead of a fresh one (card payments: reserved, then posted). */
  pendingTransferId?: string;
  /**
   * True when the money pays for a package bought with it (a counter sale, a card payment for a
   * package): an open promised payment is then not repaid from it first, or the package it was
   * paid for could not be bought (the debt is collected as usual later), and it earns no top-up
   * bonus, which rewards money put on the balance, not a package bought; nor is it the line's last
   * top-up (`lastTopupAt`), which makes the collection job take an open promised payment early.
   */
  paysForPackage?: boolean;
}

export interface AppliedTopUp {
  id: string;
  lineId: string;
  msisdn: string;
  amount: number;
  currency: 'KZT';
  receiptNumber: string;
  transferId: string;
  channel: string;
  balanceAfter: { main: number; bonus: number };
  /** Top-up bonus granted to the bonus balance (promotions), in minor units. */
  bonus: number;
  /** Promised-payment debt repaid from this top-up, in minor units. */
  creditRepaid: number;
  line: { status: string; validUntil: string };
  createdAt: string;
}

/**
 * The furthest ahead a top-up takes validity: 100 years, the longest TOPUP_VALIDITY_DAYS. Top-ups
 * add up without it, and small ones at that setting reached the year 10000 within a day's limit:
 * written '+010000-…', a validity that sorts before every time of this era, so an active line with
 * money read as in grace (purchases refused), and a few thousand more made a date no Date holds.
 */
const VALIDITY_AHEAD_MAX_DAYS = 36_500;

/** Statuses a top-up brings back to active (DESIGN: grace and suspended lines are reactivated). */
const REACTIVATED_BY_TOPUP = ['preactive', 'grace', 'suspended'];

/**
 * What every channel's top-up locks: the line, its main and credit accounts, the source, the
 * receipt counter and, when the amount earns a bonus, what the bonus needs.
 */
export function topUpLocks(request: TopUpRequest, now: Date, rules: TopUpRules) {
  const bonus = !request.paysForPackage && earnsBonus(request.amount, rules.bonus) ? topUpBonusLocks(request.lineId) : { accounts: [], counters: [] };
  return {
    lines: [request.lineId],
    // The bonus account is read even when this top-up earns no bonus: the answer reports its balance.
    accounts: [lineMainAccountId(request.lineId), lineBonusAccountId(request.lineId), lineCreditAccountId(request.lineId), request.sourceAccountId, ...bonus.accounts],
    counters: [receiptCounterFor(now), ...bonus.counters],
    pending: request.pendingTransferId ? [request.pendingTransferId] : [],
  };
}

/**
 * The one top-up rule set, run inside a ledger batch by every channel (API, card, aggregator,
 * agent, store): limits, the credit, validity, reactivation, receipt and outbox event.
 */
export function applyTopUp(tx: BatchTx, request: TopUpRequest, rules: TopUpRules, lifecycle: LifecycleRules): Result<AppliedTopUp> {
  assert(request.amount > 0n, 'top-up amounts are positive');
  const line = tx.line(request.lineId);
  assert(line, 'the line is locked by the command');
  // Past the end of its validity schedule the line is terminated, recorded or not (after downtime,
  // or within the lifecycle job's minute): a top-up must not bring it back to active with the
  // balance the termination forfeits, as transfers to it and renewals on it are refused already.
  if (terminatedBySchedule(line.status, line.validUntil, tx.now.getTime(), lifecycle)) return fail('line_terminated');
  // A batch's clock time may be behind one committed before it (another process's batch, planned
  // before midnight, that waited for the line's lock): a later day already recorded is counted
  // against, never set back, or that day's top-ups would be forgotten and its limit taken twice.
  const { today, usedToday } = dailyTopUpUse(line.dailyTopupDate, line.dailyTopupAmount, tx.now);
  if (usedToday + request.amount > rules.lineDailyMax) {
    return fail('daily_limit_exceeded', { limit: Number(rules.lineDailyMax), usedToday: Number(usedToday), remaining: Number(remainingToday(usedToday, rules.lineDailyMax)) });
  }
  const source = tx.account(request.sourceAccountId);
  if (!source) return fail('account_not_found', { accountId: request.sourceAccountId });
  if (!FUNDING_KINDS.includes(source.kind) || source.unit !== 'KZT') return fail('source_account_invalid');
  const mainAccountId = lineMainAccountId(line.id);
  // The receipt first, so that the line's history names it (a refused command takes none: its counter moves only on commit).
  // Money paid for a package gets a package payment's receipt, as its SMS says: the purchase spends it at once.
  const id = tx.newId('tu');
  const receiptNumber = allocateReceipt(tx, { kind: request.paysForPackage ? 'package_payment' : 'topup', referenceId: id, lineId: line.id, amount: request.amount, currency: 'KZT' });
  const metadata = { channel: request.channel, receipt: receiptNumber };
  const moved = request.pendingTransferId
    ? tx.resolvePending(request.pendingTransferId, 'post', 'topup', request.amount, metadata)
    : tx.transfer({ debitAccountId: source.id, creditAccountId: mainAccountId, amount: request.amount, unit: 'KZT', code: 'topup', metadata });
  if (!moved.ok) return fail(moved.code);
  const extended = addDays(laterOf(tx.now, line.validUntil ? new Date(line.validUntil) : tx.now), rules.validityDays);
  const ceiling = addDays(tx.now, VALIDITY_AHEAD_MAX_DAYS);
  const validUntil = (extended.getTime() > ceiling.getTime() ? ceiling : extended).toISOString();
  // An admin's suspension (a bar: a lost SIM) holds until an admin lifts it; the money is credited.
  const reactivated = REACTIVATED_BY_TOPUP.includes(line.status) && !isBarred(line);
  const updated = tx.updateLine(line.id, {
    validUntil, dailyTopupDate: today, dailyTopupAmount: usedToday + request.amount,
    // The earlier and the later of what is stored and now: a batch's clock time may be behind one committed before it.
    // Money that paid for a package is not "topped up" to the promised-payment rules: the collection job
    // takes a credit early only from a line topped up after the grant, and this money put nothing on it.
    firstTopupAt: earlierTime(line.firstTopupAt, tx.nowIso), lastTopupAt: request.paysForPackage ? line.lastTopupAt : laterTime(line.lastTopupAt, tx.nowIso),
    ...(reactivated ? { status: 'active', statusChangedAt: tx.nowIso } : {}),
  });
  tx.insert('topups', {
    id, line_id: line.id, msisdn: line.msisdn, amount: request.amount, currency: 'KZT', source_account_id: source.id,
    transfer_id: moved.id, receipt_number: receiptNumber, channel: request.channel, actor_id: request.actorId, created_at: tx.nowIso,
  });
  const bonus = !request.paysForPackage && earnsBonus(request.amount, rules.bonus)
    ? applyTopUpBonus(tx, { lineId: line.id, topUpId: id, amount: request.amount }, rules.bonus)
    : { ok: true as const, value: { bonus: 0 } };
  if (!bonus.ok) return bonus;
  // An open promised payment is repaid from the top-up in the same commit, before it can be spent.
  const credit = request.paysForPackage ? { repaid: 0n, owed: 0n } : collectCredit(tx, line.id, { topUpId: id });
  if (credit.repaid > 0n) tx.outbox('credit.repaid', { lineId: line.id, msisdn: line.msisdn, topUpId: id, amount: Number(credit.repaid), owedAfter: Number(credit.owed), language: line.language });
  const mainBalance = availableBalance(tx.account(mainAccountId)!);
  const bonusAccount = tx.account(lineBonusAccountId(line.id));
  const bonusBalance = bonusAccount ? availableBalance(bonusAccount) : 0n;
  // Money paid for a package (a counter sale, a card purchase) is spent by the purchase right after:
  // the SMS then tells of the payment, not of a balance the line no longer has (absent otherwise).
  tx.outbox('topup.succeeded', { topupId: id, lineId: line.id, msisdn: line.msisdn, amount: Number(request.amount), currency: 'KZT', receiptNumber, channel: request.channel, balanceAfter: Number(mainBalance), language: line.language, actorId: request.actorId, paysForPackage: request.paysForPackage === true ? true : undefined });
  if (reactivated) {
    // A transition like the lifecycle's own (apply-status-change.ts): in the line's history and the outbox.
    recordLineEvent(tx, { lineId: line.id, from: line.status, to: 'active', reason: 'topup', actorId: request.actorId });
    tx.outbox('line.status_changed', { lineId: line.id, msisdn: line.msisdn, from: line.status, to: 'active', reason: 'topup', at: tx.nowIso, language: line.language });
  }
  return ok({
    id, lineId: line.id, msisdn: line.msisdn, amount: Number(request.amount), currency: 'KZT', receiptNumber, transferId: moved.id,
    channel: request.channel, balanceAfter: { main: Number(mainBalance), bonus: Number(bonusBalance) }, bonus: bonus.value.bonus,
    creditRepaid: Number(credit.repaid), line: { status: updated.status, validUntil }, createdAt: tx.nowIso,
  });
}

export function topUpCommand(request: TopUpRequest, rules: TopUpRules, lifecycle: LifecycleRules, idempotency?: LedgerCommand<AppliedTopUp>['idempotency']): LedgerCommand<AppliedTopUp> {
  return { name: 'topup', lock: (now) => topUpLocks(request, now, rules), idempotency, execute: (tx) => applyTopUp(tx, request, rules, lifecycle) };
}

function earnsBonus(amount: bigint, rules: TopUpBonusRules): boolean {
  return rules.percent > 0n && amount >= rules.thresholdMin;
}

/**
 * The day a top-up at `now` counts against and what that day has taken, from the line's recorded
 * day and total: a later day already recorded (a batch whose clock is behind) is counted against.
 * The pre-checks of other channels (an aggregator's check, a card payment) read it alike.
 */
export function dailyTopUpUse(recordedDate: string | null, recordedAmount: bigint, now: Date): { today: string; usedToday: bigint } {
  const day = almatyDate(now);
  // Almaty dates (YYYY-MM-DD) compare as text.
  const today = recordedDate !== null && recordedDate > day ? recordedDate : day;
  return { today, usedToday: recordedDate === today ? recordedAmount : 0n };
}

/** ISO-8601 UTC times compare as text. */
function earlierTime(stored: string | null, now: string): string {
  return stored !== null && stored < now ? stored : now;
}

function laterTime(stored: string | null, now: string): string {
  return stored !== null && stored > now ? stored : now;
}
