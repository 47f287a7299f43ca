import type { Kysely } from 'kysely';

/**
 * Why the latest told renewal failure of a package's period failed (`package.renewal_failed`'s
 * reason). A renewal refused as the line's validity had ended (line_status_invalid) is retried
 * once a top-up brings the line back; when the top-up was too small (or repaid a debt first) the
 * retry fails for want of money, and the subscriber is told that too, once. Null for failures
 * recorded before (told once per period, as then).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('packages').addColumn('renewal_failed_reason', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('packages').dropColumn('renewal_failed_reason').execute();
}
