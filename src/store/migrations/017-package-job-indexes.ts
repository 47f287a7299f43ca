import { sql, type Kysely } from 'kysely';

/**
 * The packages jobs walked history every minute. Bucket expiry read every expired bucket ever
 * (through ledger_accounts (kind, expires_at)) to find the few with units left; auto-renew read
 * every period that ended in the retry window, the lapsed ones first, so that newly due renewals
 * waited behind them. A period now records when each job is done with it:
 * `buckets_expired_at` once its buckets (all of them end with the period) hold nothing for good,
 * `renewal_examined_at` once the renewal job has handled its end; each job reads only the expired
 * periods it is not done with, through a partial index. Renewals that failed for want of money
 * wait in `packages.renewal_retry_at` (a partial index), retried round the queue beside the newly
 * due ones. A line's packages are found through its periods by end (line_id, expires_at), so a
 * listing reads only what is live or recent. The indexes these replace go: package_periods
 * (expires_at, package_id) of 015, ledger_accounts (kind, expires_at) of 002, and packages
 * (line_id, id) and (auto_renew, id), which no query reads any more. Periods ended before this
 * migration are examined once, a bounded number per run.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('package_periods').addColumn('buckets_expired_at', 'text').execute();
  await db.schema.alterTable('package_periods').addColumn('renewal_examined_at', 'text').execute();
  await db.schema.alterTable('packages').addColumn('renewal_retry_at', 'text').execute();
  await db.schema.createIndex('package_periods_buckets_unexpired').on('package_periods').columns(['expires_at', 'id']).where(sql.ref('buckets_expired_at'), 'is', null).execute();
  await db.schema.createIndex('package_periods_renewal_unexamined').on('package_periods').columns(['expires_at', 'id']).where(sql.ref('renewal_examined_at'), 'is', null).execute();
  await db.schema.createIndex('package_periods_line').on('package_periods').columns(['line_id', 'expires_at']).execute();
  await db.schema.createIndex('packages_renewal_retry').on('packages').columns(['renewal_retry_at', 'id']).where(sql.ref('renewal_retry_at'), 'is not', null).execute();
  for (const index of ['package_periods_expires_at', 'ledger_accounts_kind_expires_at', 'packages_line', 'packages_auto_renew']) await db.schema.dropIndex(index).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('packages_auto_renew').on('packages').columns(['auto_renew', 'id']).execute();
  await db.schema.createIndex('packages_line').on('packages').columns(['line_id', 'id']).execute();
  await db.schema.createIndex('ledger_accounts_kind_expires_at').on('ledger_accounts').columns(['kind', 'expires_at']).execute();
  await db.schema.createIndex('package_periods_expires_at').on('package_periods').columns(['expires_at', 'package_id']).execute();
  for (const index of ['packages_renewal_retry', 'package_periods_line', 'package_periods_renewal_unexamined', 'package_periods_buckets_unexpired']) await db.schema.dropIndex(index).execute();
  await db.schema.alterTable('packages').dropColumn('renewal_retry_at').execute();
  await db.schema.alterTable('package_periods').dropColumn('renewal_examined_at').execute();
  await db.schema.alterTable('package_periods').dropColumn('buckets_expired_at').execute();
}
