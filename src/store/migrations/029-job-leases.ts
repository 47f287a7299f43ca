import type { Kysely } from 'kysely';

/**
 * Leases on scheduled jobs (src/jobs/job-leases.ts): where several processes serve one database,
 * each job runs in the one process that holds its row until `held_until`. Only adds a table.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('job_leases')
    .addColumn('job', 'text', (c) => c.primaryKey())
    .addColumn('holder', 'text', (c) => c.notNull())
    .addColumn('held_until', 'text', (c) => c.notNull())
    .addColumn('taken_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('job_leases').execute();
}
