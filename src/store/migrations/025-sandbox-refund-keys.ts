import type { Kysely } from 'kysely';

/**
 * The sandbox payment provider keeps each refund under the idempotency key Tolem sends with it,
 * as Stripe, PayPal, Alipay (out_request_no) and WeChat Pay (out_refund_no) do: a repeat under the
 * same key gets the first answer back and refunds nothing more (src/payments/providers/sandbox).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('sandbox_refunds')
    .addColumn('idempotency_key', 'text', (c) => c.primaryKey())
    .addColumn('session_id', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('refund_id', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable('sandbox_refunds').execute();
}
