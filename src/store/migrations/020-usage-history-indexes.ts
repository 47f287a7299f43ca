import type { Kysely } from 'kysely';

/**
 * A line's accounts were indexed by (owner_id, kind): the usage pre-read of a line's open buckets
 * read every bucket the line ever had (a daily pack for a year is ~365 of them per unit) to test
 * each one's balance in its row. With expires_at in the index, buckets expired before a request's
 * earliest event are passed over in the index. The new index serves every (owner_id, kind) lookup
 * the old one did, so the old one goes. Staff's list of lines by status (`GET /v1/lines?status=`)
 * read every line of that status to sort it by id for one page: (status, id) reads one page.
 * Top-ups do not change a line's status, so they never move its entry.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('ledger_accounts_owner_expiry').on('ledger_accounts').columns(['owner_id', 'kind', 'expires_at']).execute();
  await db.schema.dropIndex('ledger_accounts_owner').execute();
  await db.schema.createIndex('lines_status_id').on('lines').columns(['status', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('lines_status_id').execute();
  await db.schema.createIndex('ledger_accounts_owner').on('ledger_accounts').columns(['owner_id', 'kind']).execute();
  await db.schema.dropIndex('ledger_accounts_owner_expiry').execute();
}
