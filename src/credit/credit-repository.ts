import type { AppContext } from '../app-context.ts';

/** All SQL of promised payments. The ledger (line_credit accounts) is the truth of what is owed; credits.status follows it. */
/** When the line was first and last topped up (kept on the line by every top-up). */
export async function topUpWindowOf(ctx: AppContext, lineId: string): Promise<{ first: string | null; last: string | null }> {
  const row = await ctx.store.readDb.selectFrom('lines').select(['first_topup_at', 'last_topup_at']).where('id', '=', lineId).executeTakeFirst();
  return { first: row?.first_topup_at ?? null, last: row?.last_topup_at ?? null };
}

export async function findUnsettledCredits(ctx: AppContext, limit: number) {
  return ctx.store.readDb.selectFrom('credits').selectAll().where('status', 'in', ['open', 'debt']).orderBy('due_at').orderBy('id').limit(limit).execute();
}

/** The latest top-up time of each line (one query for a job run). */
export async function lastTopUpsOf(ctx: AppContext, lineIds: string[]): Promise<Map<string, string>> {
  if (lineIds.length === 0) return new Map();
  const rows = await ctx.store.readDb.selectFrom('lines').select(['id', 'last_topup_at']).where('id', 'in', lineIds).where('last_topup_at', 'is not', null).execute();
  return new Map(rows.map((r) => [r.id, r.last_topup_at!]));
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
