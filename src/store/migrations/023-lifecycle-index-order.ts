import type { Kysely } from 'kysely';

/**
 * The lifecycle index with the line's id as its last column: (status, indexed_valid_until, id).
 * The lifecycle job and the reminders read lines in that order a page at a time (keyset pages by
 * end and id, since a batch of top-ups gives its lines the same validity end to the millisecond);
 * without the id every page sorted all the lines in its range first. It replaces
 * (status, indexed_valid_until) of migration 013; a top-up still changes neither column (013).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('lines_status_indexed_valid_until_id').on('lines').columns(['status', 'indexed_valid_until', 'id']).execute();
  await db.schema.dropIndex('lines_status_indexed_valid_until').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('lines_status_indexed_valid_until').on('lines').columns(['status', 'indexed_valid_until']).execute();
  await db.schema.dropIndex('lines_status_indexed_valid_until_id').execute();
}
