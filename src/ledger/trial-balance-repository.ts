import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';

/** The kinds of account every line has its own of: a report sums them by kind, not one row a line. */
export const PER_LINE_KINDS = ['line_main', 'line_bonus', 'line_credit', 'bucket'];

export interface GroupTotals {
  /** An account id, or a kind for the accounts of lines (PER_LINE_KINDS), summed. */
  group: string;
  kind: string;
  unit: string;
  debits: bigint;
  credits: bigint;
}

// Literals, not parameters: PostgreSQL matches the grouped expression to the selected one by its text.
const groupOf = sql<string>`case when a.kind in (${sql.join(PER_LINE_KINDS.map((kind) => sql.lit(kind)))}) then a.kind else a.id end`;

/**
 * Posted movements (transfers `posted` and `post_pending`, at the amount posted) of transfers made
 * in [fromIso, toIso) (null: unbounded) by their time (`created_at`, the batch's time: what their
 * receipts and the day reports date them), by account group and unit. Transfer ids sort by time
 * (platform/ids.ts), so a period is read as a range of the primary key, `fromId` to `toId`, not a
 * scan of the table: a range a little wider than the period, since an id's time is taken when the
 * transfer is staged, a few milliseconds (or more) after the batch's time its row is dated with.
 */
export async function movementsBetween(db: Kysely<Database>, period: { fromIso: string; toIso: string | null; fromId: string; toId: string | null }): Promise<GroupTotals[]> {
  const { fromIso, toIso, fromId, toId } = period;
  const side = (column: 'debit_account_id' | 'credit_account_id') => db.selectFrom('ledger_transfers as t')
    .innerJoin('ledger_accounts as a', 'a.id', `t.${column}`)
    .select([groupOf.as('group'), 'a.kind', 't.unit', ...halvesOf(sql.ref('t.amount'), 'total')])
    .where('t.kind', 'in', ['posted', 'post_pending'])
    .where('t.id', '>=', fromId)
    .where('t.created_at', '>=', fromIso)
    .$if(toId !== null, (q) => q.where('t.id', '<', toId!))
    .$if(toIso !== null, (q) => q.where('t.created_at', '<', toIso!))
    .groupBy([groupOf, 'a.kind', 't.unit'])
    .execute();
  const [debits, credits] = await Promise.all([side('debit_account_id'), side('credit_account_id')]);
  const totals = new Map<string, GroupTotals>();
  for (const [rows, field] of [[debits, 'debits'], [credits, 'credits']] as const) {
    for (const row of rows) {
      const key = `${row.group} ${row.unit}`;
      const entry = totals.get(key) ?? { group: row.group, kind: row.kind, unit: row.unit, debits: 0n, credits: 0n };
      entry[field] += joined(row.total_high, row.total_low);
      totals.set(key, entry);
    }
  }
  return [...totals.values()];
}

/** Every account group's posted totals now (the accounts' own counters). */
export async function balancesNow(db: Kysely<Database>): Promise<GroupTotals[]> {
  const rows = await db.selectFrom('ledger_accounts as a')
    .select([groupOf.as('group'), 'a.kind', 'a.unit', ...halvesOf(sql.ref('a.debits_posted'), 'debits'), ...halvesOf(sql.ref('a.credits_posted'), 'credits')])
    .groupBy([groupOf, 'a.kind', 'a.unit'])
    .execute();
  return rows.map((row) => ({ group: row.group, kind: row.kind, unit: row.unit, debits: joined(row.debits_high, row.debits_low), credits: joined(row.credits_high, row.credits_low) }));
}

const TWO_32 = 4_294_967_296;

/**
 * sum(value) as two sums, of its quotient and remainder by 2^32, joined by `joined`: the accounts
 * of lines summed by kind (buckets a pack's units roll over between, each credited again) pass
 * 2^63 before any one account does, and SQLite's sum() of integers fails there ("integer overflow").
 */
function halvesOf<A extends string>(value: ReturnType<typeof sql.ref>, alias: A) {
  return [sql<bigint>`sum(${value} / ${sql.lit(TWO_32)})`.as(`${alias}_high`), sql<bigint>`sum(${value} % ${sql.lit(TWO_32)})`.as(`${alias}_low`)] as const;
}

function joined(high: unknown, low: unknown): bigint {
  return BigInt(high as bigint) * BigInt(TWO_32) + BigInt(low as bigint);
}
