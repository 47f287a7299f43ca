import { sql } from 'kysely';
import { AccountFlags } from '../domain/ledger.ts';
import { linesOffTheLifecycleIndex } from '../lifecycle/lifecycle-repository.ts';
import type { Store } from '../store/open-store.ts';

export interface LedgerProblem {
  check: 'unit_balance' | 'account_totals' | 'account_limit' | 'transfer_units' | 'lifecycle_index';
  subject: string;
  details: Record<string, string>;
}

/**
 * The ledger's invariants (DESIGN.md section 4), checked from the stored rows:
 * per unit, debits equal credits; every account's totals equal the sums of its transfers;
 * no flagged account is over its limit; every transfer joins accounts of its own unit. And one of
 * the lines beside it: no line's lifecycle index copy of its validity is missing or ahead of it
 * (such a line would never expire; `tolem lifecycle reindex` mends it).
 */
export async function verifyLedger(store: Store): Promise<{ ok: boolean; problems: LedgerProblem[]; accounts: number; transfers: number }> {
  const db = store.db;
  const problems: LedgerProblem[] = [];

  const units = await db.selectFrom('ledger_accounts')
    .select(['unit', (eb) => eb.fn.sum<bigint>('debits_posted').as('dp'), (eb) => eb.fn.sum<bigint>('credits_posted').as('cp'),
      (eb) => eb.fn.sum<bigint>('debits_pending').as('dpe'), (eb) => eb.fn.sum<bigint>('credits_pending').as('cpe')])
    .groupBy('unit').execute();
  for (const row of units) {
    if (BigInt(row.dp ?? 0) !== BigInt(row.cp ?? 0) || BigInt(row.dpe ?? 0) !== BigInt(row.cpe ?? 0)) {
      problems.push({ check: 'unit_balance', subject: row.unit, details: { debitsPosted: String(row.dp), creditsPosted: String(row.cp), debitsPending: String(row.dpe), creditsPending: String(row.cpe) } });
    }
  }

  // Sums per account and side, from the transfers alone. Posting releases the whole pending amount.
  const sums = await sql<{ account_id: string; side: string; posted: bigint; pending: bigint }>`
    with movements as (
      select t.debit_account_id as account_id, 'debit' as side, t.kind, t.amount, p.amount as pending_amount
        from ledger_transfers t left join ledger_transfers p on p.id = t.pending_id
      union all
      select t.credit_account_id as account_id, 'credit' as side, t.kind, t.amount, p.amount as pending_amount
        from ledger_transfers t left join ledger_transfers p on p.id = t.pending_id
    )
    select account_id, side,
      sum(case when kind in ('posted', 'post_pending') then amount else 0 end) as posted,
      sum(case when kind = 'pending' then amount when kind in ('post_pending', 'void_pending') then -pending_amount else 0 end) as pending
    from movements group by account_id, side`.execute(db);
  const expected = new Map<string, { dp: bigint; cp: bigint; dpe: bigint; cpe: bigint }>();
  for (const row of sums.rows) {
    const entry = expected.get(row.account_id) ?? { dp: 0n, cp: 0n, dpe: 0n, cpe: 0n };
    if (row.side === 'debit') { entry.dp = BigInt(row.posted); entry.dpe = BigInt(row.pending); }
    else { entry.cp = BigInt(row.posted); entry.cpe = BigInt(row.pending); }
    expected.set(row.account_id, entry);
  }
  const accounts = await db.selectFrom('ledger_accounts').selectAll().execute();
  for (const account of accounts) {
    const sum = expected.get(account.id) ?? { dp: 0n, cp: 0n, dpe: 0n, cpe: 0n };
    expected.delete(account.id);
    const stored = { dp: BigInt(account.debits_posted), cp: BigInt(account.credits_posted), dpe: BigInt(account.debits_pending), cpe: BigInt(account.credits_pending) };
    if (stored.dp !== sum.dp || stored.cp !== sum.cp || stored.dpe !== sum.dpe || stored.cpe !== sum.cpe) {
      problems.push({ check: 'account_totals', subject: account.id, details: { stored: JSON.stringify(stored, replacer), fromTransfers: JSON.stringify(sum, replacer) } });
    }
    const flags = BigInt(account.flags);
    if ((flags & AccountFlags.debitsMustNotExceedCredits) !== 0n && stored.dp + stored.dpe > stored.cp) {
      problems.push({ check: 'account_limit', subject: account.id, details: { debits: String(stored.dp + stored.dpe), credits: String(stored.cp) } });
    }
    if ((flags & AccountFlags.creditsMustNotExceedDebits) !== 0n && stored.cp + stored.cpe > stored.dp) {
      problems.push({ check: 'account_limit', subject: account.id, details: { credits: String(stored.cp + stored.cpe), debits: String(stored.dp) } });
    }
  }
  for (const accountId of expected.keys()) {
    problems.push({ check: 'account_totals', subject: accountId, details: { reason: 'transfers name an account that does not exist' } });
  }

  const mismatched = await sql<{ id: string }>`
    select t.id from ledger_transfers t
      join ledger_accounts d on d.id = t.debit_account_id
      join ledger_accounts c on c.id = t.credit_account_id
    where d.unit <> t.unit or c.unit <> t.unit or t.amount <= 0`.execute(db);
  for (const row of mismatched.rows) problems.push({ check: 'transfer_units', subject: row.id, details: {} });

  for (const row of await linesOffTheLifecycleIndex(db, '', PROBLEMS_LISTED_MAX)) {
    problems.push({ check: 'lifecycle_index', subject: row.id, details: { validUntil: row.valid_until!, indexedValidUntil: String(row.indexed_valid_until), mend: 'tolem lifecycle reindex' } });
  }

  const transferCount = await db.selectFrom('ledger_transfers').select((eb) => eb.fn.countAll<bigint>().as('n')).executeTakeFirstOrThrow();
  return { ok: problems.length === 0, problems, accounts: accounts.length, transfers: Number(transferCount.n) };
}

/** Lines off the lifecycle index listed at most (all are mended by one reindex). */
const PROBLEMS_LISTED_MAX = 100;

function replacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}
