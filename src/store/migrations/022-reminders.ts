import type { Kysely } from 'kysely';

/**
 * Reminders sent ahead of an end (src/reminders): a line's validity, a package's period. One row
 * per reminder, keyed by what it is about and the end it announces (`validity:<line>:<end>`), so
 * that it goes out once whatever the runs and processes; deleted once that end has long passed.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('reminders')
    .addColumn('key', 'text', (c) => c.primaryKey())
    .addColumn('line_id', 'text', (c) => c.notNull())
    .addColumn('topic', 'text', (c) => c.notNull())
    .addColumn('remind_for', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('reminders_remind_for').on('reminders').columns(['remind_for']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('reminders').execute();
}
