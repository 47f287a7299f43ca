import { sql, type Kysely } from 'kysely';

/**
 * Indexes found missing by a scale audit on PostgreSQL (300,000 lines, 1.9M transfers):
 * - the renewal job wakes the lapsed packages of lines that money reached (auto-renew-job.ts):
 *   a package's line among those waiting, not all packages ever sold (a full scan, ~29 ms a
 *   chunk of 500 lines); the index holds the retry queue only;
 * - each quote reads the automatic promotions running now (no code): those whose end has not
 *   come, not every promotion ever made.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('packages_line_retry').on('packages').column('line_id').where(sql.ref('renewal_retry_at'), 'is not', null).execute();
  await db.schema.createIndex('promotions_automatic_ends').on('promotions').column('ends_at').where(sql.ref('code'), 'is', null).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  // The renewal job's wake reader (same release) has a cursor no older code moves: retention
  // before this release would keep every event behind it.
  await db.deleteFrom('webhook_cursors').where('name', '=', 'packages.renewal_wake').execute();
  await db.schema.dropIndex('promotions_automatic_ends').execute();
  await db.schema.dropIndex('packages_line_retry').execute();
}
