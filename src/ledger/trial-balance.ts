import type { AppContext } from '../app-context.ts';
import { ID_TIME_MARGIN_MS, idFloorAt } from '../platform/ids.ts';
import { readSnapshot } from '../store/read-snapshot.ts';
import { balancesNow, movementsBetween, PER_LINE_KINDS } from './trial-balance-repository.ts';

export interface TrialBalanceRow {
  /** An account id (clearing:agg:qiwi, revenue:packages, breakage…) or, for the accounts every line has, their kind summed (line_main…). */
  account: string;
  kind: string;
  unit: string;
  /** Balances are credits − debits (a liability or income reads positive, cash in clearing negative), posted only. */
  opening: bigint;
  debits: bigint;
  credits: bigint;
  closing: bigint;
}

export interface TrialBalance {
  from: string;
  to: string;
  rows: TrialBalanceRow[];
  /** Per unit: the period's debits and credits over all accounts, equal in a sound ledger. */
  totals: { unit: string; debits: bigint; credits: bigint }[];
}

/** The transfers dated in [from, to), read as the range of ids that holds them. */
function datedIn(from: Date, to: Date | null) {
  return {
    fromIso: from.toISOString(), toIso: to === null ? null : to.toISOString(),
    fromId: idFloorAt('tr', Math.max(0, from.getTime() - ID_TIME_MARGIN_MS)), toId: to === null ? null : idFloorAt('tr', to.getTime() + ID_TIME_MARGIN_MS),
  };
}

/**
 * The ledger's trial balance for [from, to): each account's (the accounts of lines summed by kind)
 * opening and closing posted balance and the period's debits and credits, per unit. Closing is the
 * account's balance now less what moved since `to`; opening is closing less the period's movement.
 * What a month-end needs without SQL: cash per channel (clearing:…, cash:…, agent floats), revenue
 * (revenue:packages, revenue:usage, revenue:fees), promotions expense, breakage, and the liability
 * held on subscribers' main and bonus balances (line_main, line_bonus). Read in one snapshot of the
 * database, so a report taken while the server writes is consistent.
 */
export async function trialBalance(ctx: Pick<AppContext, 'store'>, from: Date, to: Date): Promise<TrialBalance> {
  // One snapshot: a transfer committed between two of these reads would otherwise show in one figure
  // and not in another (an opening off by its amount, debits unequal to credits).
  const [period, since, now] = await readSnapshot(ctx.store, (db) => Promise.all([
    movementsBetween(db, datedIn(from, to)),
    movementsBetween(db, datedIn(to, null)),
    balancesNow(db),
  ]));
  const key = (row: { group: string; unit: string }) => `${row.group} ${row.unit}`;
  const periodOf = new Map(period.map((row) => [key(row), row]));
  const sinceOf = new Map(since.map((row) => [key(row), row]));
  const rows: TrialBalanceRow[] = now.map((row) => {
    const moved = periodOf.get(key(row));
    const later = sinceOf.get(key(row));
    const closing = row.credits - row.debits - ((later?.credits ?? 0n) - (later?.debits ?? 0n));
    const debits = moved?.debits ?? 0n;
    const credits = moved?.credits ?? 0n;
    return { account: row.group, kind: row.kind, unit: row.unit, opening: closing - (credits - debits), debits, credits, closing };
  }).filter((row) => row.opening !== 0n || row.debits !== 0n || row.credits !== 0n || row.closing !== 0n)
    .sort((a, b) => a.unit.localeCompare(b.unit) || Number(PER_LINE_KINDS.includes(b.kind)) - Number(PER_LINE_KINDS.includes(a.kind)) || a.kind.localeCompare(b.kind) || a.account.localeCompare(b.account));
  const totals = new Map<string, { unit: string; debits: bigint; credits: bigint }>();
  for (const row of rows) {
    const total = totals.get(row.unit) ?? { unit: row.unit, debits: 0n, credits: 0n };
    total.debits += row.debits;
    total.credits += row.credits;
    totals.set(row.unit, total);
  }
  return { from: from.toISOString(), to: to.toISOString(), rows, totals: [...totals.values()] };
}
