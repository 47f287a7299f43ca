import { type Kysely } from 'kysely';

/**
 * Packages (docs/packages.md): the catalog with versioned prices, purchased packages and their
 * periods (one row per purchase or renewal, written inside the ledger command), promotions.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createTable('offerings')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('code', 'text', (c) => c.notNull().unique())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('current_version', 'bigint', (c) => c.notNull())
    .addColumn('names', 'text', (c) => c.notNull())
    .addColumn('descriptions', 'text', (c) => c.notNull())
    .addColumn('features', 'text', (c) => c.notNull())
    .addColumn('available_from', 'text')
    .addColumn('available_until', 'text')
    .addColumn('auto_renew_allowed', 'bigint', (c) => c.notNull())
    .addColumn('stacks', 'bigint', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema.createTable('offering_versions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('offering_id', 'text', (c) => c.notNull())
    .addColumn('version', 'bigint', (c) => c.notNull())
    .addColumn('price', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('validity_days', 'bigint', (c) => c.notNull())
    .addColumn('fee_period', 'text')
    .addColumn('data_bytes', 'bigint', (c) => c.notNull())
    .addColumn('voice_seconds', 'bigint', (c) => c.notNull())
    .addColumn('sms_count', 'bigint', (c) => c.notNull())
    .addColumn('rate_per_mb', 'bigint')
    .addColumn('rate_per_minute', 'bigint')
    .addColumn('rate_per_sms', 'bigint')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('offering_versions_once').on('offering_versions').columns(['offering_id', 'version']).unique().execute();

  await db.schema.createTable('packages')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('line_id', 'text', (c) => c.notNull())
    .addColumn('offering_id', 'text', (c) => c.notNull())
    .addColumn('offering_code', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('offering_version_id', 'text', (c) => c.notNull())
    .addColumn('price_paid', 'bigint', (c) => c.notNull())
    .addColumn('currency', 'text', (c) => c.notNull())
    .addColumn('starts_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('auto_renew', 'bigint', (c) => c.notNull())
    .addColumn('stacks', 'bigint', (c) => c.notNull())
    .addColumn('features', 'text', (c) => c.notNull())
    .addColumn('receipt_number', 'text', (c) => c.notNull())
    .addColumn('renewal_failed_period', 'bigint')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('packages_line').on('packages').columns(['line_id', 'id']).execute();
  await db.schema.createIndex('packages_auto_renew').on('packages').columns(['auto_renew', 'id']).execute();

  await db.schema.createTable('package_periods')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('package_id', 'text', (c) => c.notNull())
    .addColumn('line_id', 'text', (c) => c.notNull())
    .addColumn('period', 'bigint', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('offering_version_id', 'text', (c) => c.notNull())
    .addColumn('list_price', 'bigint', (c) => c.notNull())
    .addColumn('discount', 'bigint', (c) => c.notNull())
    .addColumn('price_paid', 'bigint', (c) => c.notNull())
    .addColumn('promotion_id', 'text')
    .addColumn('starts_at', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('bucket_ids', 'text', (c) => c.notNull())
    .addColumn('receipt_number', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  // One row per period of a package: a renewal run twice cannot write two.
  await db.schema.createIndex('package_periods_once').on('package_periods').columns(['package_id', 'period']).unique().execute();

  // The expiry job looks for buckets past their end.
  await db.schema.createIndex('ledger_accounts_kind_expires_at').on('ledger_accounts').columns(['kind', 'expires_at']).execute();

  await db.schema.createTable('promotions')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('code', 'text', (c) => c.unique())
    .addColumn('offering_codes', 'text')
    .addColumn('discount_kind', 'text', (c) => c.notNull())
    .addColumn('discount_value', 'bigint', (c) => c.notNull())
    .addColumn('starts_at', 'text', (c) => c.notNull())
    .addColumn('ends_at', 'text', (c) => c.notNull())
    .addColumn('uses_max', 'bigint')
    .addColumn('uses_per_line_max', 'bigint')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema.createTable('bonus_grants')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('line_id', 'text', (c) => c.notNull())
    .addColumn('topup_id', 'text', (c) => c.notNull())
    .addColumn('amount', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('bonus_grants_expires_at').on('bonus_grants').columns(['expires_at', 'line_id']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('ledger_accounts_kind_expires_at').execute();
  for (const table of ['bonus_grants', 'promotions', 'package_periods', 'packages', 'offering_versions', 'offerings']) await db.schema.dropTable(table).execute();
}
