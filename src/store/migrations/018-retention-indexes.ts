import type { Kysely } from 'kysely';

/**
 * Indexes for the retention job (src/jobs/purge-retention.ts): expired sessions by expiry, and
 * payment webhooks by status and processing time, so that each chunk of a purge reads only the
 * rows it deletes. The outbox, partner deliveries and idempotency keys already have theirs; the
 * rate-limit table stays small once purged and is written on every counted attempt, so it gets none.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('sessions_expires_at').on('sessions').column('expires_at').execute();
  await db.schema.createIndex('webhook_inbox_finished').on('webhook_inbox').columns(['status', 'processed_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('webhook_inbox_finished').execute();
  await db.schema.dropIndex('sessions_expires_at').execute();
}
