import { sql } from 'kysely';
import { AccountFlags } from '../domain/ledger.ts';
import { linesOffTheLifecycleIndex } from '../lifecycle/lifecycle-repository.ts';
import type { Store } from '../store/open-store.ts';

export interface LedgerProblem {
  check: 'unit_balance' | 'account_totals' | 'account_limit' | 'transfer_units' | 'transfer_chains' | 'lifecycle_index';
  subject: string;
  details: Record<string, string>;
}

/**
 * The ledger's invariants (DESIGN.md section 4), checked from the stored rows:
 * per unit, debits equal credits; every account's totals equal the sums of its transfers;
 * no flagged account is over its limit; every transfer joins accounts of its own unit; every
 * account's transfers form one chain from its newest back to its first (migration 021). And one of
 * the lines beside it: no line's lifecycle index copy of its validity is missing or ahead of it
 * (such a line would never expire; `tolem lifecycle reindex` mends it).
 */
export async function verifyLedger(store: Store): Promise<{ ok: boolean; problems: LedgerProblem[]; accounts: number; transfers: number }> {
  const db = store.db;
  const problems: LedgerProblem[] = [];

  // Each total summed in two halves (above and below 2^32) and joined here: a unit's totals over all
  // its accounts pass 2^63 long before any one account does (2^62 issued and all used is 2^63 of
  // debits), and SQLite's sum() of integers fails with "integer overflow" there.
  const halves = (column: 'debits_posted' | 'credits_posted' | 'debits_pending' | 'credits_pending') => [
    sql<bigint>`sum(${sql.ref(column)} / ${sql.lit(TWO_32)})`.as(`${column}_high`), sql<bigint>`sum(${sql.ref(column)} % ${sql.lit(TWO_32)})`.as(`${column}_low`),
  ];
  const units = await db.selectFrom('ledger_accounts')
    .select(['unit', ...halves('debits_posted'), ...halves('credits_posted'), ...halves('debits_pending'), ...halves('credits_pending')])
    .groupBy('unit').execute();
  for (const row of units) {
    const total = (high: bigint | null, low: bigint | null) => BigInt(high ?? 0) * BigInt(TWO_32) + BigInt(low ?? 0);
    const dp = total(row.debits_posted_high, row.debits_posted_low);
    const cp = total(row.credits_posted_high, row.credits_posted_low);
    const dpe = total(row.debits_pending_high, row.debits_pending_low);
    const cpe = total(row.credits_pending_high, row.credits_pending_low);
    if (dp !== cp || dpe !== cpe) {
      problems.push({ check: 'unit_balance', subject: row.unit, details: { debitsPosted: String(dp), creditsPosted: String(cp), debitsPending: String(dpe), creditsPending: String(cpe) } });
    }
  }

  // Each account's totals against the sums of its transfers, compared in the database, so that only
  // the accounts that differ come back (a year of buckets is millions of accounts): the sums per
  // account, each looked up by its account's key; then the accounts no transfer names, whose totals
  // must be zero (an account with no chain: the chains are checked below). Posting releases the whole pending amount.
  const differing = await sql<{ account_id: string; id: string | null; dp: bigint | null; cp: bigint | null; dpe: bigint | null; cpe: bigint | null; sdp: bigint; scp: bigint; sdpe: bigint; scpe: bigint }>`
    with movements as (
      select t.debit_account_id as account_id, 'debit' as side, t.kind, t.amount, p.amount as pending_amount
        from ledger_transfers t left join ledger_transfers p on p.id = t.pending_id
      union all
      select t.credit_account_id as account_id, 'credit' as side, t.kind, t.amount, p.amount as pending_amount
        from ledger_transfers t left join ledger_transfers p on p.id = t.pending_id
    ), sums as materialized (
      select account_id,
        sum(case when side = 'debit' and kind in ('posted', 'post_pending') then amount else 0 end) as sdp,
        sum(case when side = 'credit' and kind in ('posted', 'post_pending') then amount else 0 end) as scp,
        sum(case when side = 'debit' then (case when kind = 'pending' then amount when kind in ('post_pending', 'void_pending') then -pending_amount else 0 end) else 0 end) as sdpe,
        sum(case when side = 'credit' then (case when kind = 'pending' then amount when kind in ('post_pending', 'void_pending') then -pending_amount else 0 end) else 0 end) as scpe
      from movements group by account_id
    )
    select s.account_id, a.id, a.debits_posted as dp, a.credits_posted as cp, a.debits_pending as dpe, a.credits_pending as cpe,
      s.sdp, s.scp, s.sdpe, s.scpe
    from sums s left join ledger_accounts a on a.id = s.account_id
    where a.id is null or a.debits_posted <> s.sdp or a.credits_posted <> s.scp or a.debits_pending <> s.sdpe or a.credits_pending <> s.scpe
    order by s.account_id limit ${PROBLEMS_LISTED_MAX}`.execute(db);
  const untouched = await db.selectFrom('ledger_accounts as a').select(['a.id', 'a.debits_posted as dp', 'a.credits_posted as cp', 'a.debits_pending as dpe', 'a.credits_pending as cpe'])
    .where((eb) => eb.or([eb('a.debits_posted', '<>', 0n), eb('a.credits_posted', '<>', 0n), eb('a.debits_pending', '<>', 0n), eb('a.credits_pending', '<>', 0n)]))
    .where('a.last_transfer_id', 'is', null)
    .orderBy('a.id').limit(PROBLEMS_LISTED_MAX).execute();
  for (const row of differing.rows) {
    if (row.id === null) {
      problems.push({ check: 'account_totals', subject: row.account_id, details: { reason: 'transfers name an account that does not exist' } });
      continue;
    }
    const stored = { dp: BigInt(row.dp!), cp: BigInt(row.cp!), dpe: BigInt(row.dpe!), cpe: BigInt(row.cpe!) };
    const sum = { dp: BigInt(row.sdp), cp: BigInt(row.scp), dpe: BigInt(row.sdpe), cpe: BigInt(row.scpe) };
    problems.push({ check: 'account_totals', subject: row.id, details: { stored: JSON.stringify(stored, replacer), fromTransfers: JSON.stringify(sum, replacer) } });
  }
  for (const row of untouched.slice(0, PROBLEMS_LISTED_MAX - differing.rows.length)) {
    const stored = { dp: BigInt(row.dp), cp: BigInt(row.cp), dpe: BigInt(row.dpe), cpe: BigInt(row.cpe) };
    problems.push({ check: 'account_totals', subject: row.id, details: { stored: JSON.stringify(stored, replacer), fromTransfers: JSON.stringify({ dp: 0n, cp: 0n, dpe: 0n, cpe: 0n }, replacer) } });
  }

  const overLimit = await db.selectFrom('ledger_accounts').select(['id', 'flags', 'debits_posted', 'credits_posted', 'debits_pending', 'credits_pending'])
    .where((eb) => eb.or([
      eb.and([eb(sql`flags & ${AccountFlags.debitsMustNotExceedCredits}`, '<>', 0), eb(sql`debits_posted + debits_pending`, '>', eb.ref('credits_posted'))]),
      eb.and([eb(sql`flags & ${AccountFlags.creditsMustNotExceedDebits}`, '<>', 0), eb(sql`credits_posted + credits_pending`, '>', eb.ref('debits_posted'))]),
    ])).orderBy('id').limit(PROBLEMS_LISTED_MAX).execute();
  for (const account of overLimit) {
    const [dp, cp, dpe, cpe] = [account.debits_posted, account.credits_posted, account.debits_pending, account.credits_pending].map((value) => BigInt(value)) as [bigint, bigint, bigint, bigint];
    const flags = BigInt(account.flags);
    if ((flags & AccountFlags.debitsMustNotExceedCredits) !== 0n && dp + dpe > cp) {
      problems.push({ check: 'account_limit', subject: account.id, details: { debits: String(dp + dpe), credits: String(cp) } });
    }
    if ((flags & AccountFlags.creditsMustNotExceedDebits) !== 0n && cp + cpe > dp) {
      problems.push({ check: 'account_limit', subject: account.id, details: { credits: String(cp + cpe), debits: String(dp) } });
    }
  }

  const mismatched = await sql<{ id: string }>`
    select t.id from ledger_transfers t
      join ledger_accounts d on d.id = t.debit_account_id
      join ledger_accounts c on c.id = t.credit_account_id
    where d.unit <> t.unit or c.unit <> t.unit or t.amount <= 0
    order by t.id limit ${PROBLEMS_LISTED_MAX}`.execute(db);
  for (const row of mismatched.rows) problems.push({ check: 'transfer_units', subject: row.id, details: {} });

  for (const problem of await brokenChains(db)) problems.push(problem);

  for (const row of await linesOffTheLifecycleIndex(db, '', PROBLEMS_LISTED_MAX)) {
    problems.push({ check: 'lifecycle_index', subject: row.id, details: { validUntil: row.valid_until!, indexedValidUntil: String(row.indexed_valid_until), mend: 'tolem lifecycle reindex' } });
  }

  const transferCount = await db.selectFrom('ledger_transfers').select((eb) => eb.fn.countAll<bigint>().as('n')).executeTakeFirstOrThrow();
  const accountCount = await db.selectFrom('ledger_accounts').select((eb) => eb.fn.countAll<bigint>().as('n')).executeTakeFirstOrThrow();
  return { ok: problems.length === 0, problems, accounts: Number(accountCount.n), transfers: Number(transferCount.n) };
}

/**
 * Each account's transfers must be one chain: every link names an earlier transfer (a smaller id)
 * of the same account, no two name the same one (no fork), exactly one has none (the first), and
 * the account's head is one of them that none names (the newest). Links that only go down cannot
 * loop, so these make every transfer of the account reachable from its head, in id order.
 */
async function brokenChains(db: Store['db']): Promise<LedgerProblem[]> {
  const shapes = await sql<{ account_id: string; head: string | null; n: bigint; linked: bigint; starts: bigint; stray: bigint; head_found: bigint; head_named: bigint }>`
    with sides as (
      select id, debit_account_id as account_id, debit_previous_id as previous_id from ledger_transfers
      union all
      select id, credit_account_id as account_id, credit_previous_id as previous_id from ledger_transfers
    ), shapes as (
      select s.account_id, max(a.last_transfer_id) as head, count(*) as n, count(distinct s.previous_id) as linked,
        sum(case when s.previous_id is null then 1 else 0 end) as starts,
        sum(case when s.previous_id is not null and (p.id is null or s.previous_id >= s.id or (p.debit_account_id <> s.account_id and p.credit_account_id <> s.account_id)) then 1 else 0 end) as stray,
        sum(case when s.id = a.last_transfer_id then 1 else 0 end) as head_found,
        sum(case when s.previous_id = a.last_transfer_id then 1 else 0 end) as head_named
      from sides s
        left join ledger_transfers p on p.id = s.previous_id
        left join ledger_accounts a on a.id = s.account_id
      group by s.account_id
    )
    select * from shapes where starts <> 1 or linked <> n - 1 or stray <> 0 or head_found <> 1 or head_named <> 0
    order by account_id limit ${PROBLEMS_LISTED_MAX}`.execute(db);
  const headless = await sql<{ id: string; head: string }>`
    select a.id, a.last_transfer_id as head from ledger_accounts a left join ledger_transfers h on h.id = a.last_transfer_id
    where a.last_transfer_id is not null and (h.id is null or (h.debit_account_id <> a.id and h.credit_account_id <> a.id))
    order by a.id limit ${PROBLEMS_LISTED_MAX}`.execute(db);
  return [
    ...shapes.rows.map((row): LedgerProblem => ({ check: 'transfer_chains', subject: row.account_id, details: {
      head: String(row.head), transfers: String(row.n), firsts: String(row.starts), distinctLinks: String(row.linked), strayLinks: String(row.stray),
      headFound: String(row.head_found), headNamedAsPrevious: String(row.head_named),
    } })),
    ...headless.rows.map((row): LedgerProblem => ({ check: 'transfer_chains', subject: row.id, details: { head: row.head, reason: 'the head is not a transfer of this account' } })),
  ].slice(0, PROBLEMS_LISTED_MAX);
}

/** Each total splits into its quotient and remainder by this, summed apart (quotient × 2^32 + remainder is the total, whatever its sign). */
const TWO_32 = 4_294_967_296;

/** Problems of one check listed at most (the first by id; a verify after the mend shows the rest). */
const PROBLEMS_LISTED_MAX = 100;

function replacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? value.toString() : value;
}
