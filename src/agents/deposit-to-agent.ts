import type { AppContext } from '../app-context.ts';
import { nameWithin } from '../domain/text.ts';
import { requireRole, type Actor } from '../auth/actor.ts';
import { availableBalance } from '../domain/ledger.ts';
import { parseMinorUnits } from '../domain/money.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { fingerprintOf } from '../ledger/ledger-writer.ts';
import { AGENT_DEPOSITS_CLEARING_ID, agentFloatAccountId } from './agent-accounts.ts';
import { findAgent } from './agents-repository.ts';

export interface AgentDeposit {
  id: string;
  agentId: string;
  amount: number;
  currency: 'KZT';
  reference: string;
  transferId: string;
  floatBalanceAfter: number;
  createdAt: string;
}

/** A single deposit above 100 million ₸ is a typing mistake. */
const DEPOSIT_AMOUNT_MAX = 10_000_000_000n;

/**
 * Admin records money the agent paid in (bank transfer, cash at the office): the float grows by
 * the amount, from clearing:agent-deposits, at most once per Idempotency-Key; audited (`agent.deposit`).
 */
export async function depositToAgent(ctx: AppContext, actor: Actor, agentId: string, input: { amount: number; reference: string }, idempotencyKey: string): Promise<Result<{ deposit: AgentDeposit; replayed: boolean }>> {
  const denied = requireRole(actor, ['admin']);
  if (denied) return denied as Result<never>;
  const amount = parseMinorUnits(input.amount);
  if (amount === null) return fail('amount_invalid');
  if (amount > DEPOSIT_AMOUNT_MAX) return fail('amount_above_maximum', { maximum: Number(DEPOSIT_AMOUNT_MAX) });
  const reference = nameWithin(input.reference);
  if (reference === null) return fail('validation_failed', { field: 'reference', reason: 'blank or over 100 characters' });
  const agent = await findAgent(ctx, agentId);
  if (!agent) return fail('agent_not_found');
  const floatId = agentFloatAccountId(agent.id);
  // Kept IDEMPOTENCY_RETENTION_HOURS, as every answer to a client's key, then purged.
  const expiresAt = new Date(ctx.clock.now().getTime() + ctx.settings.idempotency.retentionHours * 3_600_000).toISOString();
  const result = await ctx.writer.submit<AgentDeposit>({
    name: 'agent_deposit',
    lock: { accounts: [AGENT_DEPOSITS_CLEARING_ID, floatId] },
    idempotency: { key: `agent-deposit:${actor.id}:${idempotencyKey}`, fingerprint: fingerprintOf({ agentId, amount: input.amount, reference }), expiresAt },
    execute: (tx) => {
      const moved = tx.transfer({ debitAccountId: AGENT_DEPOSITS_CLEARING_ID, creditAccountId: floatId, amount, unit: 'KZT', code: 'agent_deposit', metadata: { reference } });
      if (!moved.ok) return fail(moved.code);
      const id = tx.newId('agd');
      tx.insert('agent_deposits', { id, agent_id: agent.id, amount, reference, transfer_id: moved.id, actor_id: actor.id, created_at: tx.nowIso });
      // A staff action, audited with the money it moved (a replay of the key runs none of this again).
      tx.insert('audit_log', {
        id: tx.newId('aud'), actor_id: actor.id, actor_role: actor.role, action: 'agent.deposit', target: agent.id,
        details: JSON.stringify({ depositId: id, amount: Number(amount), reference, transferId: moved.id }), created_at: tx.nowIso,
      });
      return ok({ id, agentId: agent.id, amount: Number(amount), currency: 'KZT', reference, transferId: moved.id, floatBalanceAfter: Number(availableBalance(tx.account(floatId)!)), createdAt: tx.nowIso });
    },
  });
  if (!result.ok) return result;
  return ok({ deposit: result.value.value, replayed: result.value.replayed });
}
