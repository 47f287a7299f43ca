import type { AppContext } from '../app-context.ts';
import { findVersion } from '../catalog/catalog-repository.ts';
import { listLinePackages } from './packages-repository.ts';

export interface PayAsYouGoRates {
  packageId: string;
  offering: string;
  /** Minor units per MB (1024² bytes), per minute and per SMS; null where the tariff sets none. */
  perMb: bigint | null;
  perMinute: bigint | null;
  perSms: bigint | null;
}

/**
 * The pay-as-you-go rates of the tariff a line is on now (the price version of its latest period),
 * or null when it has no active tariff. For the usage capability, which charges beyond the buckets.
 */
export async function activeTariffRates(ctx: AppContext, lineId: string): Promise<PayAsYouGoRates | null> {
  const now = ctx.clock.now().toISOString();
  const active = (await listLinePackages(ctx, lineId, now, 100)).find((p) => p.pkg.kind === 'tariff');
  if (!active) return null;
  const version = await findVersion(ctx, active.latest.offering_version_id);
  if (!version) return null;
  const rate = (value: bigint | null) => (value === null ? null : BigInt(value));
  return { packageId: active.pkg.id, offering: active.pkg.offering_code, perMb: rate(version.rate_per_mb), perMinute: rate(version.rate_per_minute), perSms: rate(version.rate_per_sms) };
}
