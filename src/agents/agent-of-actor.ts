import type { AppContext } from '../app-context.ts';
import type { Actor } from '../auth/actor.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { agentIdOfFloat } from './agent-accounts.ts';
import { findAgent, findAgentIdOfUser, type AgentRow } from './agents-repository.ts';

/**
 * The agent a POS caller works for: an agent API key names the agent's float as its source
 * account; an agent user is linked in agent_users. Anyone else is refused.
 */
export async function agentOfActor(ctx: AppContext, actor: Actor): Promise<Result<AgentRow>> {
  if (actor.role !== 'agent') return fail('forbidden', { requiredRoles: ['agent'] });
  const agentId = actor.kind === 'api_key' ? agentIdOfFloat(actor.sourceAccountId) : await findAgentIdOfUser(ctx, actor.id);
  if (!agentId) return fail('agent_not_linked');
  const agent = await findAgent(ctx, agentId);
  if (!agent) return fail('agent_not_linked');
  if (Number(agent.active) !== 1) return fail('agent_inactive');
  return ok(agent);
}
