import type { AppContext } from '../app-context.ts';
import { requireRole, type Actor } from '../auth/actor.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { agentCommissionAccountId, agentFloatAccountId } from './agent-accounts.ts';
import { accountBalances, findAgent } from './agents-repository.ts';
import type { AgentWithBalances } from './create-agent.ts';

/** An agent with its float and commission balances (admin). */
export async function getAgent(ctx: AppContext, actor: Actor, agentId: string): Promise<Result<AgentWithBalances>> {
  const denied = requireRole(actor, ['admin']);
  if (denied) return denied as Result<never>;
  const agent = await findAgent(ctx, agentId);
  if (!agent) return fail('agent_not_found');
  const floatAccountId = agentFloatAccountId(agent.id);
  const commissionAccountId = agentCommissionAccountId(agent.id);
  const balances = await accountBalances(ctx, [floatAccountId, commissionAccountId]);
  return ok({
    id: agent.id, name: agent.name, commissionBasisPoints: Number(agent.commission_basis_points), active: Number(agent.active) === 1,
    floatAccountId, commissionAccountId, createdAt: agent.created_at,
    floatBalance: Number(balances.get(floatAccountId) ?? 0n), commissionBalance: Number(balances.get(commissionAccountId) ?? 0n),
  });
}
