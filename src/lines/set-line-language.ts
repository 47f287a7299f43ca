import type { AppContext } from '../app-context.ts';
import { requireRole, type Actor } from '../auth/actor.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { getLine } from './get-line.ts';
import { findReadableLine } from './line-access.ts';
import { closedStoreRefusal } from '../stores/store-of-actor.ts';
import type { Language, LineView } from './line-view.ts';

/** Who may change a line's language: its own subscriber, and staff at the counter. */
const LANGUAGE_SETTERS = ['admin', 'clerk', 'subscriber'] as const;

/**
 * Sets the language the line hears in: its SMS, receipts, POS slips and USSD answers, and the
 * catalog shown for it. Through the ledger writer, like every change of a line's row, so that no
 * batch in flight writes the old value back.
 */
export async function setLineLanguage(ctx: AppContext, actor: Actor, msisdnInput: string, language: Language): Promise<Result<LineView>> {
  const denied = requireRole(actor, LANGUAGE_SETTERS);
  if (denied) return denied as Result<never>;
  const closed = await closedStoreRefusal(ctx, actor);
  if (closed) return closed;
  const found = await findReadableLine(ctx, actor, msisdnInput);
  if (!found.ok) return found;
  const lineId = found.value.id;
  const changed = await ctx.writer.submit({
    name: 'line_language',
    lock: { lines: [lineId] },
    execute: (tx) => {
      const line = tx.line(lineId);
      if (!line) return fail('line_not_found');
      if (line.status === 'terminated') return fail('line_terminated');
      if (line.language !== language) tx.updateLine(lineId, { language });
      return ok(null);
    },
  });
  if (!changed.ok) return changed;
  return getLine(ctx, actor, found.value.msisdn);
}
