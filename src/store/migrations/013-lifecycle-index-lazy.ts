import { sql, type Kysely } from 'kysely';

/**
 * The lifecycle job finds due lines through a (status, validity) index. It indexed valid_until,
 * which every top-up moves, so every top-up moved an index entry: on SQLite one more random
 * B-tree page written at commit, on PostgreSQL a line update that could not be HOT (a new entry
 * in each of the table's five indexes). The index now holds `indexed_valid_until`, a lower bound
 * of valid_until: a top-up that only moves validity later leaves it, and the job raises it to
 * valid_until when it meets a line that is not due yet (indexedValidUntilAfter in src/ledger/batch-state.ts).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('lines').addColumn('indexed_valid_until', 'text').execute();
  await sql`update lines set indexed_valid_until = valid_until where valid_until is not null`.execute(db);
  await db.schema.dropIndex('lines_status_valid_until').execute();
  await db.schema.createIndex('lines_status_indexed_valid_until').on('lines').columns(['status', 'indexed_valid_until']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('lines_status_indexed_valid_until').execute();
  await db.schema.createIndex('lines_status_valid_until').on('lines').columns(['status', 'valid_until']).execute();
  await db.schema.alterTable('lines').dropColumn('indexed_valid_until').execute();
}
