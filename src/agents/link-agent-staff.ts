import type { AppContext } from '../app-context.ts';
import { requireRole, type Actor } from '../auth/actor.ts';
import { findUserById, insertAudit } from '../auth/auth-repository.ts';
import { createApiKey } from '../auth/create-api-key.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { agentFloatAccountId } from './agent-accounts.ts';
import { findAgent, upsertAgentUser } from './agents-repository.ts';

/**
 * Links agent staff: a user with role agent (POS web page), or a new agent API key whose source
 * account is the agent's float (POS terminals). Returns the key once when one is made.
 */
export async function linkAgentStaff(ctx: AppContext, actor: Actor, agentId: string, input: { userId?: string; apiKeyName?: string }): Promise<Result<{ agentId: string; userId: string | null; apiKey: { id: string; key: string } | null }>> {
  const denied = requireRole(actor, ['admin']);
  if (denied) return denied as Result<never>;
  if ((input.userId === undefined) === (input.apiKeyName === undefined)) return fail('validation_failed', { reason: 'give exactly one of userId, apiKeyName' });
  const agent = await findAgent(ctx, agentId);
  if (!agent) return fail('agent_not_found');
  if (input.userId !== undefined) {
    const user = await findUserById(ctx, input.userId);
    if (!user) return fail('user_not_found');
    if (user.role !== 'agent') return fail('validation_failed', { field: 'userId', reason: 'the user must have role agent' });
    await upsertAgentUser(ctx, user.id, agent.id);
    await insertAudit(ctx, actor, 'agent.link_user', agent.id, { userId: user.id });
    return ok({ agentId: agent.id, userId: user.id, apiKey: null });
  }
  const key = await createApiKey(ctx, actor, { name: input.apiKeyName!, role: 'agent', sourceAccountId: agentFloatAccountId(agent.id) });
  if (!key.ok) return key;
  return ok({ agentId: agent.id, userId: null, apiKey: { id: key.value.id, key: key.value.key } });
}
