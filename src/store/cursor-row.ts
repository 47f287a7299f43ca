import type { AppContext } from '../app-context.ts';
import { fail, type Result } from '../domain/result.ts';

/** Tables whose lists page by their rows' ids (the cursor is the last id of the page before). */
type PagedTable = 'users' | 'api_keys' | 'payments' | 'webhook_inbox' | 'promotions';

/**
 * A list's cursor must be a row of that list: a well-formed id of nothing would answer a page from
 * somewhere (`usr_000…` the first page, `usr_ZZZ…` an empty one), not the next one. Null when the
 * cursor is absent or names a row; else the list's `validation_failed` (field `cursor`), as every
 * paged list answers (README, API).
 */
export async function cursorRefusal(ctx: AppContext, table: PagedTable, cursor: string | undefined): Promise<Result<never> | null> {
  if (cursor === undefined) return null;
  const row = await ctx.store.readDb.selectFrom(table).select('id').where('id', '=', cursor).executeTakeFirst();
  return row ? null : fail('validation_failed', { field: 'cursor' });
}
