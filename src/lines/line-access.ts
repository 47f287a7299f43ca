import type { AppContext } from '../app-context.ts';
import type { Actor } from '../auth/actor.ts';
import { userOwnsLine } from '../auth/auth-repository.ts';
import { parseMsisdn } from '../domain/msisdn.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { findLineByMsisdn, findReleasedLineOfUser, type LineRow } from './lines-repository.ts';
import { closedStoreRefusal } from '../stores/store-of-actor.ts';

/**
 * Roles that may read any line. A subscriber reads only the lines linked to their login. An agent
 * (a retail kiosk) reads none in full: it has the masked POS look-up and its own receipts.
 */
const LINE_READER_ROLES = ['admin', 'clerk', 'partner'];

/**
 * Finds a line by a number as typed, if the actor may see it. A subscriber asking for a line that
 * is not theirs hears line_not_found, so that numbers cannot be probed.
 */
export async function findReadableLine(ctx: AppContext, actor: Actor, msisdnInput: string): Promise<Result<LineRow>> {
  // A closed store's clerks read no line either (balances, history, SMS texts): closing it cuts them off.
  const closed = await closedStoreRefusal(ctx, actor);
  if (closed) return closed;
  const msisdn = parseMsisdn(msisdnInput);
  if (!msisdn.ok) return msisdn;
  const line = await findLineByMsisdn(ctx, msisdn.value);
  if (LINE_READER_ROLES.includes(actor.role)) return line ? ok(line) : fail('line_not_found');
  if (actor.role !== 'subscriber') return line ? fail('forbidden') : fail('line_not_found');
  if (line && await userOwnsLine(ctx, actor.id, line.id)) return ok(line);
  // A closed line of theirs whose number has since gone to a new line: its subscriber still finds it
  // by the number it had (its history, receipts, SMS), and never the new owner's line holding it now.
  const released = await findReleasedLineOfUser(ctx, actor.id, msisdn.value);
  return released ? ok(released) : fail('line_not_found');
}

/** The line of a number as typed, for a use case that acts on it without showing it (an agent's voucher redemption). */
export async function findLineToServe(ctx: AppContext, msisdnInput: string): Promise<Result<LineRow>> {
  const msisdn = parseMsisdn(msisdnInput);
  if (!msisdn.ok) return msisdn;
  const line = await findLineByMsisdn(ctx, msisdn.value);
  return line ? ok(line) : fail('line_not_found');
}
