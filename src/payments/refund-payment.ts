import type { AppContext } from '../app-context.ts';
import { requireRole, type Actor } from '../auth/actor.ts';
import { parseMinorUnits } from '../domain/money.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { availableBalance } from '../domain/ledger.ts';
import { BREAKAGE_ACCOUNT_ID, clearingAccountId, lineBonusAccountId, lineMainAccountId } from '../ledger/accounts.ts';
import type { BatchTx } from '../ledger/batch-tx.ts';
import { fingerprintOf, type LedgerCommand } from '../ledger/ledger-writer.ts';
import { allocateReceipt, receiptCounterFor } from '../receipts/allocate-receipt.ts';
import { findPayment, findRefund, listRefunds, recountRefundedAmount, topUpCreatedAt, updateRefund, type PaymentRow, type RefundRow } from './payments-repository.ts';
import { almatyDate } from '../domain/time.ts';
import { paymentProviders } from './provider-registry.ts';
import type { PaymentProvider, ProviderResult, RefundResult } from './providers/payment-provider.ts';
import { serializeByKeys } from '../ledger/serialize-by-keys.ts';
import { bonusGrantedUpTo, findBonusGrantOfTopUp } from '../promotions/promotions-repository.ts';
import { bonusGrantedKey, takeBackTopUpBonus, topUpBonusLocks, type BonusGrant } from '../promotions/top-up-bonus.ts';

export interface RefundView {
  id: string;
  paymentId: string;
  amount: number;
  currency: string;
  status: string;
  receiptNumber: string | null;
  failureReason: string | null;
  createdAt: string;
}

/** The counter of what has been refunded of a payment: the lock that keeps concurrent refunds within it. */
export const refundedCounterOf = (paymentId: string) => `refunded:${paymentId}`;
/** What of a payment its posted refunds paid back, and the bonus share they took back (refund-bonus rounding). */
export const refundPostedCounterOf = (paymentId: string) => `refunded-posted:${paymentId}`;
const refundBonusCounterOf = (paymentId: string) => `refund-bonus:${paymentId}`;

/**
 * Refunds (part of) a card top-up, admin only. Two-phase, like the payment: the refund first
 * reserves money out of the line's main balance (its no-overdraft flag keeps it to the unspent
 * part), then the provider pays it back, then the reservation is posted with a receipt, or
 * voided when the provider refuses.
 */
export async function refundPayment(ctx: AppContext, actor: Actor, paymentId: string, input: { amount: number }, idempotencyKey: string): Promise<Result<{ refund: RefundView; replayed: boolean }>> {
  const denied = requireRole(actor, ['admin']);
  if (denied) return denied as Result<never>;
  const amount = parseMinorUnits(input.amount);
  if (amount === null) return fail('amount_invalid');
  const payment = await findPayment(ctx, paymentId);
  if (!payment) return fail('payment_not_found');
  if (payment.status !== 'succeeded' || !payment.provider_reference) return fail('payment_state_invalid', { status: payment.status });
  const provider = paymentProviders(ctx).get(payment.provider);
  if (!provider) return fail('payment_provider_unknown');
  const key = `refund:${actor.id}:${idempotencyKey}`;
  // A repeat sent while the first is still running waits for it here, and then reads its answer:
  // it must not call the provider a second time while the first call may still be paying the card.
  // (Across processes the provider's own idempotency key, `refund:<id>`, does that job.)
  return serializeByKeys(ctx, [key], () => refundOnce(ctx, actor, payment, provider, amount, key, fingerprintOf({ paymentId, amount: input.amount })));
}

async function refundOnce(ctx: AppContext, actor: Actor, payment: PaymentRow, provider: PaymentProvider, amount: bigint, key: string, fingerprint: string): Promise<Result<{ refund: RefundView; replayed: boolean }>> {
  const refundId = ctx.ids.next('rf');
  const reserved = await ctx.writer.submit(reserveRefund(payment, refundId, amount, actor, { key, fingerprint, expiresAt: null }));
  if (!reserved.ok) return reserved;
  const refund = (await findRefund(ctx, reserved.value.value.refundId))!;
  // A repeat finishes a refund still pending (its first run died or lost the provider's answer,
  // or the provider is still paying it back).
  if (reserved.value.replayed && refund.status === 'failed') return fail('payment_provider_failed', { code: refund.failure_reason, refundId: refund.id });
  if (reserved.value.replayed && refund.status !== 'pending') return ok({ refund: refundView(refund), replayed: true });
  // Once the provider has given the refund an id, a repeat asks where it stands instead of sending it again.
  const answer = refund.provider_refund_id
    ? await provider.refundStatus(payment.provider_reference!, refund.provider_refund_id, providerKeyOf(refund)).catch(unreachable)
    : await provider.refund(payment.provider_reference!, BigInt(refund.amount), providerKeyOf(refund), await refundedBefore(ctx, refund)).catch(unreachable);
  const finished = await finishRefund(ctx, payment, refund, answer, refund.provider_refund_id ? 'status' : 'refund');
  return finished.ok ? ok({ refund: finished.value, replayed: reserved.value.replayed }) : finished;
}

/** What the payment's earlier refunds took (those pending and those paid back; ids sort by time): a converting provider refunds the share after it. */
async function refundedBefore(ctx: AppContext, refund: RefundRow): Promise<bigint> {
  let before = 0n;
  for (const earlier of await listRefunds(ctx, refund.payment_id)) if (earlier.id < refund.id && (earlier.status === 'pending' || earlier.status === 'succeeded')) before += BigInt(earlier.amount);
  return before;
}

/** The key the provider knows a refund by: one refund, one key, however often Tolem asks (check-pending-refunds.ts asks too). */
export const providerKeyOf = (refund: RefundRow) => `refund:${refund.id}`;

/** Provider answers that do not say the refund failed: the money stays reserved and the refund is asked about again. */
const UNKNOWN_OUTCOMES = ['provider_unreachable', 'provider_response_unverified'];

const unreachable = () => ({ ok: false as const, code: 'provider_unreachable' });

/**
 * Acts on the provider's answer about a pending refund: a success posts the reservation (with its
 * receipt), a refusal voids it back to the line, and `pending` keeps it reserved, with the
 * provider's refund id noted for the refund-status job (check-pending-refunds.ts) and for a repeat.
 * No answer is not a refusal: the card may have been paid back, so the money stays reserved until
 * someone asks again (the provider's key makes asking again safe). Neither is a failed status
 * query (`asked: 'status'`): only the provider saying the refund failed voids it.
 */
export async function finishRefund(ctx: AppContext, payment: PaymentRow, refund: RefundRow, answer: ProviderResult<RefundResult>, asked: 'refund' | 'status'): Promise<Result<RefundView>> {
  // An answer Tolem could not verify (Alipay's or WeChat Pay's signature) says nothing of whether the refund was made: kept reserved, like no answer.
  if (!answer.ok && (asked === 'status' || UNKNOWN_OUTCOMES.includes(answer.code))) return fail('payment_provider_failed', { code: answer.code, refundId: refund.id });
  if (answer.ok && answer.value.status === 'pending') {
    await updateRefund(ctx, refund.id, { provider_refund_id: answer.value.providerRefundId, failure_reason: answer.value.attention ?? null });
    return ok(refundView((await findRefund(ctx, refund.id))!));
  }
  const paid = answer.ok && answer.value.status === 'succeeded';
  const found = paid && payment.topup_id ? await findBonusGrantOfTopUp(ctx, payment.topup_id) : undefined;
  const grant = found ? { ...found, grantedUpTo: await bonusGrantedUpTo(ctx, found) } : undefined;
  const creditedAt = paid && payment.topup_id ? await topUpCreatedAt(ctx, payment.topup_id) : undefined;
  const settled = await ctx.writer.submit(settleRefund(payment, refund, paid, grant, creditedAt === undefined ? undefined : almatyDate(new Date(creditedAt))));
  if (!settled.ok) return settled;
  if (!paid) {
    const code = answer.ok ? 'refund_failed' : answer.code;
    await updateRefund(ctx, refund.id, { status: 'failed', failure_reason: code, ...(answer.ok ? { provider_refund_id: answer.value.providerRefundId } : {}) });
    return fail('payment_provider_failed', { code, refundId: refund.id });
  }
  await updateRefund(ctx, refund.id, { status: 'succeeded', failure_reason: null, provider_refund_id: answer.value.providerRefundId, receipt_number: settled.value.value.receiptNumber });
  await recountRefundedAmount(ctx, payment.id);
  return ok(refundView((await findRefund(ctx, refund.id))!));
}

function reserveRefund(payment: PaymentRow, refundId: string, amount: bigint, actor: Actor, idempotency: NonNullable<LedgerCommand<unknown>['idempotency']>): LedgerCommand<{ refundId: string }> {
  const main = lineMainAccountId(payment.line_id);
  const clearing = clearingAccountId(payment.provider);
  const counter = refundedCounterOf(payment.id);
  return {
    name: 'refund_reserve', idempotency, lock: { accounts: [main, clearing], counters: [counter] },
    execute(tx) {
      const already = tx.counter(counter);
      const paid = BigInt(payment.amount);
      if (already + amount > paid) return fail('refund_exceeds_payment', { refundable: Number(paid - already) });
      const moved = tx.transfer({ debitAccountId: main, creditAccountId: clearing, amount, unit: 'KZT', code: 'refund', pending: true, metadata: { paymentId: payment.id, refundId } });
      if (!moved.ok) return fail(moved.code === 'exceeds_credits' ? 'refund_exceeds_unspent' : moved.code);
      tx.increment(counter, amount);
      tx.insert('payment_refunds', {
        id: refundId, payment_id: payment.id, amount, currency: payment.currency, status: 'pending', pending_transfer_id: moved.id,
        provider_refund_id: null, receipt_number: null, failure_reason: null, actor_id: actor.id, created_at: tx.nowIso, updated_at: tx.nowIso,
      });
      // A staff action, audited with the reservation (a replay of the key runs none of this again).
      tx.insert('audit_log', {
        id: tx.newId('aud'), actor_id: actor.id, actor_role: actor.role, action: 'payment.refund', target: payment.id,
        details: JSON.stringify({ refundId, amount: Number(amount), currency: payment.currency }), created_at: tx.nowIso,
      });
      return ok({ refundId });
    },
  };
}

/**
 * Settles the reservation. A posted refund also takes back the refunded share of the bonus the
 * top-up earned (rounded down; what the subscriber has spent of it stays spent: the card has been
 * paid back already, so the refund cannot be refused any more), and gives its amount back to the
 * line's daily top-up total when that total is still of the top-up's Almaty day (`topUpDay`).
 */
function settleRefund(payment: PaymentRow, refund: RefundRow, paid: boolean, grant?: RefundGrant, topUpDay?: string): LedgerCommand<{ receiptNumber: string | null; bonusTakenBack: number }> {
  const counter = refundedCounterOf(payment.id);
  const bonusLocks = paid && grant ? topUpBonusLocks(payment.line_id) : { accounts: [], counters: [] };
  return {
    name: paid ? 'refund_post' : 'refund_void',
    idempotency: { key: `refund:${refund.id}:settle`, fingerprint: paid ? 'post' : 'void', expiresAt: null },
    lock: (now) => ({
      // A void may find the line terminated since (a refund pending for days): its money then goes on
      // to breakage. A post tells the subscriber in the line's language as it is now.
      lines: [payment.line_id],
      accounts: [lineMainAccountId(payment.line_id), clearingAccountId(payment.provider), ...bonusLocks.accounts, ...(paid ? [] : [BREAKAGE_ACCOUNT_ID])],
      pending: [refund.pending_transfer_id], counters: [counter, receiptCounterFor(now), ...bonusLocks.counters, ...(paid && grant ? [refundPostedCounterOf(payment.id), refundBonusCounterOf(payment.id)] : [])],
    }),
    execute(tx) {
      if (!paid) {
        const voided = tx.resolvePending(refund.pending_transfer_id, 'void', 'refund');
        if (!voided.ok) return fail(voided.code);
        tx.increment(counter, -BigInt(refund.amount));
        // Termination forfeited what was on the line, not what this refund held reserved: it follows now.
        const forfeited = forfeitIfTerminated(tx, payment, refund);
        if (!forfeited.ok) return forfeited;
        return ok({ receiptNumber: null, bonusTakenBack: 0 });
      }
      // The receipt before the money moves, so that the line's history names it (a refused command takes none).
      const receiptNumber = allocateReceipt(tx, { kind: 'refund', referenceId: refund.id, lineId: payment.line_id, amount: BigInt(refund.amount), currency: refund.currency });
      const posted = tx.resolvePending(refund.pending_transfer_id, 'post', 'refund', undefined, { receipt: receiptNumber });
      if (!posted.ok) return fail(posted.code);
      // Money paid back is no longer topped up: its share of the line's daily top-up limit goes back,
      // as a POS reversal's does, while the line's day is still the one the top-up counted against.
      const line = tx.line(payment.line_id);
      if (line && topUpDay !== undefined && line.dailyTopupDate === topUpDay) {
        const left = line.dailyTopupAmount - BigInt(refund.amount);
        tx.updateLine(line.id, { dailyTopupAmount: left > 0n ? left : 0n });
      }
      let bonusTakenBack = 0n;
      if (grant && payment.topup_id) {
        // The share of all refunds posted so far, less what earlier ones took: rounded down once, not
        // per refund, so that refunding the whole payment in parts takes the whole bonus back. Never
        // below nothing nor past the grant: a reversed refund (recheck-paid-refunds.ts) left its share
        // taken, which later refunds count as taken.
        const paid = BigInt(payment.amount);
        const postedAfter = tx.counter(refundPostedCounterOf(payment.id)) + BigInt(refund.amount);
        const owed = (BigInt(grant.amount) * (postedAfter < paid ? postedAfter : paid)) / paid - tx.counter(refundBonusCounterOf(payment.id));
        const share = owed > 0n ? owed : 0n;
        tx.increment(refundPostedCounterOf(payment.id), BigInt(refund.amount));
        tx.increment(refundBonusCounterOf(payment.id), share);
        const left = bonusLeftOfGrant(tx, payment.line_id, grant);
        const taken = takeBackTopUpBonus(tx, { lineId: payment.line_id, topUpId: payment.topup_id, amount: share < left ? share : left, grant, strict: false });
        if (!taken.ok) return taken;
        bonusTakenBack = taken.value;
      }
      tx.outbox('payment.refunded', { paymentId: payment.id, refundId: refund.id, lineId: payment.line_id, amount: Number(refund.amount), currency: refund.currency, receiptNumber, bonusTakenBack: Number(bonusTakenBack), language: tx.line(payment.line_id)?.language ?? null });
      return ok({ receiptNumber, bonusTakenBack: Number(bonusTakenBack) });
    },
  };
}

/**
 * What is left of a top-up's bonus grant: none once it has expired (the expiry job forfeits it, or
 * has); else, bonus being spent oldest first, what the balance holds beyond the grants after it
 * (granted in all, under lock, less those up to it), at most the grant. Never a later grant's bonus.
 */
function bonusLeftOfGrant(tx: BatchTx, lineId: string, grant: RefundGrant): bigint {
  if (grant.expires_at <= tx.nowIso) return 0n;
  const later = tx.counter(bonusGrantedKey(lineId)) - grant.grantedUpTo;
  const left = availableBalance(tx.account(lineBonusAccountId(lineId))!) - (later > 0n ? later : 0n);
  const amount = BigInt(grant.amount);
  return left <= 0n ? 0n : left < amount ? left : amount;
}

/** A top-up's grant as findBonusGrantOfTopUp reads it. */
type RefundGrant = BonusGrant & { grantedUpTo: bigint };

/**
 * A refund's money back on a line terminated since goes on to breakage, as the line's balance did
 * at termination (a voided refund, a reversed one). Whether it did.
 */
export function forfeitIfTerminated(tx: BatchTx, payment: PaymentRow, refund: RefundRow): Result<boolean> {
  if (tx.line(payment.line_id)?.status !== 'terminated') return ok(false);
  const moved = tx.transfer({ debitAccountId: lineMainAccountId(payment.line_id), creditAccountId: BREAKAGE_ACCOUNT_ID, amount: BigInt(refund.amount), unit: 'KZT', code: 'forfeit', metadata: { reason: 'line_terminated', refundId: refund.id } });
  return moved.ok ? ok(true) : fail(moved.code);
}

export function refundView(row: RefundRow): RefundView {
  return {
    id: row.id, paymentId: row.payment_id, amount: Number(row.amount), currency: row.currency, status: row.status,
    receiptNumber: row.receipt_number, failureReason: row.failure_reason, createdAt: row.created_at,
  };
}
