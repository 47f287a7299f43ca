import type { AppContext } from '../app-context.ts';
import type { AccountSpec } from '../ledger/accounts.ts';
import type { Database } from '../store/schema.ts';

/** All SQL of the agents capability. */
export type AgentRow = Database['agents'];

function accountRows(specs: AccountSpec[], createdAt: string) {
  return specs.map((spec) => ({
    id: spec.id, unit: spec.unit, kind: spec.kind, owner_id: spec.ownerId ?? null, flags: spec.flags ?? 0n,
    debits_posted: 0n, credits_posted: 0n, debits_pending: 0n, credits_pending: 0n, expires_at: null, metadata: null, created_at: createdAt,
  }));
}

/** The agent, its two accounts and the operator's agent accounts (if missing), in one transaction. */
export async function insertAgent(ctx: AppContext, row: AgentRow, accounts: AccountSpec[], systemAccounts: AccountSpec[]): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    await trx.insertInto('ledger_accounts').values(accountRows(systemAccounts, row.created_at)).onConflict((c) => c.column('id').doNothing()).execute();
    await trx.insertInto('agents').values(row).execute();
    await trx.insertInto('ledger_accounts').values(accountRows(accounts, row.created_at)).execute();
  });
}

export async function findAgent(ctx: AppContext, id: string): Promise<AgentRow | undefined> {
  return ctx.store.readDb.selectFrom('agents').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function updateAgentRow(ctx: AppContext, id: string, changes: Partial<Pick<AgentRow, 'name' | 'commission_basis_points' | 'active'>>): Promise<void> {
  await ctx.db.updateTable('agents').set(changes).where('id', '=', id).execute();
}

export async function findAgentIdOfUser(ctx: AppContext, userId: string): Promise<string | null> {
  const row = await ctx.store.readDb.selectFrom('agent_users').select('agent_id').where('user_id', '=', userId).executeTakeFirst();
  return row?.agent_id ?? null;
}

export async function upsertAgentUser(ctx: AppContext, userId: string, agentId: string): Promise<void> {
  await ctx.db.insertInto('agent_users').values({ user_id: userId, agent_id: agentId, created_at: ctx.clock.now().toISOString() })
    .onConflict((c) => c.column('user_id').doUpdateSet({ agent_id: agentId })).execute();
}

export async function accountBalances(ctx: AppContext, ids: string[]): Promise<Map<string, bigint>> {
  const rows = await ctx.store.readDb.selectFrom('ledger_accounts').selectAll().where('id', 'in', ids).execute();
  return new Map(rows.map((r) => [r.id, BigInt(r.credits_posted) - BigInt(r.debits_posted) - BigInt(r.debits_pending)]));
}

export async function findAgentTopUp(ctx: AppContext, topupId: string) {
  return ctx.store.readDb.selectFrom('agent_topups').selectAll().where('topup_id', '=', topupId).executeTakeFirst();
}

/** The ledger transfer that credited a top-up (for POS top-ups, the one from the agent's float). */
export async function findTopUpTransferId(ctx: AppContext, topupId: string): Promise<string | undefined> {
  return (await ctx.store.readDb.selectFrom('topups').select('transfer_id').where('id', '=', topupId).executeTakeFirst())?.transfer_id;
}

export async function findAgentTopUpByReceipt(ctx: AppContext, receiptNumber: string) {
  return ctx.store.readDb.selectFrom('agent_topups').selectAll().where('receipt_number', '=', receiptNumber).executeTakeFirst();
}

/**
 * A line's POS top-ups reversed, made up to `topUp`'s time and other than it, through agent_topups_line
 * (line_id, created_at): those of its very millisecond too (one batch's commands share its time).
 */
export async function findReversedPosTopUpsOfLine(ctx: AppContext, lineId: string, topUp: { topup_id: string; created_at: string }) {
  return ctx.store.readDb.selectFrom('agent_topups').innerJoin('agent_topup_reversals', 'agent_topup_reversals.topup_id', 'agent_topups.topup_id')
    .selectAll('agent_topups').where('agent_topups.line_id', '=', lineId).where('agent_topups.created_at', '<=', topUp.created_at)
    .where('agent_topups.topup_id', '<>', topUp.topup_id).execute();
}

export async function findReversal(ctx: AppContext, topupId: string) {
  return ctx.store.readDb.selectFrom('agent_topup_reversals').selectAll().where('topup_id', '=', topupId).executeTakeFirst();
}

/** Top-ups, reversals and deposits of one agent in [fromIso, toIso), optionally of one cashier. */
export async function agentDay(ctx: AppContext, agentId: string, fromIso: string, toIso: string, actorId: string | null) {
  let topups = ctx.store.readDb.selectFrom('agent_topups').selectAll().where('agent_id', '=', agentId)
    .where('created_at', '>=', fromIso).where('created_at', '<', toIso).orderBy('created_at');
  let reversals = ctx.store.readDb.selectFrom('agent_topup_reversals').selectAll().where('agent_id', '=', agentId)
    .where('created_at', '>=', fromIso).where('created_at', '<', toIso).orderBy('created_at');
  if (actorId) {
    topups = topups.where('actor_id', '=', actorId);
    reversals = reversals.where('actor_id', '=', actorId);
  }
  const deposits = await ctx.store.readDb.selectFrom('agent_deposits').selectAll().where('agent_id', '=', agentId)
    .where('created_at', '>=', fromIso).where('created_at', '<', toIso).execute();
  return { topups: await topups.execute(), reversals: await reversals.execute(), deposits };
}

