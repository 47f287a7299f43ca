import type { Kysely } from 'kysely';

/**
 * The renewal job asks every minute for the auto-renewing packages that ended in the retry window.
 * It grouped all of `package_periods` by package to find each package's end: a scan of every
 * period ever sold, every minute. With this index it reads only the periods that ended in the
 * window (src/packages/packages-repository.ts, dueRenewals).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('package_periods_expires_at').on('package_periods').columns(['expires_at', 'package_id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('package_periods_expires_at').execute();
}
