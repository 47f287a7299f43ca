import type { AppContext } from '../app-context.ts';
import type { Actor } from '../auth/actor.ts';
import { availableBalance } from '../domain/ledger.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { almatyDate } from '../domain/time.ts';
import { lineBonusAccountId, lineMainAccountId } from '../ledger/accounts.ts';
import { debitsSince, type DebitsSince } from '../ledger/debits-since.ts';
import { takeBackTopUpBonus, topUpBonusLocks } from '../promotions/top-up-bonus.ts';
import { AGENT_COMMISSIONS_EXPENSE_ID, agentCommissionAccountId, agentFloatAccountId } from './agent-accounts.ts';
import { agentOfActor } from './agent-of-actor.ts';
import { findAgentTopUp, findReversedPosTopUpsOfLine, findTopUpTransferId } from './agents-repository.ts';
import { findBonusGrantOfTopUp } from '../promotions/promotions-repository.ts';
import { allocateReceipt, receiptCounterFor } from '../receipts/allocate-receipt.ts';
import { applyStatusChange } from '../lifecycle/apply-status-change.ts';
import { lineCreditAccountId } from '../credit/credit-accounts.ts';
import { scheduleOf, type LifecycleRules } from '../lifecycle/lifecycle-rules.ts';
import type { BatchTx } from '../ledger/batch-tx.ts';
import type { AgentTopupTable } from '../store/schema.ts';

export interface PosReversal {
  topupId: string;
  agentId: string;
  amount: number;
  commission: number;
  floatBalanceAfter: number;
  /** The reversal's own receipt (kind topup_reversal): the top-up's receipt stays, this one cancels it in the books. */
  receiptNumber: string;
  reversedAt: string;
}

/**
 * Undoes a POS top-up typed in error, within the reversal window, only while the line has spent
 * nothing since (and holds the money): compensating transfers main → float and commission → expense, once per top-up (the
 * idempotency key and the reversal row's primary key both say so). The line's daily top-up total
 * is reduced, and what the top-up changed on the line goes back while nothing has moved it since
 * (putLineBack): its validity, the reactivation it made, its first top-up's time.
 */
export async function reversePosTopUp(ctx: AppContext, actor: Actor, topupId: string): Promise<Result<{ reversal: PosReversal; replayed: boolean }>> {
  const agent = await agentOfActor(ctx, actor);
  if (!agent.ok) return agent;
  const topUp = await findAgentTopUp(ctx, topupId);
  if (!topUp || topUp.agent_id !== agent.value.id) return fail('agent_topup_not_found');
  const amount = BigInt(topUp.amount);
  const commission = BigInt(topUp.commission);
  const windowMs = ctx.settings.agents.reversalWindowMinutes * 60_000;
  const deadline = new Date(new Date(topUp.created_at).getTime() + windowMs);
  const floatId = agentFloatAccountId(topUp.agent_id);
  const commissionId = agentCommissionAccountId(topUp.agent_id);
  const mainId = lineMainAccountId(topUp.line_id);
  const creditId = lineCreditAccountId(topUp.line_id);
  // Only money the line has not spent since goes back: once it paid for something, the balance it
  // holds may be what the subscriber paid in elsewhere (another agent, a card), not this top-up's.
  // The same holds for the bonus the top-up earned: once the bonus balance paid for something, what
  // it holds may be another top-up's bonus. A later top-up reversed since is no spending: it took
  // back only its own money and bonus.
  const transferId = await findTopUpTransferId(ctx, topUp.topup_id);
  if (transferId === undefined) return fail('agent_topup_not_found');
  // The bonus the top-up earned goes back too, or top-up-and-reverse would mint bonus money.
  const grant = await findBonusGrantOfTopUp(ctx, topUp.topup_id);
  const bonusId = lineBonusAccountId(topUp.line_id);
  const bonusLocks = grant ? topUpBonusLocks(topUp.line_id) : { accounts: [], counters: [] };
  for (let attempt = 1; ; attempt++) {
    // Read each round: another reversal of the line's sales may have committed since the last.
    const reversedEarlier = await findReversedPosTopUpsOfLine(ctx, topUp.line_id, topUp);
    const spent = await debitsSince(ctx, mainId, transferId, ['topup_reversal']);
    const bonusSpent = grant ? await debitsSince(ctx, bonusId, transferId, ['topup_bonus_reversal']) : null;
    // A promised payment granted since (it debits the line's credit account): the sale was the recent
    // top-up it was granted on, which its reversal would take away while the payment stands.
    const creditGranted = await debitsSince(ctx, creditId, transferId);
    // A debit between those reads and the command's lock: perhaps another reversal of the same
    // line's (no spending), so the command is tried again on fresh reads, a few times.
    let debitedMeanwhile = false;
    const submitted = await ctx.writer.submit<PosReversal>({
      name: 'pos_topup_reversal',
      lock: (now) => ({ lines: [topUp.line_id], accounts: [mainId, creditId, floatId, commissionId, AGENT_COMMISSIONS_EXPENSE_ID, ...bonusLocks.accounts], counters: [receiptCounterFor(now), ...bonusLocks.counters] }),
      // The key is the top-up: a second reversal, whoever asks, replays the first answer.
      idempotency: { key: `pos-reversal:${topUp.topup_id}`, fingerprint: topUp.topup_id, expiresAt: null },
      execute: (tx) => {
        if (tx.now.getTime() > deadline.getTime()) return fail('reversal_window_passed', { deadline: deadline.toISOString() });
        if (tx.line(topUp.line_id)?.status === 'terminated') return fail('line_terminated');
        if (spent.debited || bonusSpent?.debited) return fail('topup_already_spent');
        if (creditGranted.debited) return fail('topup_already_spent', { reason: 'promised_payment' });
        const creditAccount = tx.account(creditId);
        if (debitedSince(tx.account(mainId)!, spent) || (bonusSpent && debitedSince(tx.account(bonusId)!, bonusSpent)) || (creditAccount && debitedSince(creditAccount, creditGranted))) {
          debitedMeanwhile = true;
          return fail('topup_already_spent');
        }
        // A receipt of its own, as a refund has: summing receipts must not count a reversed top-up as cash.
        const receiptNumber = allocateReceipt(tx, { kind: 'topup_reversal', referenceId: topUp.topup_id, lineId: topUp.line_id, amount, currency: 'KZT' });
        const back = tx.transfer({ debitAccountId: mainId, creditAccountId: floatId, amount, unit: 'KZT', code: 'topup_reversal', metadata: { topupId: topUp.topup_id, receipt: receiptNumber } });
        if (!back.ok) {
          if (back.code !== 'exceeds_credits') return fail(back.code);
          return fail('balance_insufficient', { account: 'line_main', available: Number(availableBalance(tx.account(mainId)!)) });
        }
        if (commission > 0n) {
          const undone = tx.transfer({ debitAccountId: commissionId, creditAccountId: AGENT_COMMISSIONS_EXPENSE_ID, amount: commission, unit: 'KZT', code: 'commission_reversal', metadata: { topupId: topUp.topup_id } });
          if (!undone.ok) return fail(undone.code);
        }
        if (grant) {
          const taken = takeBackTopUpBonus(tx, { lineId: topUp.line_id, topUpId: topUp.topup_id, amount: BigInt(grant.amount), grant, strict: true });
          if (!taken.ok) return taken;
        }
        const line = tx.line(topUp.line_id);
        if (line && line.dailyTopupDate === almatyDate(new Date(topUp.created_at))) {
          const left = line.dailyTopupAmount - amount;
          tx.updateLine(line.id, { dailyTopupAmount: left > 0n ? left : 0n });
        }
        putLineBack(tx, topUp, reversedEarlier, actor.id, ctx.settings.lifecycle);
        tx.insert('agent_topup_reversals', { topup_id: topUp.topup_id, agent_id: topUp.agent_id, amount, commission, actor_id: actor.id, created_at: tx.nowIso });
        // A staff action that takes money back from a line: audited with it (a repeat runs none of this again).
        tx.insert('audit_log', {
          id: tx.newId('aud'), actor_id: actor.id, actor_role: actor.role, action: 'pos.topup_reverse', target: topUp.topup_id,
          details: JSON.stringify({ agentId: topUp.agent_id, amount: Number(amount), commission: Number(commission) }), created_at: tx.nowIso,
        });
        tx.outbox('topup.reversed', { topupId: topUp.topup_id, lineId: topUp.line_id, msisdn: topUp.msisdn, amount: Number(amount), currency: 'KZT', channel: 'agent', receiptNumber, language: line?.language ?? null });
        return ok({ topupId: topUp.topup_id, agentId: topUp.agent_id, amount: Number(amount), commission: Number(commission), floatBalanceAfter: Number(availableBalance(tx.account(floatId)!)), receiptNumber, reversedAt: tx.nowIso });
      },
    });
    if (!submitted.ok && debitedMeanwhile && attempt < REVERSAL_ATTEMPTS_MAX) continue;
    if (!submitted.ok) return submitted;
    return ok({ reversal: submitted.value.value, replayed: submitted.value.replayed });
  }
}

/**
 * The line as it was before the top-up, where the top-up is still what last changed it: its
 * validity (unless something moved it since: a later top-up extends it further), and, with that,
 * the status the top-up reactivated it from (unless its status changed since) and its first and
 * last top-up times. Kept, a reversed top-up gave its validity away: a cashier could keep a number
 * alive, or bring a suspended one back to active, without anyone paying. A line put back into grace
 * or suspension is told so as the lifecycle would tell it (line.status_changed); the lifecycle job
 * takes it on from the validity put back. POS top-ups made before migration 037 recorded none of
 * this and leave the line as it is.
 *
 * Sales reversed in another order than newest first: an earlier sale reversed while a later one
 * held the validity left the line as it was; the later one's reversal then finds, as its "before",
 * what the earlier one made, and goes on back to what the earlier one found (`reversedEarlier`:
 * the line's POS sales before this one, reversed), as often as such sales chain.
 */
function putLineBack(tx: BatchTx, topUp: AgentTopupTable, reversedEarlier: readonly AgentTopupTable[], actorId: string, rules: LifecycleRules): void {
  const line = tx.line(topUp.line_id);
  if (!line || topUp.line_valid_until_after === null || line.validUntil !== topUp.line_valid_until_after) return;
  // The sale whose "before" the line goes back to: this one, or the earliest reversed one it chains to.
  const byValidityMade = new Map(reversedEarlier.map((earlier) => [earlier.line_valid_until_after, earlier]));
  // The sale that made the validity another found was before it, in its millisecond too (one batch's
  // commands share their time); each is followed once.
  let origin = topUp;
  const followed = new Set([topUp.topup_id]);
  for (;;) {
    const earlier = origin.line_valid_until_before === null ? undefined : byValidityMade.get(origin.line_valid_until_before);
    if (!earlier || earlier.created_at > origin.created_at || followed.has(earlier.topup_id)) break;
    followed.add(earlier.topup_id);
    origin = earlier;
  }
  const validUntil = origin.line_valid_until_before;
  tx.updateLine(line.id, {
    validUntil,
    ...(line.firstTopupAt !== null && line.firstTopupAt >= origin.created_at ? { firstTopupAt: origin.line_first_topup_at_before } : {}),
    // Recorded since migration 038, shipped with 037 (null: the line had no top-up that counts).
    ...(line.lastTopupAt === topUp.created_at ? { lastTopupAt: origin.line_last_topup_at_before } : {}),
  });
  const from = origin.line_status_before;
  // Reactivated by the origin sale: active since its very commit.
  if (from === null || from === line.status || line.status !== 'active' || line.statusChangedAt !== origin.created_at) return;
  // Told as the lifecycle tells these steps (advance-line-lifecycle.ts): nothing of a grace that is
  // over by now (the job suspends the line within its minute, and that SMS follows), nor of a
  // suspension whose termination is due.
  const schedule = validUntil === null ? null : scheduleOf(new Date(validUntil), rules);
  applyStatusChange(tx, {
    lineId: line.id, from: 'active', to: from, reason: 'topup_reversed', actorId,
    ...(schedule && (from === 'suspended' || from === 'grace') ? { terminatesAt: schedule.terminatedAt.toISOString() } : {}),
    ...(schedule && from === 'grace' ? { suspendsAt: schedule.suspendedAt.toISOString() } : {}),
  });
}

/**
 * Reads and tries of a reversal whose account was debited between its reads and its lock. Spending
 * shows in the fresh reads and refuses at once; only another reversal of the line's sales sends a
 * reversal round again, and each round one of them goes through: enough for a till's sales to one
 * line reversed at once (three made five of eight such reversals answer topup_already_spent).
 */
const REVERSAL_ATTEMPTS_MAX = 20;

/**
 * Whether an account, under the command's lock, was debited since `read`: either of its debit
 * totals grown (every debit adds to one of them, posting a reservation to the posted ones; their
 * sum alone would not do, since a reservation voided meanwhile takes from the pending ones what a
 * new debit adds).
 */
function debitedSince(account: { debitsPosted: bigint; debitsPending: bigint }, read: DebitsSince): boolean {
  return account.debitsPosted > read.debitsPosted || account.debitsPending > read.debitsPending;
}
