import type { AppContext } from '../app-context.ts';
import { findLineByMsisdn } from '../lines/lines-repository.ts';
import { parseMsisdn } from '../domain/msisdn.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { requireRole, type Actor } from './actor.ts';
import { closedStoreRefusal } from '../stores/store-of-actor.ts';
import { findUserById, insertAudit, linkUserLine } from './auth-repository.ts';

/**
 * Adds a line to a subscriber's login (several SIMs on one login). Staff do it after checking
 * the customer holds the SIM (at the counter, or after an SMS code sent by the operator's system).
 */
export async function linkLine(ctx: AppContext, actor: Actor, userId: string, msisdnInput: string): Promise<Result<{ userId: string; lineId: string; msisdn: string }>> {
  const denied = requireRole(actor, ['admin', 'clerk']);
  if (denied) return denied as Result<never>;
  const closed = await closedStoreRefusal(ctx, actor);
  if (closed) return closed;
  const user = await findUserById(ctx, userId);
  if (!user) return fail('user_not_found');
  if (user.role !== 'subscriber') return fail('validation_failed', { field: 'userId', reason: 'only subscriber logins hold lines' });
  const msisdn = parseMsisdn(msisdnInput);
  if (!msisdn.ok) return msisdn;
  const line = await findLineByMsisdn(ctx, msisdn.value);
  if (!line) return fail('line_not_found');
  await linkUserLine(ctx, user.id, line.id);
  await insertAudit(ctx, actor, 'user.link_line', user.id, { lineId: line.id });
  return ok({ userId: user.id, lineId: line.id, msisdn: line.msisdn });
}
