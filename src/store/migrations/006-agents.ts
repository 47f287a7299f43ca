import type { Kysely } from 'kysely';

/**
 * Retail agents (float, commission, POS top-ups and reversals), operator stores (clerks, ID
 * checks, counter top-ups) and scratch-card vouchers. One migration for the three capabilities
 * because they share the pattern "a channel that funds applyTopUp from its own account".
 * Flags are bigint 0/1 (portable); money is bigint minor units; times are ISO-8601 text.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('agents')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    // Commission as basis points of the top-up amount: 150 = 1.50 %.
    .addColumn('commission_basis_points', 'bigint', (c) => c.notNull())
    .addColumn('active', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema.createTable('agent_users')
    .addColumn('user_id', 'text', (c) => c.primaryKey())
    .addColumn('agent_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema.createTable('agent_deposits')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('agent_id', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('reference', 'text', (c) => c.notNull())
    .addColumn('transfer_id', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('agent_deposits_agent').on('agent_deposits').columns(['agent_id', 'created_at']).execute();

  await db.schema.createTable('agent_topups')
    .addColumn('topup_id', 'text', (c) => c.primaryKey())
    .addColumn('agent_id', 'text', (c) => c.notNull())
    .addColumn('line_id', 'text', (c) => c.notNull())
    .addColumn('msisdn', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('commission', 'bigint', (c) => c.notNull())
    .addColumn('receipt_number', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('agent_topups_agent').on('agent_topups').columns(['agent_id', 'created_at']).execute();
  await db.schema.createIndex('agent_topups_receipt').on('agent_topups').column('receipt_number').execute();

  // One row per reversed top-up: the primary key is the "at most once" the database enforces too.
  await db.schema.createTable('agent_topup_reversals')
    .addColumn('topup_id', 'text', (c) => c.primaryKey())
    .addColumn('agent_id', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('commission', 'bigint', (c) => c.notNull())
    .addColumn('actor_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('agent_topup_reversals_agent').on('agent_topup_reversals').columns(['agent_id', 'created_at']).execute();

  await db.schema.createTable('stores')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('active', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema.createTable('store_clerks')
    .addColumn('user_id', 'text', (c) => c.primaryKey())
    .addColumn('store_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  // ID documents: a keyed hash (HMAC-SHA256) and the last four characters, never the number.
  await db.schema.createTable('identifications')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('store_id', 'text', (c) => c.notNull())
    .addColumn('clerk_id', 'text', (c) => c.notNull())
    .addColumn('document_type', 'text', (c) => c.notNull())
    .addColumn('number_hash', 'text', (c) => c.notNull())
    .addColumn('number_last4', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('identifications_hash').on('identifications').column('number_hash').execute();

  await db.schema.createTable('store_topups')
    .addColumn('topup_id', 'text', (c) => c.primaryKey())
    .addColumn('store_id', 'text', (c) => c.notNull())
    .addColumn('tender', 'text', (c) => c.notNull())
    .addColumn('identification_id', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('actor_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('store_topups_store').on('store_topups').columns(['store_id', 'created_at']).execute();

  await db.schema.createTable('voucher_batches')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('face_value', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('count', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('dealer', 'text')
    .addColumn('sold_at', 'text')
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  // state: generated | sold | blocked. "redeemed" is a row in voucher_redemptions, "expired" is time.
  await db.schema.createTable('vouchers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('batch_id', 'text', (c) => c.notNull())
    .addColumn('serial', 'text', (c) => c.notNull().unique())
    .addColumn('pin_hash', 'text', (c) => c.notNull().unique())
    .addColumn('face_value', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('vouchers_batch').on('vouchers').columns(['batch_id', 'serial']).execute();

  await db.schema.createTable('voucher_redemptions')
    .addColumn('voucher_id', 'text', (c) => c.primaryKey())
    .addColumn('line_id', 'text', (c) => c.notNull())
    .addColumn('topup_id', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['voucher_redemptions', 'vouchers', 'voucher_batches', 'store_topups', 'identifications', 'store_clerks',
    'stores', 'agent_topup_reversals', 'agent_topups', 'agent_deposits', 'agent_users', 'agents']) {
    await db.schema.dropTable(table).execute();
  }
}
