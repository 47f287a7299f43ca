import type { AppContext } from '../app-context.ts';
import { nameWithin } from '../domain/text.ts';
import { requireRole, type Actor } from '../auth/actor.ts';
import { insertAudit } from '../auth/auth-repository.ts';
import { fail, type Result } from '../domain/result.ts';
import { COMMISSION_BASIS_POINTS_MAX } from './create-agent.ts';
import { getAgent } from './get-agent.ts';
import { findAgent, updateAgentRow } from './agents-repository.ts';

export interface AgentPatch {
  name?: string;
  commissionBasisPoints?: number;
  active?: boolean;
}

/**
 * An admin renames an agent, changes its commission (top-ups from then on earn the new rate;
 * those before keep theirs, booked at the time) or deactivates it: an inactive agent's staff and
 * keys are refused at the POS with `agent_inactive` until it is active again. Its float and
 * commission stay where they are.
 */
export async function updateAgent(ctx: AppContext, actor: Actor, agentId: string, patch: AgentPatch): ReturnType<typeof getAgent> {
  const denied = requireRole(actor, ['admin']);
  if (denied) return denied as Result<never>;
  const changes: { name?: string; commission_basis_points?: bigint; active?: bigint } = {};
  if (patch.name !== undefined) {
    const name = nameWithin(patch.name);
    if (name === null) return fail('validation_failed', { field: 'name', reason: 'blank or over 100 characters' });
    changes.name = name;
  }
  if (patch.commissionBasisPoints !== undefined) {
    const bp = patch.commissionBasisPoints;
    if (!Number.isSafeInteger(bp) || bp < 0 || bp > COMMISSION_BASIS_POINTS_MAX) {
      return fail('validation_failed', { field: 'commissionBasisPoints', minimum: 0, maximum: COMMISSION_BASIS_POINTS_MAX });
    }
    changes.commission_basis_points = BigInt(bp);
  }
  if (patch.active !== undefined) changes.active = patch.active ? 1n : 0n;
  if (Object.keys(changes).length === 0) return fail('validation_failed', { reason: 'nothing_to_change', fields: ['name', 'commissionBasisPoints', 'active'] });
  if (!(await findAgent(ctx, agentId))) return fail('agent_not_found');
  await updateAgentRow(ctx, agentId, changes);
  await insertAudit(ctx, actor, 'agent.update', agentId, { ...patch });
  return getAgent(ctx, actor, agentId);
}
