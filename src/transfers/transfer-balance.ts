import type { AppContext } from '../app-context.ts';
import { announceLowBalance } from '../reminders/low-balance.ts';
import { requireRole, type Actor } from '../auth/actor.ts';
import { availableBalance } from '../domain/ledger.ts';
import { parseMinorUnits, remainingToday } from '../domain/money.ts';
import { parseMsisdn } from '../domain/msisdn.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { addDays, almatyDate } from '../domain/time.ts';
import { scheduleOf, statusAt, type LifecycleRules } from '../lifecycle/lifecycle-rules.ts';
import { lineMainAccountId, revenueAccountId } from '../ledger/accounts.ts';
import { fingerprintOf } from '../ledger/ledger-writer.ts';
import { findReadableLine } from '../lines/line-access.ts';
import { closedStoreRefusal } from '../stores/store-of-actor.ts';
import { findLineByMsisdn, type LineRow } from '../lines/lines-repository.ts';
import { lineCreditAccountId, outstandingOf } from '../credit/credit-accounts.ts';

export interface TransferBalanceInput {
  from: string;
  to: string;
  amount: number;
}

export interface BalanceTransfer {
  id: string;
  from: string;
  to: string;
  amount: number;
  fee: number;
  currency: 'KZT';
  balanceAfter: { main: number };
  createdAt: string;
}

/** A subscriber sends from their own lines, once the sender confirms with a code; staff for a customer at the counter. */
const TRANSFER_ROLES = ['admin', 'clerk', 'subscriber'] as const;

/** The running sum a sender has transferred on one Almaty calendar day (a lockable counter). */
export const transferDayCounterKey = (lineId: string, day: string) => `transfer:${lineId}:${day}`;

/** The ledger command's idempotency key of an actor's transfer request. */
export const transferKeyOf = (actorId: string, idempotencyKey: string) => `transfer:${actorId}:${idempotencyKey}`;

/** A transfer asked for and checked, not yet run: the lines by id and the amount in minor units. */
export interface TransferPlan {
  sourceId: string;
  targetId: string;
  amount: bigint;
  /** What the idempotency fingerprint is made of: the same request gives the same plan. */
  fingerprint: string;
}

/** A plan as checked, with the two lines as read (a confirmation's code and answer name them). */
export type CheckedTransfer = TransferPlan & { source: LineRow; target: LineRow };

/**
 * The checks that need no lock: the caller's role, the amount's bounds, a sending line the caller
 * may read (a subscriber's own), a receiving line that exists and is another.
 */
export async function planTransfer(ctx: AppContext, actor: Actor, input: TransferBalanceInput): Promise<Result<CheckedTransfer>> {
  const denied = requireRole(actor, TRANSFER_ROLES);
  if (denied) return denied as Result<never>;
  const closed = await closedStoreRefusal(ctx, actor);
  if (closed) return closed;
  const rules = ctx.settings.transfers;
  const amount = parseMinorUnits(input.amount);
  if (amount === null) return fail('amount_invalid');
  if (amount < rules.amountMin) return fail('amount_below_minimum', { minimum: Number(rules.amountMin) });
  if (amount > rules.amountMax) return fail('amount_above_maximum', { maximum: Number(rules.amountMax) });
  const source = await findReadableLine(ctx, actor, input.from);
  if (!source.ok) return source;
  const targetMsisdn = parseMsisdn(input.to);
  if (!targetMsisdn.ok) return targetMsisdn;
  const target = await findLineByMsisdn(ctx, targetMsisdn.value);
  if (!target) return fail('line_not_found', { field: 'to' });
  if (target.id === source.value.id) return fail('transfer_same_line');
  return ok({
    sourceId: source.value.id, targetId: target.id, amount, fingerprint: fingerprintOf({ from: source.value.id, to: target.id, amount: input.amount }),
    source: source.value, target,
  });
}

/**
 * Moves money between two lines' main balances in one ledger command: amount + fee out of the
 * sender, amount into the receiver, fee to revenue:fees. The sender must be active, have no open
 * promised payment and stay within its daily limit; the receiver must not be terminated. Staff
 * send at once; a subscriber's request waits for the sender's code (confirm-transfer.ts).
 */
export async function transferBalance(ctx: AppContext, actor: Actor, input: TransferBalanceInput, idempotencyKey: string): Promise<Result<{ transfer: BalanceTransfer; replayed: boolean }>> {
  const plan = await planTransfer(ctx, actor, input);
  if (!plan.ok) return plan;
  return runTransfer(ctx, actor.id, plan.value, idempotencyKey);
}

/** What the ledger rules of a transfer look at: both lines' states and the sender's money. */
export interface TransferState {
  senderStatus: string;
  /** The sender's validity end: an active line past it is in grace, whether or not the lifecycle job has recorded it yet. */
  senderValidUntil: string | null;
  /** When the rules are applied (ISO). */
  at: string;
  receiverStatus: string;
  /**
   * When the lifecycle terminates the receiver unless it is topped up (null before its first top-up):
   * past it, the line is terminated already, recorded or not, and what it receives goes to breakage.
   */
  receiverTerminatesAt: string | null;
  /** What the sender owes on a promised payment. */
  owed: bigint;
  /** What the sender has transferred on this Almaty day. */
  sentToday: bigint;
  /** The sender's available main balance. */
  available: bigint;
}

/**
 * The rules a transfer is run by: the sender active (its validity not ended), owing nothing and within its daily limit
 * with amount + fee in its balance; the receiver not terminated (nor due to be: its schedule's end passed). The ledger command applies them
 * under lock; a subscriber's request applies them first to what it reads, so that a transfer
 * that cannot go through sends no code.
 */
export function transferRefusal(rules: AppContext['settings']['transfers'], amount: bigint, state: TransferState): Result<never> | null {
  const senderStatus = statusAt(state.senderStatus, state.senderValidUntil, state.at);
  if (senderStatus === 'terminated') return fail('line_terminated', { field: 'from' });
  if (senderStatus !== 'active') return fail('line_status_invalid', { field: 'from', status: senderStatus });
  if (state.receiverStatus === 'terminated' || (state.receiverTerminatesAt !== null && state.receiverTerminatesAt <= state.at)) return fail('line_terminated', { field: 'to' });
  if (state.owed > 0n) return fail('credit_open');
  if (state.sentToday + amount > rules.senderDailyMax) return fail('transfer_daily_limit_exceeded', { limit: Number(rules.senderDailyMax), remaining: Number(remainingToday(state.sentToday, rules.senderDailyMax)) });
  if (state.available < amount + rules.fee) return fail('balance_insufficient', { required: Number(amount + rules.fee) });
  return null;
}

/** When the validity schedule terminates a line whose validity ends at `validUntil` (null: never topped up, never terminated by it). */
export function terminationDueAt(validUntil: string | null, rules: LifecycleRules): string | null {
  return validUntil === null ? null : scheduleOf(new Date(validUntil), rules).terminatedAt.toISOString();
}

/** The ledger command of a planned transfer, at most once per (actor, idempotency key). */
export async function runTransfer(ctx: AppContext, actorId: string, plan: TransferPlan, idempotencyKey: string): Promise<Result<{ transfer: BalanceTransfer; replayed: boolean }>> {
  const rules = ctx.settings.transfers;
  const { amount } = plan;
  const { sourceId, targetId } = plan;
  const [sourceMain, targetMain, sourceCredit, fees] = [lineMainAccountId(sourceId), lineMainAccountId(targetId), lineCreditAccountId(sourceId), revenueAccountId('fees')];
  const fee = rules.fee;
  const balanceLow = ctx.settings.reminders.balanceLowMinor;
  const lifecycle = ctx.settings.lifecycle;
  const now = ctx.clock.now();
  const result = await ctx.writer.submit<BalanceTransfer>({
    name: 'balance-transfer',
    lock: (at) => ({ lines: [sourceId, targetId], accounts: [sourceMain, targetMain, sourceCredit, fees], counters: [transferDayCounterKey(sourceId, almatyDate(at))] }),
    idempotency: {
      key: transferKeyOf(actorId, idempotencyKey), fingerprint: plan.fingerprint,
      expiresAt: addDays(now, ctx.settings.idempotency.retentionHours / 24).toISOString(),
    },
    execute(tx) {
      const sender = tx.line(sourceId)!;
      const receiver = tx.line(targetId)!;
      const dayKey = transferDayCounterKey(sourceId, almatyDate(tx.now));
      const refused = transferRefusal(rules, amount, {
        senderStatus: sender.status, senderValidUntil: sender.validUntil, at: tx.nowIso, receiverStatus: receiver.status,
        receiverTerminatesAt: terminationDueAt(receiver.validUntil, lifecycle), owed: outstandingOf(tx.account(sourceCredit)),
        sentToday: tx.counter(dayKey), available: availableBalance(tx.account(sourceMain)!),
      });
      if (refused) return refused;
      const senderBefore = tx.account(sourceMain)!;
      const moved = tx.transfer({ debitAccountId: sourceMain, creditAccountId: targetMain, amount, unit: 'KZT', code: 'balance_transfer' });
      const charged = fee > 0n ? tx.transfer({ debitAccountId: sourceMain, creditAccountId: fees, amount: fee, unit: 'KZT', code: 'balance_transfer_fee' }) : { ok: true };
      if (!moved.ok || !charged.ok) return fail('balance_insufficient');
      announceLowBalance(tx, senderBefore, tx.account(sourceMain)!, sender, balanceLow);
      tx.increment(dayKey, amount);
      const id = tx.newId('bt');
      tx.insert('balance_transfers', { id, source_line_id: sourceId, target_line_id: targetId, amount, fee, actor_id: actorId, created_at: tx.nowIso });
      tx.outbox('transfer.completed', { transferId: id, from: sender.msisdn, to: receiver.msisdn, toLineId: receiver.id, amount: Number(amount), fee: Number(fee), senderLanguage: sender.language, receiverLanguage: receiver.language });
      return ok({
        id, from: sender.msisdn, to: receiver.msisdn, amount: Number(amount), fee: Number(fee), currency: 'KZT',
        balanceAfter: { main: Number(availableBalance(tx.account(sourceMain)!)) }, createdAt: tx.nowIso,
      });
    },
  });
  if (!result.ok) return result;
  return ok({ transfer: result.value.value, replayed: result.value.replayed });
}
