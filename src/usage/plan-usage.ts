import type { AppContext } from '../app-context.ts';
import { parseInstant } from '../domain/time.ts';
import type { ErrorCode } from '../domain/errors.ts';
import type { AccountState, Unit } from '../domain/ledger.ts';
import { parseMsisdn } from '../domain/msisdn.ts';
import { findLinesByMsisdns, findOpenBuckets, findRecordedEventIds, type UsageLine } from './usage-repository.ts';
import { SERVICE_UNITS, type Service } from './usage-rules.ts';

export interface UsageEventInput {
  id: string;
  msisdn: string;
  service: Service;
  units: number;
  at: string;
}

export type PlannedEvent =
  | { kind: 'rejected'; id: string; code: ErrorCode }
  | { kind: 'duplicate'; id: string }
  | { kind: 'rate'; id: string; line: UsageLine; service: Service; unit: Unit; units: bigint; at: string };

export interface UsagePlan {
  events: PlannedEvent[];
  /** Per line and unit, the line's buckets with units left, earliest expiry first (no expiry last). */
  buckets: Map<string, AccountState[]>;
  lines: UsageLine[];
  units: Set<Unit>;
}

const CANONICAL_MSISDN = /^\+77\d{9}$/;

export const bucketGroupKey = (lineId: string, unit: Unit) => `${lineId}/${unit}`;

/**
 * The reads before the one ledger command of a usage request: parse every event, then one query
 * for the event ids already recorded, one for all lines, one for all their buckets.
 */
export async function planUsage(ctx: AppContext, inputs: UsageEventInput[]): Promise<UsagePlan> {
  const msisdns = inputs.map((e) => (CANONICAL_MSISDN.test(e.msisdn) ? e.msisdn : parseOrNull(e.msisdn)));
  const [recorded, lines] = await Promise.all([
    findRecordedEventIds(ctx, [...new Set(inputs.map((e) => e.id))]),
    findLinesByMsisdns(ctx, [...new Set(msisdns.filter((m): m is string => m !== null))]),
  ]);
  const events = inputs.map((input, index): PlannedEvent => {
    if (recorded.has(input.id)) return { kind: 'duplicate', id: input.id };
    const msisdn = msisdns[index];
    if (msisdn === null || msisdn === undefined) return { kind: 'rejected', id: input.id, code: 'msisdn_invalid' };
    const at = parseInstant(input.at);
    if (at === null) return { kind: 'rejected', id: input.id, code: 'validation_failed' };
    const line = lines.get(msisdn);
    if (!line) return { kind: 'rejected', id: input.id, code: 'line_not_found' };
    if (line.status === 'terminated') return { kind: 'rejected', id: input.id, code: 'line_terminated' };
    return { kind: 'rate', id: input.id, line, service: input.service, unit: SERVICE_UNITS[input.service], units: BigInt(input.units), at: new Date(at).toISOString() };
  });
  const used = events.filter((e) => e.kind === 'rate');
  const usedLines = new Map(used.map((e) => [e.line.id, e.line]));
  const buckets = new Map<string, AccountState[]>();
  for (const bucket of await findOpenBuckets(ctx, [...usedLines.keys()])) {
    const key = bucketGroupKey(bucket.ownerId!, bucket.unit);
    buckets.set(key, [...(buckets.get(key) ?? []), bucket]);
  }
  for (const group of buckets.values()) group.sort(byExpiry);
  return { events, buckets, lines: [...usedLines.values()], units: new Set(used.map((e) => e.unit)) };
}

function parseOrNull(input: string): string | null {
  const parsed = parseMsisdn(input);
  return parsed.ok ? parsed.value : null;
}

function byExpiry(a: AccountState, b: AccountState): number {
  if (a.expiresAt === b.expiresAt) return a.id < b.id ? -1 : 1;
  if (a.expiresAt === null) return 1;
  if (b.expiresAt === null) return -1;
  return a.expiresAt < b.expiresAt ? -1 : 1;
}
