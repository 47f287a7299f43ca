import { sql } from 'kysely';
import type { AppContext } from '../app-context.ts';
import { toAccountState } from '../ledger/ledger-repository.ts';
import type { AccountState } from '../domain/ledger.ts';
import type { PackagePeriodTable, PackageTable } from './packages-tables.ts';

/** All SQL of purchased packages: rows, periods, due renewals and expired buckets. */
export interface PackageWithPeriod {
  pkg: PackageTable;
  latest: PackagePeriodTable;
  /** The end of the package: the latest end of any of its periods. */
  expiresAt: string;
  /** Buckets of every period, oldest first. */
  bucketIds: string[];
}

export async function findPackage(ctx: AppContext, lineId: string, packageId: string): Promise<PackageWithPeriod | undefined> {
  const pkg = await ctx.store.readDb.selectFrom('packages').selectAll().where('id', '=', packageId).where('line_id', '=', lineId).executeTakeFirst();
  return pkg ? withLatestPeriod(ctx, pkg) : undefined;
}

async function withLatestPeriod(ctx: AppContext, pkg: PackageTable): Promise<PackageWithPeriod> {
  const periods = await ctx.store.readDb.selectFrom('package_periods').selectAll().where('package_id', '=', pkg.id).orderBy('period', 'desc').execute();
  const expiresAt = periods.reduce((latest, p) => (p.expires_at > latest ? p.expires_at : latest), '');
  const bucketIds = periods.slice().reverse().flatMap((p) => JSON.parse(p.bucket_ids) as string[]);
  return { pkg, latest: periods[0]!, expiresAt, bucketIds };
}

/** A line's packages whose end is after `since` (newest first), with their latest periods. */
export async function listLinePackages(ctx: AppContext, lineId: string, since: string, limit: number): Promise<PackageWithPeriod[]> {
  const rows = await ctx.store.readDb.selectFrom('packages').selectAll().where('line_id', '=', lineId)
    .where((eb) => eb(eb.selectFrom('package_periods').select((p) => p.fn.max('expires_at').as('e')).whereRef('package_periods.package_id', '=', 'packages.id'), '>', since))
    .orderBy('id', 'desc').limit(limit).execute();
  return Promise.all(rows.map((row) => withLatestPeriod(ctx, row)));
}

/** Live buckets of a line (not yet expired), by id. */
export async function lineBuckets(ctx: AppContext, lineId: string): Promise<Map<string, AccountState>> {
  const rows = await ctx.store.readDb.selectFrom('ledger_accounts').selectAll().where('owner_id', '=', lineId).where('kind', '=', 'bucket').execute();
  return new Map(rows.map((row) => [row.id, toAccountState(row)]));
}

/**
 * Auto-renewing packages that ended in (windowStart, now], oldest end first: due or awaiting funds.
 * A package ends with its latest-ending period, so the query walks the periods that ended in the
 * window (index package_periods_expires_at) and keeps each that no other period of its package
 * outlasts (ties go to the higher period number, so that a package comes once).
 */
export async function dueRenewals(ctx: AppContext, now: string, windowStart: string, limit: number): Promise<PackageWithPeriod[]> {
  const rows = await ctx.store.readDb.selectFrom('package_periods as p').innerJoin('packages', 'packages.id', 'p.package_id').selectAll('packages')
    .where('p.expires_at', '<=', now).where('p.expires_at', '>', windowStart).where('packages.auto_renew', '=', 1n)
    .where(({ not, exists, selectFrom }) => not(exists(selectFrom('package_periods as later').select('later.id')
      .whereRef('later.package_id', '=', 'p.package_id')
      .where((eb) => eb.or([eb('later.expires_at', '>', eb.ref('p.expires_at')), eb.and([eb('later.expires_at', '=', eb.ref('p.expires_at')), eb('later.period', '>', eb.ref('p.period'))])])))))
    .orderBy('p.expires_at').orderBy('p.package_id').limit(limit).execute();
  return Promise.all(rows.map((row) => withLatestPeriod(ctx, row as PackageTable)));
}

export async function setAutoRenew(ctx: AppContext, packageId: string, autoRenew: boolean): Promise<void> {
  await ctx.db.updateTable('packages').set({ auto_renew: autoRenew ? 1n : 0n }).where('id', '=', packageId).execute();
}

/**
 * Records that renewing into `period` failed for want of money, once per period: the conditional
 * update lets one process (of many) write the outbox event.
 */
export async function markRenewalFailed(ctx: AppContext, packageId: string, period: bigint, payload: Record<string, unknown>): Promise<boolean> {
  const now = ctx.clock.now().toISOString();
  return ctx.db.transaction().execute(async (trx) => {
    const updated = await trx.updateTable('packages').set({ renewal_failed_period: period }).where('id', '=', packageId)
      .where((eb) => eb.or([eb('renewal_failed_period', 'is', null), eb('renewal_failed_period', '<', period)])).executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) return false;
    await trx.insertInto('outbox').values({
      id: ctx.ids.next('evt'), topic: 'package.renewal_failed', payload: JSON.stringify(payload), created_at: now, available_at: now,
      attempts: 0n, processed_at: null, last_error: null,
    }).execute();
    return true;
  });
}

/** Buckets that have expired and still hold units, oldest first. */
export async function expiredBuckets(ctx: AppContext, now: string, limit: number): Promise<AccountState[]> {
  const rows = await ctx.store.readDb.selectFrom('ledger_accounts').selectAll().where('kind', '=', 'bucket').where('expires_at', '<=', now)
    .where(sql<boolean>`credits_posted - debits_posted - debits_pending > 0`).orderBy('expires_at').limit(limit).execute();
  return rows.map(toAccountState);
}
