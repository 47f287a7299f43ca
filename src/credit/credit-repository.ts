import type { Selectable } from 'kysely';
import type { AppContext } from '../app-context.ts';
import type { AccountState } from '../domain/ledger.ts';
import { toAccountState } from '../ledger/ledger-repository.ts';
import type { Database } from '../store/schema.ts';

/**
 * All SQL of promised payments. The ledger (line_credit accounts) is the truth of what is owed;
 * credits.status follows it. The collection job's reads go through `ctx.db`: on SQLite `readDb`
 * is a synchronous connection on the main thread, and a job's reads there would stop HTTP serving.
 */
export type CreditRow = Selectable<Database['credits']>;
export type CreditStatus = 'open' | 'debt' | 'closed';

/** Credits of one status due for a check at `nowIso`, longest waiting first (index credits_status_next_check). */
export async function creditsDueForCheck(ctx: AppContext, status: 'open' | 'debt', nowIso: string, limit: number): Promise<CreditRow[]> {
  return ctx.db.selectFrom('credits').selectAll().where('status', '=', status).where('next_check_at', '<=', nowIso)
    .orderBy('next_check_at').orderBy('id').limit(limit).execute();
}

/** The open credits and debts of these lines, due for a check or not (index credits_line). */
export async function unsettledCreditsOf(ctx: AppContext, lineIds: string[]): Promise<Pick<CreditRow, 'id' | 'line_id' | 'granted_at'>[]> {
  if (lineIds.length === 0) return [];
  return ctx.db.selectFrom('credits').select(['id', 'line_id', 'granted_at']).where('line_id', 'in', lineIds).where('status', 'in', ['open', 'debt']).execute();
}

/** The latest top-up time of each line (one query for a job run). */
export async function lastTopUpsOf(ctx: AppContext, lineIds: string[]): Promise<Map<string, string>> {
  if (lineIds.length === 0) return new Map();
  const rows = await ctx.db.selectFrom('lines').select(['id', 'last_topup_at']).where('id', 'in', lineIds).where('last_topup_at', 'is not', null).execute();
  return new Map(rows.map((r) => [r.id, r.last_topup_at!]));
}


/**
 * Records one check of a credit: its status as the ledger left it and when to look again (a closed
 * credit keeps its last value, as nothing reads it). Only if the row is still as it was read:
 * another process that checked it at the same time wrote the same.
 */
export async function recordCreditCheck(ctx: AppContext, credit: CreditRow, status: CreditStatus, nextCheckAt: string | null, nowIso: string): Promise<void> {
  await ctx.db.updateTable('credits')
    .set({ status, closed_at: status === 'closed' ? nowIso : null, ...(nextCheckAt ? { next_check_at: nextCheckAt } : {}) })
    .where('id', '=', credit.id).where('status', '=', credit.status).execute();
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
