import type { AppContext } from '../app-context.ts';
import type { Actor } from '../auth/actor.ts';
import { countAttempt } from '../auth/auth-repository.ts';
import { operatorHint, parseMsisdn } from '../domain/msisdn.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { isBarred } from '../lifecycle/lifecycle-rules.ts';
import { findLineByMsisdn } from '../lines/lines-repository.ts';
import { maskOwnerName } from './agent-accounts.ts';
import { agentOfActor } from './agent-of-actor.ts';

export interface PosLookup {
  msisdn: string;
  operator: string | null;
  status: string;
  /** Suspended by an admin (a lost or stolen SIM, fraud): a top-up credits it but does not bring it back (customer service does). */
  barred: boolean;
  ownerName: string | null;
}

const LOOKUP_WINDOW_MINUTES = 60;

/**
 * Lets the cashier confirm the number before taking cash: operator, status (and whether an admin barred
 * it: a top-up does not bring such a line back), masked owner name.
 * At most `agents.lookupsPerHourMax` an hour per agent (all its tills and keys together), counted
 * in the database for every process: a shop serves its customers, a leaked agent key does not
 * walk the numbering plan for owners' initials.
 */
export async function lookUpLine(ctx: AppContext, actor: Actor, msisdnInput: string): Promise<Result<PosLookup>> {
  const agent = await agentOfActor(ctx, actor);
  if (!agent.ok) return agent;
  if (await countAttempt(ctx, `pos:lookup:${agent.value.id}`, LOOKUP_WINDOW_MINUTES) > ctx.settings.agents.lookupsPerHourMax) {
    return fail('rate_limited', { retryAfterSeconds: LOOKUP_WINDOW_MINUTES * 60 });
  }
  const msisdn = parseMsisdn(msisdnInput);
  if (!msisdn.ok) return msisdn;
  const line = await findLineByMsisdn(ctx, msisdn.value);
  if (!line) return fail('line_not_found', { operator: operatorHint(msisdn.value, ctx.settings.operatorPrefixes) });
  // A barred line reads 'suspended' like one the lifecycle suspended, which a top-up brings back: the cashier
  // taking cash to restore service must know that this one stays blocked.
  const barred = line.status === 'suspended' && isBarred({ barredAt: line.barred_at, statusChangedAt: line.status_changed_at });
  return ok({ msisdn: line.msisdn, operator: line.operator ?? operatorHint(line.msisdn, ctx.settings.operatorPrefixes), status: line.status, barred, ownerName: maskOwnerName(line.owner_name) });
}
