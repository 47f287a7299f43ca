import type { Kysely } from 'kysely';

/**
 * What the provider charges, in its own currency and minor units, when that is not the payment's
 * (Alipay and WeChat Pay take yuan, PayPal its settlement currency): a provider's settlement file
 * lists that amount, and the reconciliation compares it with this, not with the tenge. Null for
 * payments made before, and for providers that charge the payment's own currency.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('payments').addColumn('provider_amount', 'bigint').execute();
  await db.schema.alterTable('payments').addColumn('provider_currency', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('payments').dropColumn('provider_currency').execute();
  await db.schema.alterTable('payments').dropColumn('provider_amount').execute();
}
