import type { Kysely } from 'kysely';

/**
 * An operator's suspension (a lost or stolen SIM, fraud) is a bar, not the lifecycle's
 * suspension: a top-up must not lift it, or whoever holds the SIM unbars it with 500 ₸ at any
 * terminal. `barred_at` is set by an admin's suspend and cleared by an admin's reactivate; null on
 * every existing line (their suspensions stay liftable by a top-up, as they were).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('lines').addColumn('barred_at', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('lines').dropColumn('barred_at').execute();
}
