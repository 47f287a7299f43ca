import type { AppContext } from '../app-context.ts';
import { requireRole, type Actor } from '../auth/actor.ts';
import { closedStoreRefusal } from '../stores/store-of-actor.ts';
import { insertAudit } from '../auth/auth-repository.ts';
import { parseIccid } from '../domain/iccid.ts';
import { operatorHint, parseMsisdn } from '../domain/msisdn.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { toLineView, type Language, type LineView } from './line-view.ts';
import { findLineByMsisdn, findLineIdByIccid, insertLine } from './lines-repository.ts';
import { checkNumberReusable } from '../lifecycle/check-number-reusable.ts';

export interface CreateLineInput {
  msisdn: string;
  iccid?: string;
  language?: Language;
  ownerName?: string;
}

/** A new SIM starts preactive, with empty balances and no validity until its first top-up. */
export async function createLine(ctx: AppContext, actor: Actor, input: CreateLineInput): Promise<Result<LineView>> {
  const denied = requireRole(actor, ['admin', 'clerk']);
  if (denied) return denied as Result<never>;
  const closed = await closedStoreRefusal(ctx, actor);
  if (closed) return closed;
  const msisdn = parseMsisdn(input.msisdn);
  if (!msisdn.ok) return msisdn;
  let iccid: string | null = null;
  if (input.iccid !== undefined) {
    const parsed = parseIccid(input.iccid);
    if (!parsed.ok) return parsed;
    iccid = parsed.value;
  }
  // A terminated line whose quarantine is over gives its number up to the new line. The line is
  // read before the quarantine: a termination committing between the two reads is seen by the
  // second (it quarantines the number in its own commit), not taken for a number long free.
  const previous = await findLineByMsisdn(ctx, msisdn.value);
  if (previous && previous.status !== 'terminated') return fail('line_exists', { field: 'msisdn' });
  const reusable = await checkNumberReusable(ctx, msisdn.value);
  if (!reusable.ok) return reusable;
  const now = ctx.clock.now().toISOString();
  const row = {
    id: ctx.ids.next('ln'), msisdn: msisdn.value, iccid, status: 'preactive', valid_until: null, indexed_valid_until: null, language: input.language ?? 'en',
    operator: operatorHint(msisdn.value, ctx.settings.operatorPrefixes), owner_name: input.ownerName ?? null,
    daily_topup_date: null, daily_topup_amount: 0n, first_topup_at: null, last_topup_at: null, status_changed_at: now, barred_at: null, created_at: now, updated_at: now,
  };
  try {
    if (!(await insertLine(ctx, row, previous?.id))) return fail('line_exists', { field: 'msisdn' });
  } catch (error) {
    if (ctx.store.dialect.isUniqueViolation(error)) return fail('line_exists', { field: await clashingField(ctx, iccid) });
    throw error;
  }
  await insertAudit(ctx, actor, 'line.create', row.id, { iccid: iccid !== null, ...(previous ? { numberFrom: previous.id } : {}) });
  return ok(toLineView(row, { main: 0n, bonus: 0n }));
}

/** Which of a new line's unique values another line holds: its ICCID, or else its number (taken meanwhile by a line created at the same time). */
async function clashingField(ctx: AppContext, iccid: string | null): Promise<'iccid' | 'msisdn'> {
  if (iccid === null) return 'msisdn';
  return (await findLineIdByIccid(ctx, iccid)) !== undefined ? 'iccid' : 'msisdn';
}
