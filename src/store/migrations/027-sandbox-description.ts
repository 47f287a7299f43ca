import type { Kysely } from 'kysely';

/**
 * The sandbox's checkout shows what is paid for, as a real provider's hosted page shows the
 * description it was given ("Top-up +77011234567"): the payer sees which number before paying.
 * Sessions made before have none and show the amount alone.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sandbox_sessions').addColumn('description', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('sandbox_sessions').dropColumn('description').execute();
}
