import { sql, type Kysely } from 'kysely';

/**
 * SMS to subscribers (src/sms, docs/sms.md). `sms_messages`: one row per outbox event that tells a
 * line something, unique by event, so that an event is sent at most once whatever the re-reads
 * and processes; it waits `queued` until sent (`sent`, then `delivered` or `undeliverable` by the
 * receipts) or given up (`failed`). `sms_segments`: each segment the SMSC accepted, with the
 * message id it gave (a long text has several), so that a receipt finds its message and a retry
 * sends only the segments still missing.
 * Indexes: the job claims due rows through a partial index of the queued ones by time; the route
 * lists a line's messages newest first through (line_id, id); a receipt finds its segment by the
 * SMSC's id; the retention job deletes finished ones oldest first through (created_at, id).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('sms_messages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('line_id', 'text', (c) => c.notNull())
    .addColumn('msisdn', 'text', (c) => c.notNull())
    .addColumn('topic', 'text', (c) => c.notNull())
    .addColumn('language', 'text', (c) => c.notNull())
    .addColumn('text', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('segments', 'bigint', (c) => c.notNull())
    .addColumn('attempts', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    .addColumn('lease_until', 'text')
    .addColumn('last_error', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'text')
    .addColumn('delivered_at', 'text')
    .addUniqueConstraint('sms_messages_event_once', ['event_id'])
    .execute();
  await db.schema.createIndex('sms_messages_queued').on('sms_messages').columns(['next_attempt_at', 'id']).where(sql.ref('status'), '=', 'queued').execute();
  await db.schema.createIndex('sms_messages_line').on('sms_messages').columns(['line_id', 'id']).execute();
  await db.schema.createIndex('sms_messages_created').on('sms_messages').columns(['created_at', 'id']).execute();
  await db.schema.createTable('sms_segments')
    .addColumn('message_id', 'text', (c) => c.notNull())
    .addColumn('segment', 'bigint', (c) => c.notNull())
    .addColumn('smsc_message_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('sent_at', 'text', (c) => c.notNull())
    .addColumn('receipt_at', 'text')
    .addPrimaryKeyConstraint('sms_segments_pkey', ['message_id', 'segment'])
    .execute();
  // Not unique: an SMSC's ids may come round again after a long while.
  await db.schema.createIndex('sms_segments_smsc_message_id').on('sms_segments').column('smsc_message_id').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('sms_segments').execute();
  await db.schema.dropTable('sms_messages').execute();
}
