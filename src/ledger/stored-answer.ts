import type { AppContext } from '../app-context.ts';
import { sharedLookup } from '../store/batched-lookup.ts';
import { fail, ok, type Result } from '../domain/result.ts';

/**
 * The answer an earlier successful command stored under this idempotency key, for use cases that
 * check things before they submit (prices, promo limits, whether an offering is on sale): a retry
 * must replay the first answer, not be refused by what the first run itself changed. Null when the
 * key is new; `idempotency_key_reused` when it was used for a different request. The writer checks
 * the key again under lock, so a race between two first runs still answers once.
 */
const STORED_ANSWERS = {
  name: 'stored-answers',
  sqlite: 'select key, fingerprint, response from idempotency_keys where key in (select value from json_each(?))',
  postgres: 'select key, fingerprint, response from idempotency_keys where key = any($1::text[])',
};

export async function storedAnswer<T>(ctx: AppContext, key: string, fingerprint: string): Promise<Result<T> | null> {
  const row = await sharedLookup(ctx.store, 'idempotency-keys', async (keys) => {
    const rows = await ctx.store.keyedRows<{ key: string; fingerprint: string; response: string }>(STORED_ANSWERS, keys);
    return new Map(rows.map((found) => [found.key, found]));
  })(key);
  if (!row) return null;
  return row.fingerprint === fingerprint ? ok(JSON.parse(row.response) as T) : fail('idempotency_key_reused');
}
