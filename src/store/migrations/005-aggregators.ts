import type { Kysely } from 'kysely';

/**
 * Payment aggregators (QIWI/OSMP- and Kaspi-style check/pay) and their payments. A txn_id is kept
 * forever per aggregator: the unique index is the database's own guard behind the writer's
 * idempotency key `agg:<code>:<txn_id>`.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('aggregators')
    .addColumn('code', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('password_hash', 'text')
    .addColumn('ip_allowlist', 'text', (c) => c.notNull())
    .addColumn('clearing_account_id', 'text', (c) => c.notNull())
    .addColumn('active', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema.createTable('aggregator_payments')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('aggregator', 'text', (c) => c.notNull())
    .addColumn('txn_id', 'text', (c) => c.notNull())
    .addColumn('txn_date', 'text')
    .addColumn('account', 'text', (c) => c.notNull())
    .addColumn('msisdn', 'text')
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('prv_txn', 'text')
    .addColumn('topup_id', 'text')
    .addColumn('result', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('aggregator_payments_txn').on('aggregator_payments').columns(['aggregator', 'txn_id']).unique().execute();
  await db.schema.createIndex('aggregator_payments_day').on('aggregator_payments').columns(['aggregator', 'created_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('aggregator_payments').execute();
  await db.schema.dropTable('aggregators').execute();
}
