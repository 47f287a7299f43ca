import type { Kysely } from 'kysely';

/** Online payments: the payment record, its transitions, the webhook inbox, refunds, sandbox sessions. */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('payments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('provider_reference', 'text')
    .addColumn('purpose', 'text', (c) => c.notNull())
    .addColumn('offering_code', 'text')
    .addColumn('line_id', 'text', (c) => c.notNull())
    .addColumn('msisdn', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('pending_transfer_id', 'text', (c) => c.notNull())
    .addColumn('topup_id', 'text')
    .addColumn('package_id', 'text')
    .addColumn('purchase_error', 'text')
    .addColumn('receipt_number', 'text')
    .addColumn('failure_reason', 'text')
    .addColumn('redirect_url', 'text')
    .addColumn('qr_content', 'text')
    .addColumn('language', 'text', (c) => c.notNull())
    .addColumn('payer_ip', 'text')
    .addColumn('payer_fingerprint', 'text')
    .addColumn('card_last4', 'text')
    .addColumn('refunded_amount', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('created_by', 'text')
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('settled_at', 'text')
    .execute();
  await db.schema.createIndex('payments_provider_reference').on('payments').columns(['provider', 'provider_reference']).unique().execute();
  await db.schema.createIndex('payments_status_updated').on('payments').columns(['status', 'updated_at']).execute();
  await db.schema.createIndex('payments_status_expires').on('payments').columns(['status', 'expires_at']).execute();

  await db.schema.createTable('payment_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('payment_id', 'text', (c) => c.notNull())
    .addColumn('from_status', 'text')
    .addColumn('to_status', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('raw', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('payment_events_payment').on('payment_events').columns(['payment_id', 'id']).execute();

  await db.schema.createTable('webhook_inbox')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('provider', 'text', (c) => c.notNull())
    .addColumn('event_id', 'text', (c) => c.notNull())
    .addColumn('provider_reference', 'text', (c) => c.notNull())
    .addColumn('payment_id', 'text')
    .addColumn('event_status', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint')
    .addColumn('currency', 'text')
    .addColumn('failure_reason', 'text')
    /** received | processed | ignored | orphan | mismatch | late_success | failed */
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('raw_body', 'text', (c) => c.notNull())
    .addColumn('attempts', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('next_attempt_at', 'text', (c) => c.notNull())
    .addColumn('last_error', 'text')
    .addColumn('received_at', 'text', (c) => c.notNull())
    .addColumn('processed_at', 'text')
    .addUniqueConstraint('webhook_inbox_provider_event', ['provider', 'event_id'])
    .execute();
  await db.schema.createIndex('webhook_inbox_due').on('webhook_inbox').columns(['status', 'next_attempt_at']).execute();

  await db.schema.createTable('payment_refunds')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('payment_id', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    /** pending | succeeded | failed */
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('pending_transfer_id', 'text', (c) => c.notNull())
    .addColumn('provider_refund_id', 'text')
    .addColumn('receipt_number', 'text')
    .addColumn('failure_reason', 'text')
    .addColumn('actor_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('payment_refunds_payment').on('payment_refunds').columns(['payment_id', 'id']).execute();

  await db.schema.createTable('sandbox_sessions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('payment_id', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('failure_reason', 'text')
    .addColumn('card_last4', 'text')
    .addColumn('refunded_amount', 'bigint', (c) => c.notNull().defaultTo(0))
    .addColumn('return_url', 'text', (c) => c.notNull())
    .addColumn('language', 'text', (c) => c.notNull())
    .addColumn('resolve_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['sandbox_sessions', 'payment_refunds', 'webhook_inbox', 'payment_events', 'payments']) {
    await db.schema.dropTable(table).execute();
  }
}
