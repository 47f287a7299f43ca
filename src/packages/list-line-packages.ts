import type { AppContext } from '../app-context.ts';
import type { Actor } from '../auth/actor.ts';
import { listOfferingRecords } from '../catalog/catalog-repository.ts';
import { isOnSale, type Texts } from '../catalog/offering.ts';
import { availableBalance, type AccountState } from '../domain/ledger.ts';
import { ok, type Result } from '../domain/result.ts';
import { addDays } from '../domain/time.ts';
import { findReadableLine } from '../lines/line-access.ts';
import type { LineRow } from '../lines/lines-repository.ts';
import { LANGUAGES, type Language } from '../lines/line-view.ts';
import { packageSettings } from './package-settings.ts';
import { readAccounts } from '../ledger/read-accounts.ts';
import { listLinePackages, type LinePackage } from './packages-repository.ts';

export const PACKAGES_LISTED_MAX = 100;

export interface PackageView {
  id: string;
  offering: string;
  kind: string;
  name: string;
  status: 'active' | 'awaiting_funds' | 'expired';
  startsAt: string;
  expiresAt: string;
  autoRenew: boolean;
  stacks: boolean;
  periods: number;
  features: string[];
  allowances: { unit: string; remaining: number; buckets: { id: string; remaining: number; expiresAt: string }[] }[];
}

/**
 * A line's packages: by default the active ones and those awaiting funds for an auto-renewal; with
 * `include=all` also those that ended within the last 90 days. Remaining units are the balances of
 * the package's live buckets. Only those packages and buckets are read, never the line's history.
 */
export async function listPackagesOfLine(ctx: AppContext, actor: Actor, msisdn: string, query: { include?: 'active' | 'all'; language?: Language }): Promise<Result<{ data: PackageView[] }>> {
  const line = await findReadableLine(ctx, actor, msisdn);
  if (!line.ok) return line;
  return ok({ data: await packageViewsOf(ctx, line.value, query) });
}

/** The packages of a line already found and allowed (the USSD menu's `*104#` reads them too). */
export async function packageViewsOf(ctx: AppContext, line: LineRow, query: { include?: 'active' | 'all'; language?: Language }): Promise<PackageView[]> {
  const now = ctx.clock.now();
  const retryDays = packageSettings(ctx).renewalRetryDays;
  const since = addDays(now, -(query.include === 'all' ? 90 : retryDays)).toISOString();
  const found = await listLinePackages(ctx, line.id, since, PACKAGES_LISTED_MAX);
  const buckets = await readAccounts(ctx.store.readDb, found.flatMap((f) => f.liveBucketIds));
  const records = new Map((await listOfferingRecords(ctx)).map((r) => [r.offering.code, r]));
  const language = query.language ?? (LANGUAGES.includes(line.language as Language) ? line.language as Language : 'en');
  const views = found.map((f) => {
    const record = records.get(f.pkg.offering_code);
    const name = record ? (JSON.parse(record.offering.names) as Texts)[language] : f.pkg.offering_code;
    // An offering off sale refuses every renewal: its lapsed pack waits for no money.
    return toPackageView(f, buckets, name, now, retryDays, record !== undefined && isOnSale(record.offering, now));
  });
  return query.include === 'all' ? views : views.filter((v) => v.status !== 'expired');
}

function toPackageView(found: LinePackage, buckets: Map<string, AccountState>, name: string, now: Date, retryDays: number, onSale: boolean): PackageView {
  const { pkg, latest } = found;
  const nowIso = now.toISOString();
  const awaiting = onSale && Number(pkg.auto_renew) === 1 && pkg.renewal_failed_period !== null && BigInt(pkg.renewal_failed_period) === BigInt(latest.period) + 1n
    && addDays(new Date(found.expiresAt), retryDays).toISOString() > nowIso;
  const status = found.expiresAt > nowIso ? 'active' : awaiting ? 'awaiting_funds' : 'expired';
  const byUnit = new Map<string, PackageView['allowances'][number]>();
  for (const id of found.liveBucketIds) {
    const bucket = buckets.get(id);
    if (!bucket || !bucket.expiresAt || bucket.expiresAt <= nowIso) continue;
    const entry = byUnit.get(bucket.unit) ?? { unit: bucket.unit, remaining: 0, buckets: [] };
    const remaining = Number(availableBalance(bucket));
    entry.remaining += remaining;
    entry.buckets.push({ id, remaining, expiresAt: bucket.expiresAt });
    byUnit.set(bucket.unit, entry);
  }
  return {
    id: pkg.id, offering: pkg.offering_code, kind: pkg.kind, name, status, startsAt: pkg.starts_at, expiresAt: found.expiresAt,
    autoRenew: Number(pkg.auto_renew) === 1, stacks: Number(pkg.stacks) === 1, periods: Number(latest.period) + 1,
    features: JSON.parse(pkg.features) as string[], allowances: [...byUnit.values()],
  };
}
