import { sql, type Kysely } from 'kysely';

/**
 * Refunds the provider has not settled yet (WeChat Pay answers PROCESSING to nearly every refund):
 * the refund-status job asks after them, least recently asked first. The index holds those only.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('payment_refunds_pending').on('payment_refunds').columns(['updated_at', 'id']).where(sql.ref('status'), '=', 'pending').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('payment_refunds_pending').execute();
}
