import { sql } from 'kysely';
import type { AppContext } from '../app-context.ts';

/**
 * SQL for the transfer before `t` on one account's chain (migration 021): each transfer names its
 * previous one on its debit account's chain and on its credit account's.
 */
export function previousOnChain(accountId: string) {
  return sql`case when t.debit_account_id = ${accountId} then t.debit_previous_id else t.credit_previous_id end`;
}

/**
 * A recursive `chain (id, previous_id)`: the account's transfers from `headId` (its latest, as read
 * with its row) back to the first at or after `floorId` (or after it, not `inclusive`), newest first.
 * Its cost is the account's own movements since, whatever the ledger's size.
 */
export function chainBack(accountId: string, headId: string, floorId: string, inclusive: boolean) {
  const previous = previousOnChain(accountId);
  return sql`chain (id, previous_id) as (
      select t.id, ${previous} from ledger_transfers t where t.id = ${headId}
      union all
      select t.id, ${previous} from chain join ledger_transfers t on t.id = chain.previous_id where chain.previous_id ${inclusive ? sql`>=` : sql`>`} ${floorId}
    )`;
}

export interface DebitsSince {
  /** Whether the account was debited (posted or reserved; a reservation released is no debit) by a transfer after the given one. */
  debited: boolean;
  /**
   * The account's posted and pending debits when read. Under a ledger command's lock, either one
   * grown means a debit came since: every debit adds to one of them (posting a reservation adds to
   * the posted ones), and their sum alone would not do, since a reservation voided meanwhile
   * takes from the pending ones what a new debit adds.
   */
  debitsPosted: bigint;
  debitsPending: bigint;
}

/**
 * Whether an account was debited after a transfer of its own, other than by transfers of the codes
 * in `except`: its chain of transfers (migration 021) is walked back from its newest to that one,
 * so the cost is the movements since (a POS reversal asks within minutes of its top-up). Read
 * without a lock: the caller's ledger command checks under lock that neither of the debit totals
 * has grown since.
 */
export async function debitsSince(ctx: AppContext, accountId: string, transferId: string, except: readonly string[] = []): Promise<DebitsSince> {
  const account = await ctx.store.readDb.selectFrom('ledger_accounts').select(['last_transfer_id', 'debits_posted', 'debits_pending'])
    .where('id', '=', accountId).executeTakeFirst();
  // An account made on its first use (a line's promised-payment account) that does not exist yet: never debited.
  if (!account) return { debited: false, debitsPosted: 0n, debitsPending: 0n };
  const debits = { debitsPosted: BigInt(account.debits_posted), debitsPending: BigInt(account.debits_pending) };
  if (account.last_transfer_id === null || account.last_transfer_id <= transferId) return { debited: false, ...debits };
  const found = await sql<{ id: string }>`
    with recursive ${chainBack(accountId, account.last_transfer_id, transferId, false)}
    select t.id from chain join ledger_transfers t on t.id = chain.id
    where t.debit_account_id = ${accountId} and t.kind <> 'void_pending' ${except.length > 0 ? sql`and t.code not in (${sql.join(except)})` : sql``}
    limit 1`.execute(ctx.store.readDb);
  return { debited: found.rows.length > 0, ...debits };
}
