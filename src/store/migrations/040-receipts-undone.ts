import { sql, type Kysely } from 'kysely';

/**
 * A receipt names the receipt that undid it, and a reversal's the one it undid (a top-up an agent
 * reversed, a refund the bank sent back: src/receipts/receipts-repository.ts). Both of a pair share
 * their reference (the top-up's id, the refund's id), but receipts have no index by reference since
 * migration 014 (every top-up and purchase wrote one entry more). This one holds the rare kinds
 * only (refunds and reversals), so a top-up's or a purchase's receipt writes nothing to it.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('receipts_undoing_reference').on('receipts').columns(['reference_id'])
    .where(sql.ref('kind'), 'in', ['refund', 'refund_reversal', 'topup_reversal']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('receipts_undoing_reference').execute();
}
