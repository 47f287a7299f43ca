import type { Kysely } from 'kysely';

/**
 * Number → line id without touching the lines table: every top-up rewrites its line's row
 * (validity, daily total), so on SQLite that row's page sits in the write-ahead log, where a
 * reader reaches it only through system calls; this index changes only when a line is created or
 * gives up its number, so its pages stay in the memory-mapped database file.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('lines_msisdn_id').on('lines').columns(['msisdn', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('lines_msisdn_id').execute();
}
