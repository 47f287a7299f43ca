import type { Kysely } from 'kysely';

/**
 * Line lifecycle, promised payments (credit), balance transfers and usage recording
 * (docs/lifecycle-and-usage.md), plus the operator accounts they post to.
 */
const EXTRA_SYSTEM_ACCOUNTS: [id: string, unit: string, kind: string][] = [
  ['breakage:DATA_BYTES', 'DATA_BYTES', 'breakage'],
  ['breakage:VOICE_SECONDS', 'VOICE_SECONDS', 'breakage'],
  ['breakage:SMS', 'SMS', 'breakage'],
  ['revenue:usage', 'KZT', 'revenue'],
  ['expense:credit_writeoff', 'KZT', 'expense'],
];

export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('line_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('line_id', 'text', (c) => c.notNull())
    .addColumn('from_status', 'text', (c) => c.notNull())
    .addColumn('to_status', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('actor_id', 'text', (c) => c.notNull())
    .addColumn('due_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('line_events_line').on('line_events').columns(['line_id', 'id']).execute();

  await db.schema.createTable('number_quarantine')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('msisdn', 'text', (c) => c.notNull())
    .addColumn('line_id', 'text', (c) => c.notNull())
    .addColumn('quarantined_until', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('number_quarantine_msisdn').on('number_quarantine').columns(['msisdn', 'quarantined_until']).execute();

  await db.schema.createTable('credits')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('line_id', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('fee', 'bigint', (c) => c.notNull())
    .addColumn('granted_at', 'text', (c) => c.notNull())
    .addColumn('due_at', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('closed_at', 'text')
    .addColumn('actor_id', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('credits_status_due').on('credits').columns(['status', 'due_at']).execute();
  await db.schema.createIndex('credits_line').on('credits').columns(['line_id', 'id']).execute();

  await db.schema.createTable('balance_transfers')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('source_line_id', 'text', (c) => c.notNull())
    .addColumn('target_line_id', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('fee', 'bigint', (c) => c.notNull())
    .addColumn('actor_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('balance_transfers_source').on('balance_transfers').columns(['source_line_id', 'id']).execute();

  // The primary key is the network's event id: a repeated event can never be recorded twice.
  await db.schema.createTable('usage_events')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('line_id', 'text', (c) => c.notNull())
    .addColumn('service', 'text', (c) => c.notNull())
    .addColumn('units', 'bigint', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('consumed', 'bigint', (c) => c.notNull())
    .addColumn('charged', 'bigint', (c) => c.notNull())
    .addColumn('uncovered', 'bigint', (c) => c.notNull())
    .addColumn('recorded_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('usage_events_line').on('usage_events').columns(['line_id', 'at']).execute();

  const createdAt = new Date().toISOString();
  await db.insertInto('ledger_accounts').values(EXTRA_SYSTEM_ACCOUNTS.map(([id, unit, kind]) => ({
    id, unit, kind, owner_id: null, flags: 0n, debits_posted: 0n, credits_posted: 0n, debits_pending: 0n, credits_pending: 0n,
    expires_at: null, metadata: null, created_at: createdAt,
  }))).onConflict((c) => c.column('id').doNothing()).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['usage_events', 'balance_transfers', 'credits', 'number_quarantine', 'line_events']) {
    await db.schema.dropTable(table).execute();
  }
  await db.deleteFrom('ledger_accounts').where('id', 'in', EXTRA_SYSTEM_ACCOUNTS.map(([id]) => id)).execute();
}
