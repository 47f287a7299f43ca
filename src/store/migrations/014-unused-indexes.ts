import type { Kysely } from 'kysely';

/**
 * Two indexes no query reads, written on every top-up and purchase: `outbox_pending` (processed_at,
 * available_at) was for a relay that marks events processed; events leave through cursors over
 * (created_at, id) instead (src/partners/deliver-webhooks-job.ts, index outbox_created_at).
 * `receipts_reference` (reference_id): receipts are found by their number, and each top-up,
 * purchase or sale row holds its receipt's number. On PostgreSQL each was one more index entry per
 * row inserted; on SQLite one more page per batch.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('outbox_pending').execute();
  await db.schema.dropIndex('receipts_reference').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('outbox_pending').on('outbox').columns(['processed_at', 'available_at']).execute();
  await db.schema.createIndex('receipts_reference').on('receipts').column('reference_id').execute();
}
