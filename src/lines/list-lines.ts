import type { AppContext } from '../app-context.ts';
import type { Actor } from '../auth/actor.ts';
import { cutPage, type Page } from '../domain/page.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { toLineView, type LineView } from './line-view.ts';
import { isListedLine, listLines as selectLines } from './lines-repository.ts';
import { spendableBalancesOf } from './spendable-balances.ts';
import { closedStoreRefusal } from '../stores/store-of-actor.ts';

/** Staff see every line; a subscriber sees the lines on their login (several SIMs, one login). */
export async function listLines(ctx: AppContext, actor: Actor, query: { limit: number; cursor?: string; status?: string }): Promise<Result<Page<LineView>>> {
  if (!['admin', 'clerk', 'subscriber'].includes(actor.role)) return fail('forbidden');
  const closed = await closedStoreRefusal(ctx, actor);
  if (closed) return closed;
  const ownerUserId = actor.role === 'subscriber' ? actor.id : undefined;
  // A cursor is the last line of the page before: an id that is no line of this list (none at all,
  // or another login's) would answer a page from somewhere, not the next one.
  if (query.cursor !== undefined && !(await isListedLine(ctx, query.cursor, ownerUserId))) return fail('validation_failed', { field: 'cursor' });
  const rows = await selectLines(ctx, { limit: query.limit + 1, after: query.cursor ?? null, status: query.status, ownerUserId });
  const page = cutPage(rows, query.limit);
  const balances = await spendableBalancesOf(ctx, page.rows.map((r) => r.id));
  return ok({ data: page.rows.map((r) => toLineView(r, balances.get(r.id)!)), nextCursor: page.nextCursor });
}
