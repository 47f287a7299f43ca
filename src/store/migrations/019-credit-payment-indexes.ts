import type { Kysely } from 'kysely';

/** What `credits.next_check_at` holds when nothing set it: the epoch, so the credit is checked at the next run. */
const NEXT_CHECK_DEFAULT = '1970-01-01T00:00:00.000Z';

/**
 * Indexes so that the credit and payment jobs and the admin lists read what they need, not a
 * table.
 * - credits: the collection job read and sorted every open credit and debt each minute, and kept
 *   retrying the same oldest uncollectable debts. Each credit now says when it is next looked at
 *   (`next_check_at`, moved forward with a backoff after every check) and the job reads due ones
 *   through (status, next_check_at, id); the old (status, due_at) index has no reader left. A
 *   credit inserted by code of the release before gets the default, the epoch, and is checked at
 *   once; the column is added with a constant default, which neither database rewrites the table for.
 * - sandbox_sessions (status, resolve_at): the sandbox's resolver, every 5 s, scanned the table.
 * - payments (provider, status, created_at, id): a settlement file's period in keyset pages.
 * - payments and webhook_inbox (status, id): an admin list filtered by status reads one page.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('credits').addColumn('next_check_at', 'text', (c) => c.notNull().defaultTo(NEXT_CHECK_DEFAULT)).execute();
  await db.schema.createIndex('credits_status_next_check').on('credits').columns(['status', 'next_check_at', 'id']).execute();
  await db.schema.dropIndex('credits_status_due').execute();
  await db.schema.createIndex('sandbox_sessions_status_resolve').on('sandbox_sessions').columns(['status', 'resolve_at']).execute();
  await db.schema.createIndex('payments_provider_status_created').on('payments').columns(['provider', 'status', 'created_at', 'id']).execute();
  await db.schema.createIndex('payments_status_id').on('payments').columns(['status', 'id']).execute();
  await db.schema.createIndex('webhook_inbox_status_id').on('webhook_inbox').columns(['status', 'id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const index of ['webhook_inbox_status_id', 'payments_status_id', 'payments_provider_status_created', 'sandbox_sessions_status_resolve']) {
    await db.schema.dropIndex(index).execute();
  }
  await db.schema.createIndex('credits_status_due').on('credits').columns(['status', 'due_at']).execute();
  await db.schema.dropIndex('credits_status_next_check').execute();
  await db.schema.alterTable('credits').dropColumn('next_check_at').execute();
}
