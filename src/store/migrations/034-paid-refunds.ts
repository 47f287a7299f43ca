import { sql, type Kysely } from 'kysely';

/**
 * Refunds paid back, by when they were made: a card refund can still fail after it succeeded
 * (Stripe), so the refund-recheck job asks again after those of the last days. The index holds
 * paid-back refunds only, and the job reads the last days of it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('payment_refunds_paid').on('payment_refunds').columns(['created_at', 'id']).where(sql.ref('status'), '=', 'succeeded').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('payment_refunds_paid').execute();
}
