import type { AppContext } from '../app-context.ts';

/**
 * Current values of the ledger writer's counters, 0 for one not written yet; read without
 * locking, for what is shown or checked before a command (a quote, a transfer before its code):
 * the command that changes them locks them and checks again.
 */
export async function readCounters(ctx: AppContext, keys: string[]): Promise<Map<string, bigint>> {
  const values = new Map<string, bigint>(keys.map((key) => [key, 0n]));
  if (keys.length === 0) return values;
  const rows = await ctx.store.readDb.selectFrom('counters').select(['key', 'value']).where('key', 'in', keys).execute();
  for (const row of rows) values.set(row.key, BigInt(row.value));
  return values;
}
