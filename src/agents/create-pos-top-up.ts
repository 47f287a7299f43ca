import type { AppContext } from '../app-context.ts';
import type { Actor } from '../auth/actor.ts';
import { availableBalance } from '../domain/ledger.ts';
import { parseMinorUnits } from '../domain/money.ts';
import { parseMsisdn } from '../domain/msisdn.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { fingerprintOf } from '../ledger/ledger-writer.ts';
import { findLineByMsisdn } from '../lines/lines-repository.ts';
import { applyTopUp, topUpLocks, type AppliedTopUp, type TopUpRequest } from '../topups/apply-top-up.ts';
import { AGENT_COMMISSIONS_EXPENSE_ID, agentCommissionAccountId, agentFloatAccountId, commissionOf } from './agent-accounts.ts';
import { agentOfActor } from './agent-of-actor.ts';

export interface PosTopUp {
  topUp: AppliedTopUp;
  agentId: string;
  commission: number;
  floatBalanceAfter: number;
  reversibleUntil: string;
}

/**
 * A cashier takes cash and tops up a line from the agent's float. One ledger command: the
 * top-up rules (applyTopUp, source = float) and the commission from expense:agent-commissions to
 * the agent, in one linked group. A float too small refuses the whole command (no partial).
 */
export async function createPosTopUp(ctx: AppContext, actor: Actor, input: { msisdn: string; amount: number }, idempotencyKey: string): Promise<Result<{ result: PosTopUp; replayed: boolean }>> {
  const agent = await agentOfActor(ctx, actor);
  if (!agent.ok) return agent;
  const amount = parseMinorUnits(input.amount);
  if (amount === null) return fail('amount_invalid');
  const { amountMin, amountMax } = ctx.settings.topup;
  if (amount < amountMin) return fail('amount_below_minimum', { minimum: Number(amountMin) });
  if (amount > amountMax) return fail('amount_above_maximum', { maximum: Number(amountMax) });
  const msisdn = parseMsisdn(input.msisdn);
  if (!msisdn.ok) return msisdn;
  const line = await findLineByMsisdn(ctx, msisdn.value);
  if (!line) return fail('line_not_found');
  const agentId = agent.value.id;
  const floatId = agentFloatAccountId(agentId);
  const commissionId = agentCommissionAccountId(agentId);
  const commission = commissionOf(amount, BigInt(agent.value.commission_basis_points));
  const request: TopUpRequest = { lineId: line.id, amount, sourceAccountId: floatId, channel: 'agent', actorId: actor.id };
  const windowMs = ctx.settings.agents.reversalWindowMinutes * 60_000;
  const expiresAt = new Date(ctx.clock.now().getTime() + ctx.settings.idempotency.retentionHours * 3_600_000).toISOString();
  const submitted = await ctx.writer.submit<PosTopUp>({
    name: 'pos_topup',
    lock: (now) => {
      const locks = topUpLocks(request, now, ctx.settings.topup);
      return { ...locks, accounts: [...locks.accounts, commissionId, AGENT_COMMISSIONS_EXPENSE_ID] };
    },
    idempotency: { key: `pos-topup:${agentId}:${actor.id}:${idempotencyKey}`, fingerprint: fingerprintOf({ msisdn: msisdn.value, amount: input.amount }), expiresAt },
    execute: (tx) => {
      // What the top-up changes on the line, for a reversal to put back (reverse-pos-top-up.ts).
      const before = tx.line(line.id);
      const applied = applyTopUp(tx, request, ctx.settings.topup, ctx.settings.lifecycle);
      if (!applied.ok) {
        if (applied.error.code !== 'exceeds_credits') return applied;
        return fail('balance_insufficient', { account: 'agent_float', available: Number(availableBalance(tx.account(floatId)!)) });
      }
      if (commission > 0n) {
        const moved = tx.transfer({ debitAccountId: AGENT_COMMISSIONS_EXPENSE_ID, creditAccountId: commissionId, amount: commission, unit: 'KZT', code: 'commission', metadata: { topupId: applied.value.id } });
        if (!moved.ok) return fail(moved.code);
      }
      tx.insert('agent_topups', {
        topup_id: applied.value.id, agent_id: agentId, line_id: line.id, msisdn: line.msisdn, amount, commission,
        receipt_number: applied.value.receiptNumber, actor_id: actor.id, created_at: tx.nowIso,
        line_status_before: before?.status ?? null, line_valid_until_before: before?.validUntil ?? null,
        line_valid_until_after: applied.value.line.validUntil, line_first_topup_at_before: before?.firstTopupAt ?? null,
        line_last_topup_at_before: before?.lastTopupAt ?? null,
      });
      return ok({
        topUp: applied.value, agentId, commission: Number(commission), floatBalanceAfter: Number(availableBalance(tx.account(floatId)!)),
        reversibleUntil: new Date(tx.now.getTime() + windowMs).toISOString(),
      });
    },
  });
  if (!submitted.ok) return submitted;
  return ok({ result: submitted.value.value, replayed: submitted.value.replayed });
}
