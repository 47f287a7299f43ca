import { sql, type Kysely } from 'kysely';
import type { AppContext } from '../app-context.ts';
import { inChunks } from '../store/in-chunks.ts';
import type { Database } from '../store/schema.ts';
import { packageExpiresKey, packagePeriodKey } from './package-keys.ts';
import type { PackagePeriodTable, PackageTable } from './packages-tables.ts';

/**
 * All SQL of purchased packages: rows, latest periods, a line's live packages and buckets, and
 * what the renewal and expiry jobs read and mark. Request paths read through `ctx.store.readDb`;
 * jobs through `ctx.db` (on SQLite the worker connection: a job's read never holds up HTTP serving).
 */
export interface PackageWithPeriod {
  pkg: PackageTable;
  latest: PackagePeriodTable;
  /** The end of the package: the latest end of any of its periods. */
  expiresAt: string;
}

/** A line's periods read to list its packages: at most this many, latest-ending first. */
const LINE_PERIODS_READ_MAX = 5000;

/** The offering code of each package (the SMS worker names the pack a usage threshold is about). */
export async function offeringCodesOfPackages(ctx: AppContext, packageIds: string[]): Promise<Map<string, string>> {
  if (packageIds.length === 0) return new Map();
  const rows = await ctx.db.selectFrom('packages').select(['id', 'offering_code']).where('id', 'in', packageIds).execute();
  return new Map(rows.map((row) => [row.id, row.offering_code]));
}

export async function findPackage(ctx: AppContext, lineId: string, packageId: string): Promise<PackageWithPeriod | undefined> {
  const pkg = await ctx.store.readDb.selectFrom('packages').selectAll().where('id', '=', packageId).where('line_id', '=', lineId).executeTakeFirst();
  return pkg ? (await withLatestPeriods(ctx.store.readDb, [pkg]))[0] : undefined;
}

/**
 * Each package with only its latest period and its end, from the ledger counters that every
 * period command moves (package:<id>:periods, package:<id>:expires_ms), read in one statement:
 * the latest period is then one row found by (package_id, period), never all of the package's.
 */
async function withLatestPeriods(db: Kysely<Database>, packages: PackageTable[]): Promise<PackageWithPeriod[]> {
  const latest = new Map<string, PackagePeriodTable>();
  const counters = new Map<string, bigint>();
  await inChunks(packages.map((pkg) => pkg.id), async (ids) => {
    const rows = await db.selectFrom('counters').select(['key', 'value']).where('key', 'in', [...ids.map(packagePeriodKey), ...ids.map(packageExpiresKey)]).execute();
    for (const row of rows) counters.set(row.key, BigInt(row.value));
    const wanted = ids.filter((id) => (counters.get(packagePeriodKey(id)) ?? 0n) > 0n);
    if (wanted.length === 0) return;
    // A list of (package, period) pairs to join, not an OR of 500 conditions: PostgreSQL planned
    // that ~70 ms a query (the renewal job reads 1,000 packages at a time).
    const pairs = sql.join(wanted.map((id) => sql`(${id}, cast(${counters.get(packagePeriodKey(id))! - 1n} as bigint))`));
    const periods = await db.selectFrom('package_periods').selectAll()
      .where(sql<boolean>`(package_id, period) in (values ${pairs})`).execute();
    for (const period of periods) latest.set(period.package_id, period);
  });
  return packages.filter((pkg) => latest.has(pkg.id)).map((pkg) => {
    const period = latest.get(pkg.id)!;
    const endMs = counters.get(packageExpiresKey(pkg.id)) ?? 0n;
    return { pkg, latest: period, expiresAt: endMs > 0n ? new Date(Number(endMs)).toISOString() : period.expires_at };
  });
}

export interface LinePackage extends PackageWithPeriod {
  /** Buckets of the periods that have not ended yet, oldest period first: the only ones with live units. */
  liveBucketIds: string[];
}

/**
 * A line's packages whose end is after `since` (newest first), with their latest periods. A
 * package ends with its latest-ending period, so they are the packages of the line's periods that
 * end after `since` (index package_periods_line): what is live or recent, never all of history.
 */
export async function listLinePackages(ctx: AppContext, lineId: string, since: string, limit: number): Promise<LinePackage[]> {
  const now = ctx.clock.now().toISOString();
  const periods = await ctx.store.readDb.selectFrom('package_periods').select(['package_id', 'period', 'expires_at', 'bucket_ids'])
    .where('line_id', '=', lineId).where('expires_at', '>', since).orderBy('expires_at', 'desc').limit(LINE_PERIODS_READ_MAX).execute();
  const ids = [...new Set(periods.map((p) => p.package_id))].sort().reverse().slice(0, limit);
  if (ids.length === 0) return [];
  const rows = await ctx.store.readDb.selectFrom('packages').selectAll().where('id', 'in', ids).orderBy('id', 'desc').execute();
  const live = periods.filter((p) => p.expires_at > now).sort((a, b) => Number(BigInt(a.period) - BigInt(b.period)));
  return (await withLatestPeriods(ctx.store.readDb, rows)).map((found) => ({
    ...found, liveBucketIds: live.filter((p) => p.package_id === found.pkg.id).flatMap((p) => JSON.parse(p.bucket_ids) as string[]),
  }));
}


/**
 * Turns auto-renewal on or off. Turning it on asks the renewal job to look at the package at
 * `lookAt` (its end as read: the earliest it can be due), so that a package whose end the job
 * already examined while the flag was off is renewed within its retry window all the same.
 */
export async function setAutoRenew(ctx: AppContext, packageId: string, autoRenew: boolean, lookAt: string): Promise<void> {
  await ctx.db.updateTable('packages').set(autoRenew ? { auto_renew: 1n, renewal_retry_at: lookAt } : { auto_renew: 0n }).where('id', '=', packageId).execute();
}

/** Whether the package's row says it renews automatically, read from the primary (after a write of this process). */
export async function autoRenewOfRow(ctx: AppContext, packageId: string): Promise<boolean> {
  const row = await ctx.db.selectFrom('packages').select('auto_renew').where('id', '=', packageId).executeTakeFirst();
  return row !== undefined && Number(row.auto_renew) === 1;
}

// ---- The renewal job (auto-renew-job.ts) ----

export interface EndedPeriod {
  id: string;
  expires_at: string;
  pkg: PackageTable;
}

/**
 * Periods that ended in (windowStart, now] and that the renewal job has not examined, with their
 * packages, earliest end first, after `after` (a keyset within one run), through the partial index
 * package_periods_renewal_unexamined.
 */
export async function unexaminedEndedPeriods(ctx: AppContext, now: string, windowStart: string, after: EndedPeriod | null, limit: number): Promise<EndedPeriod[]> {
  let query = ctx.db.selectFrom('package_periods as p').innerJoin('packages', 'packages.id', 'p.package_id').selectAll('packages').select(['p.id as period_id', 'p.expires_at as period_expires_at'])
    .where('p.renewal_examined_at', 'is', null).where('p.expires_at', '<=', now).where('p.expires_at', '>', windowStart);
  if (after) query = query.where((eb) => eb(eb.refTuple('p.expires_at', 'p.id'), '>', eb.tuple(after.expires_at, after.id)));
  const rows = await query.orderBy('p.expires_at').orderBy('p.id').limit(limit).execute();
  return rows.map(({ period_id: id, period_expires_at: expiresAt, ...pkg }) => ({ id, expires_at: expiresAt, pkg: pkg as PackageTable }));
}

/** Each package's latest period and end, read by a job. */
export async function latestPeriodsForJob(ctx: AppContext, packages: PackageTable[]): Promise<PackageWithPeriod[]> {
  return withLatestPeriods(ctx.db, packages);
}

export async function markRenewalExamined(ctx: AppContext, periodIds: string[], now: string): Promise<void> {
  await inChunks(periodIds, async (ids) => { await ctx.db.updateTable('package_periods').set({ renewal_examined_at: now }).where('id', 'in', ids).execute(); });
}

/**
 * Marks examined up to `limit` periods that ended before the window without being examined (those
 * from before migration 017): no renewal is due for them, and they leave the partial index.
 */
export async function retireUnexaminedBefore(ctx: AppContext, windowStart: string, now: string, limit: number): Promise<number> {
  const result = await ctx.db.updateTable('package_periods').set({ renewal_examined_at: now })
    .where('id', 'in', (eb) => eb.selectFrom('package_periods').select('id').where('renewal_examined_at', 'is', null).where('expires_at', '<=', windowStart).orderBy('expires_at').limit(limit))
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/** Packages waiting for another renewal attempt, longest waiting first (index packages_renewal_retry). */
export async function renewalRetriesDue(ctx: AppContext, now: string, limit: number): Promise<PackageTable[]> {
  return ctx.db.selectFrom('packages').selectAll().where('renewal_retry_at', 'is not', null).where('renewal_retry_at', '<=', now)
    .orderBy('renewal_retry_at').orderBy('id').limit(limit).execute();
}

/** Packages of these lines waiting for another renewal attempt (partial index packages_line_retry, migration 028). */
export async function retriesDueOnLines(ctx: AppContext, lineIds: string[], now: string): Promise<PackageTable[]> {
  const found: PackageTable[] = [];
  await inChunks(lineIds, async (ids) => {
    found.push(...await ctx.db.selectFrom('packages').selectAll().where('line_id', 'in', ids).where('renewal_retry_at', 'is not', null).where('renewal_retry_at', '<=', now).execute());
  });
  return found;
}

/**
 * Takes a package off the retry queue, only if it is still as read: a concurrent PATCH that turned
 * auto-renewal on (and asked for a look) must not be undone by a decision made before it.
 */
export async function clearRenewalRetry(ctx: AppContext, read: PackageTable): Promise<void> {
  if (!read.renewal_retry_at) return;
  await ctx.db.updateTable('packages').set({ renewal_retry_at: null }).where('id', '=', read.id)
    .where('renewal_retry_at', '=', read.renewal_retry_at).where('auto_renew', '=', read.auto_renew).execute();
}

/**
 * Records that renewing into `period` failed (for want of money, mostly) and queues the package
 * for a retry on the next run. The event is written once per period (once more for want of money
 * after a refusal on a line whose validity had ended): the conditional update lets one process (of many) write it.
 */
export async function recordRenewalFailure(ctx: AppContext, packageId: string, period: bigint, payload: Record<string, unknown>): Promise<boolean> {
  const now = ctx.clock.now().toISOString();
  return ctx.db.transaction().execute(async (trx) => {
    await trx.updateTable('packages').set({ renewal_retry_at: now }).where('id', '=', packageId).execute();
    const reason = String(payload.reason);
    // Told once per period; and once more when a top-up brought back the line whose ended validity
    // refused the renewal but the retry found the money short (a small top-up, a debt it repaid first).
    const updated = await trx.updateTable('packages').set({ renewal_failed_period: period, renewal_failed_reason: reason }).where('id', '=', packageId)
      .where((eb) => eb.or([
        eb('renewal_failed_period', 'is', null), eb('renewal_failed_period', '<', period),
        ...(reason === 'balance_insufficient' ? [eb.and([eb('renewal_failed_period', '=', period), eb('renewal_failed_reason', '=', 'line_status_invalid')])] : []),
      ])).executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) return false;
    await trx.insertInto('outbox').values({
      id: ctx.ids.next('evt'), topic: 'package.renewal_failed', payload: JSON.stringify(payload), created_at: now, available_at: now,
      attempts: 0n, processed_at: null, last_error: null,
    }).execute();
    return true;
  });
}

// ---- The expiry job (expire-buckets-job.ts) ----

export interface ExpiredPeriod {
  id: string;
  expires_at: string;
  bucket_ids: string;
}

/**
 * Ended periods whose buckets may still hold units, latest end first, after `before` (a keyset
 * within one run), through the partial index package_periods_buckets_unexpired. Only periods the
 * renewal job has looked at: until then an automatic renewal may still carry their units over
 * (after downtime or behind a backlog, however late: package-period-command.ts).
 */
export async function expiredPeriodsToClose(ctx: AppContext, now: string, before: ExpiredPeriod | null, limit: number): Promise<ExpiredPeriod[]> {
  let query = ctx.db.selectFrom('package_periods').select(['id', 'expires_at', 'bucket_ids']).where('buckets_expired_at', 'is', null).where('expires_at', '<=', now)
    .where('renewal_examined_at', 'is not', null);
  if (before) query = query.where((eb) => eb(eb.refTuple('expires_at', 'id'), '<', eb.tuple(before.expires_at, before.id)));
  return query.orderBy('expires_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
}

export async function markBucketsExpired(ctx: AppContext, periodIds: string[], now: string): Promise<void> {
  await inChunks(periodIds, async (ids) => { await ctx.db.updateTable('package_periods').set({ buckets_expired_at: now }).where('id', 'in', ids).execute(); });
}
