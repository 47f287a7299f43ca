import type { Kysely } from 'kysely';

/**
 * A provider's refund notification (PayPal PAYMENT.CAPTURE.REFUNDED or REVERSED, WeChat Pay
 * REFUND.*) names the refund it is about: kept with the stored event, so that one of Tolem's own
 * refunds is set aside and one Tolem did not make is kept for review.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('webhook_inbox').addColumn('provider_refund_id', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('webhook_inbox').dropColumn('provider_refund_id').execute();
}
