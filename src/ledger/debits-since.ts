import { sql } from 'kysely';
import type { AppContext } from '../app-context.ts';

export interface DebitsSince {
  /** Whether the account was debited (posted or reserved; a reservation released is no debit) by a transfer after the given one. */
  debited: boolean;
  /** The account's debits, posted plus pending, when read: more of them under a ledger command's lock means a debit came since. */
  debitsNow: bigint;
}

/**
 * Whether an account was debited after a transfer of its own: its chain of transfers (migration
 * 021) is walked back from its newest to that one, so the cost is the movements since (a POS
 * reversal asks within minutes of its top-up). Read without a lock: the caller's ledger command
 * checks under lock that `debitsNow` has not moved.
 */
export async function debitsSince(ctx: AppContext, accountId: string, transferId: string): Promise<DebitsSince> {
  const account = await ctx.store.readDb.selectFrom('ledger_accounts').select(['last_transfer_id', 'debits_posted', 'debits_pending'])
    .where('id', '=', accountId).executeTakeFirstOrThrow();
  const debitsNow = BigInt(account.debits_posted) + BigInt(account.debits_pending);
  if (account.last_transfer_id === null || account.last_transfer_id <= transferId) return { debited: false, debitsNow };
  const previous = sql`case when t.debit_account_id = ${accountId} then t.debit_previous_id else t.credit_previous_id end`;
  const found = await sql<{ id: string }>`
    with recursive chain (id, previous_id) as (
      select t.id, ${previous} from ledger_transfers t where t.id = ${account.last_transfer_id}
      union all
      select t.id, ${previous} from chain join ledger_transfers t on t.id = chain.previous_id where chain.previous_id > ${transferId}
    )
    select t.id from chain join ledger_transfers t on t.id = chain.id where t.debit_account_id = ${accountId} and t.kind <> 'void_pending' limit 1`.execute(ctx.store.readDb);
  return { debited: found.rows.length > 0, debitsNow };
}
