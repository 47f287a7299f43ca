import type { AppContext } from '../app-context.ts';
import type { Database } from '../store/schema.ts';

/** All SQL of the aggregators capability. */
export interface Aggregator {
  code: string;
  name: string;
  passwordHash: string | null;
  ipAllowlist: string[];
  clearingAccountId: string;
  active: boolean;
  createdAt: string;
}

export async function findAggregator(ctx: AppContext, code: string): Promise<Aggregator | null> {
  const row = await ctx.store.readDb.selectFrom('aggregators').selectAll().where('code', '=', code).executeTakeFirst();
  return row ? toAggregator(row) : null;
}

/** Inserts the aggregator; false when the code is taken. */
export async function insertAggregator(ctx: AppContext, aggregator: Aggregator): Promise<boolean> {
  try {
    await ctx.db.insertInto('aggregators').values({
      code: aggregator.code, name: aggregator.name, password_hash: aggregator.passwordHash,
      ip_allowlist: JSON.stringify(aggregator.ipAllowlist), clearing_account_id: aggregator.clearingAccountId,
      active: aggregator.active ? 1n : 0n, created_at: aggregator.createdAt,
    }).execute();
    return true;
  } catch (error) {
    if (ctx.store.dialect.isUniqueViolation(error)) return false;
    throw error;
  }
}

export interface PaidTxn {
  txnId: string;
  txnDate: string | null;
  account: string;
  amount: bigint;
  prvTxn: string;
  paidAt: string;
}

/** Successful payments of one aggregator with fromIso <= created_at < toIso, oldest first. */
export async function listPaidTxns(ctx: AppContext, code: string, fromIso: string, toIso: string): Promise<PaidTxn[]> {
  const rows = await ctx.store.readDb.selectFrom('aggregator_payments')
    .select(['txn_id', 'txn_date', 'account', 'amount', 'prv_txn', 'created_at'])
    .where('aggregator', '=', code).where('result', '=', 0n)
    .where('created_at', '>=', fromIso).where('created_at', '<', toIso)
    .orderBy('created_at').orderBy('id').execute();
  return rows.map((row) => ({
    txnId: row.txn_id, txnDate: row.txn_date, account: row.account, amount: BigInt(row.amount), prvTxn: row.prv_txn ?? '', paidAt: row.created_at,
  }));
}

function toAggregator(row: Database['aggregators']): Aggregator {
  return {
    code: row.code, name: row.name, passwordHash: row.password_hash, ipAllowlist: JSON.parse(row.ip_allowlist) as string[],
    clearingAccountId: row.clearing_account_id, active: Number(row.active) === 1, createdAt: row.created_at,
  };
}
