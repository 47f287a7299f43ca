import type { Kysely } from 'kysely';

/**
 * Usage rating looks up 1,000 numbers a request for their line's id, status and language. Through
 * the number index and then the lines table, that is two descents per number, and the table's
 * pages are the ones every top-up rewrites (on SQLite they sit in the write-ahead log, read
 * through system calls). An index that also holds status and language answers from its own pages,
 * which change only when a line is created, changes status or language: it replaces the
 * (msisdn, id) index of 009, whose lookups (number → line id, every top-up) it covers as well.
 * SQLite's planner prefers the unique number index, so it never took 009's index: the queries
 * name this one on SQLite (StoreDialect.linesByNumber).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('lines_msisdn_rating').on('lines').columns(['msisdn', 'id', 'status', 'language']).execute();
  await db.schema.dropIndex('lines_msisdn_id').ifExists().execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('lines_msisdn_id').ifNotExists().on('lines').columns(['msisdn', 'id']).execute();
  await db.schema.dropIndex('lines_msisdn_rating').execute();
}
