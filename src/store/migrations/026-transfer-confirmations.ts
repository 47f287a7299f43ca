import type { Kysely } from 'kysely';

/**
 * A subscriber's balance transfer waits for the sender's confirmation: a one-time code sent by SMS
 * to the sending line (src/transfers, docs/lifecycle-and-usage.md). The code is kept only as a
 * keyed hash; the row remembers the request's idempotency key, so a repeat of the request finds it
 * again and the confirmed transfer runs once under that key.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('transfer_confirmations')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('actor_id', 'text', (c) => c.notNull())
    .addColumn('idempotency_key', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    .addColumn('source_line_id', 'text', (c) => c.notNull())
    .addColumn('target_line_id', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('code_hash', 'text', (c) => c.notNull())
    .addColumn('attempts', 'bigint', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('transfer_id', 'text')
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('transfer_confirmations_key').unique().on('transfer_confirmations').columns(['actor_id', 'idempotency_key']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('transfer_confirmations').execute();
}
