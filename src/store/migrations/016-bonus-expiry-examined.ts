import { sql, type Kysely } from 'kysely';

/**
 * The bonus expiry job grouped every expired grant ever made, every minute, and then read a
 * counter for every line that ever had one in a single `in (…)` list, which fails outright past
 * SQLite's and PostgreSQL's limits on parameters. A grant now records when the job examined it
 * after it expired: the job reads only the expired grants not yet examined (through a partial
 * index), and a line's expired total through (line_id, expires_at). Grants expired before this
 * migration are examined once, a bounded number per run. Reversals and refunds find a top-up's
 * grant by topup_id, which had no index either.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('bonus_grants').addColumn('expiry_examined_at', 'text').execute();
  await db.schema.createIndex('bonus_grants_unexamined').on('bonus_grants').column('expires_at').where(sql.ref('expiry_examined_at'), 'is', null).execute();
  await db.schema.createIndex('bonus_grants_line').on('bonus_grants').columns(['line_id', 'expires_at']).execute();
  await db.schema.createIndex('bonus_grants_topup').on('bonus_grants').column('topup_id').execute();
  await db.schema.dropIndex('bonus_grants_expires_at').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('bonus_grants_expires_at').on('bonus_grants').columns(['expires_at', 'line_id']).execute();
  for (const index of ['bonus_grants_topup', 'bonus_grants_line', 'bonus_grants_unexamined']) await db.schema.dropIndex(index).execute();
  await db.schema.alterTable('bonus_grants').dropColumn('expiry_examined_at').execute();
}
