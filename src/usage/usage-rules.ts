import type { Unit } from '../domain/ledger.ts';

/** Pure rules of usage rating: which ledger unit a service uses and what pay-as-you-go costs. */
export const SERVICES = ['data', 'voice', 'sms'] as const;
export type Service = (typeof SERVICES)[number];

export const SERVICE_UNITS: Record<Service, Unit> = { data: 'DATA_BYTES', voice: 'VOICE_SECONDS', sms: 'SMS' };

export interface PaygRates {
  paygPerMbMinor: bigint;
  paygPerMinuteMinor: bigint;
  paygPerSmsMinor: bigint;
}

/** The units a rate is quoted per: a MB (1024² bytes), a minute, a message. */
export const RATE_UNITS: Record<Service, bigint> = { data: 1_048_576n, voice: 60n, sms: 1n };

/** A rate is `minor` per `units` of the service (RATE_UNITS). */
export function rateOf(service: Service, rates: PaygRates): { minor: bigint; units: bigint } {
  const minor = service === 'data' ? rates.paygPerMbMinor : service === 'voice' ? rates.paygPerMinuteMinor : rates.paygPerSmsMinor;
  return { minor, units: RATE_UNITS[service] };
}

/**
 * Prices `units` of one event, rounded up to the minor unit, limited to what `available` money
 * can pay: returns the units covered and their price (never above `available`).
 */
export function paygCharge(units: bigint, available: bigint, rate: { minor: bigint; units: bigint }): { covered: bigint; price: bigint } {
  if (units <= 0n) return { covered: 0n, price: 0n };
  if (rate.minor === 0n) return { covered: units, price: 0n };
  const full = ceilDiv(units * rate.minor, rate.units);
  if (full <= available) return { covered: units, price: full };
  if (available <= 0n) return { covered: 0n, price: 0n };
  const covered = (available * rate.units) / rate.minor;
  return { covered, price: ceilDiv(covered * rate.minor, rate.units) };
}

function ceilDiv(a: bigint, b: bigint): bigint {
  return (a + b - 1n) / b;
}

/** Percent-of-allowance thresholds that send an outbox event when a bucket's use crosses them. */
export const USAGE_THRESHOLDS_PERCENT = [80n, 100n] as const;

/** The thresholds crossed when a bucket of `total` units goes from `usedBefore` to `usedAfter` used. */
export function crossedThresholds(total: bigint, usedBefore: bigint, usedAfter: bigint): bigint[] {
  if (total <= 0n) return [];
  return USAGE_THRESHOLDS_PERCENT.filter((percent) => usedBefore * 100n < percent * total && usedAfter * 100n >= percent * total);
}
