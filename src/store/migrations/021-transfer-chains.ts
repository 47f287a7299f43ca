import { sql, type Kysely } from 'kysely';

/**
 * An account's history was found through two indexes of `ledger_transfers`, (debit_account_id, id)
 * and (credit_account_id, id). Their entries were the one page of a write that nothing but a
 * history page ever read: one of a top-up's four random B-tree pages, about half of a paid usage
 * event's, the largest group of a purchase's WAL. Each account's transfers are now a chain instead:
 * a transfer names the transfer before it on its debit account and on its credit account, and the
 * account row (written by every transfer anyway) names its newest. Existing rows are chained in id
 * order, which is the order one process wrote them in; then the two indexes go.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('ledger_transfers').addColumn('debit_previous_id', 'text').execute();
  await db.schema.alterTable('ledger_transfers').addColumn('credit_previous_id', 'text').execute();
  await db.schema.alterTable('ledger_accounts').addColumn('last_transfer_id', 'text').execute();
  const sides = sql`
    sides as (
      select id, debit_account_id as account_id from ledger_transfers
      union all
      select id, credit_account_id as account_id from ledger_transfers
    ), chained as (
      select id, account_id, lag(id) over (partition by account_id order by id) as previous_id from sides
    )`;
  // Both links in one UPDATE: on PostgreSQL each UPDATE writes a new version of every row.
  await sql`with ${sides} update ledger_transfers set debit_previous_id = d.previous_id, credit_previous_id = c.previous_id
    from chained d, chained c
    where d.id = ledger_transfers.id and d.account_id = ledger_transfers.debit_account_id
      and c.id = ledger_transfers.id and c.account_id = ledger_transfers.credit_account_id`.execute(db);
  await sql`with ${sides}, heads as (select account_id, max(id) as id from sides group by account_id)
    update ledger_accounts set last_transfer_id = heads.id from heads where heads.account_id = ledger_accounts.id`.execute(db);
  await db.schema.dropIndex('ledger_transfers_debit').execute();
  await db.schema.dropIndex('ledger_transfers_credit').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('ledger_transfers_debit').on('ledger_transfers').columns(['debit_account_id', 'id']).execute();
  await db.schema.createIndex('ledger_transfers_credit').on('ledger_transfers').columns(['credit_account_id', 'id']).execute();
  await db.schema.alterTable('ledger_accounts').dropColumn('last_transfer_id').execute();
  await db.schema.alterTable('ledger_transfers').dropColumn('credit_previous_id').execute();
  await db.schema.alterTable('ledger_transfers').dropColumn('debit_previous_id').execute();
}
