import type { AppContext } from '../app-context.ts';

/** All SQL of promised payments. The ledger (line_credit accounts) is the truth of what is owed; credits.status follows it. */
export async function topUpWindowOf(ctx: AppContext, lineId: string): Promise<{ first: string | null; last: string | null }> {
  const row = await ctx.store.readDb.selectFrom('topups').select((eb) => [eb.fn.min('created_at').as('first'), eb.fn.max('created_at').as('last')])
    .where('line_id', '=', lineId).executeTakeFirst();
  return { first: (row?.first as string | null) ?? null, last: (row?.last as string | null) ?? null };
}

export async function findUnsettledCredits(ctx: AppContext, limit: number) {
  return ctx.store.readDb.selectFrom('credits').selectAll().where('status', 'in', ['open', 'debt']).orderBy('due_at').orderBy('id').limit(limit).execute();
}

/** The latest top-up time of each line (one query for a job run). */
export async function lastTopUpsOf(ctx: AppContext, lineIds: string[]): Promise<Map<string, string>> {
  if (lineIds.length === 0) return new Map();
  const rows = await ctx.store.readDb.selectFrom('topups').select((eb) => ['line_id', eb.fn.max('created_at').as('last')])
    .where('line_id', 'in', lineIds).groupBy('line_id').execute();
  return new Map(rows.map((r) => [r.line_id, r.last as string]));
}

export async function setCreditStatus(ctx: AppContext, id: string, status: 'open' | 'debt' | 'closed', closedAt: string | null) {
  await ctx.db.updateTable('credits').set({ status, closed_at: closedAt }).where('id', '=', id).execute();
}

export async function listCreditsOf(ctx: AppContext, lineId: string) {
  return ctx.store.readDb.selectFrom('credits').selectAll().where('line_id', '=', lineId).orderBy('id').execute();
}

/** What the line owes now, from its line_credit account (0 when it never took a credit). */
export async function owedBy(ctx: AppContext, accountId: string): Promise<bigint> {
  const row = await ctx.store.readDb.selectFrom('ledger_accounts').select(['debits_posted', 'debits_pending', 'credits_posted', 'credits_pending'])
    .where('id', '=', accountId).executeTakeFirst();
  if (!row) return 0n;
  return BigInt(row.debits_posted) + BigInt(row.debits_pending) - BigInt(row.credits_posted) - BigInt(row.credits_pending);
}
