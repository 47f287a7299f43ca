import type { AppContext } from '../app-context.ts';
import { nameWithin } from '../domain/text.ts';
import { requireRole, type Actor } from '../auth/actor.ts';
import { insertAudit } from '../auth/auth-repository.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { AGENT_SYSTEM_ACCOUNTS, agentAccountSpecs, agentCommissionAccountId, agentFloatAccountId } from './agent-accounts.ts';
import { insertAgent } from './agents-repository.ts';

export interface CreateAgentInput {
  name: string;
  commissionBasisPoints: number;
}

export interface AgentView {
  id: string;
  name: string;
  commissionBasisPoints: number;
  active: boolean;
  floatAccountId: string;
  commissionAccountId: string;
  createdAt: string;
}

/** An agent as the admin reads it: with the float's and the commission account's balances (minor units). */
export interface AgentWithBalances extends AgentView {
  floatBalance: number;
  commissionBalance: number;
}

/** Commission above 20 % is a typing mistake, not a contract. */
export const COMMISSION_BASIS_POINTS_MAX = 2_000;

/**
 * An admin registers a retail agent: the agent row and its float and commission accounts. It answers
 * what reading the agent shows; both accounts are new, so both balances are zero.
 */
export async function createAgent(ctx: AppContext, actor: Actor, input: CreateAgentInput): Promise<Result<AgentWithBalances>> {
  const denied = requireRole(actor, ['admin']);
  if (denied) return denied as Result<never>;
  const name = nameWithin(input.name);
  if (name === null) return fail('validation_failed', { field: 'name', reason: 'blank or over 100 characters' });
  const bp = input.commissionBasisPoints;
  if (!Number.isSafeInteger(bp) || bp < 0 || bp > COMMISSION_BASIS_POINTS_MAX) {
    return fail('validation_failed', { field: 'commissionBasisPoints', minimum: 0, maximum: COMMISSION_BASIS_POINTS_MAX });
  }
  const id = ctx.ids.next('ag');
  const createdAt = ctx.clock.now().toISOString();
  await insertAgent(ctx, { id, name, commission_basis_points: BigInt(bp), active: 1n, created_at: createdAt }, agentAccountSpecs(id), AGENT_SYSTEM_ACCOUNTS);
  await insertAudit(ctx, actor, 'agent.create', id, { name, commissionBasisPoints: bp });
  return ok({ id, name, commissionBasisPoints: bp, active: true, floatAccountId: agentFloatAccountId(id), commissionAccountId: agentCommissionAccountId(id), createdAt, floatBalance: 0, commissionBalance: 0 });
}
