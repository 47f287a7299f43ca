import type { AppContext } from '../app-context.ts';
import { parseInstant } from '../domain/time.ts';
import type { ErrorCode } from '../domain/errors.ts';
import type { AccountState, Unit } from '../domain/ledger.ts';
import { parseMsisdn } from '../domain/msisdn.ts';
import { lineMainAccountId } from '../ledger/accounts.ts';
import { idFloorAt } from '../platform/ids.ts';
import { findLinesByMsisdns, findLinesCreatedAt, findOpenBuckets, findRecordedEvents, findTariffPeriods, type RecordedEvent, type TariffPeriod, type UsageLine } from './usage-repository.ts';
import { SERVICE_UNITS, type Service } from './usage-rules.ts';

export interface UsageEventInput {
  id: string;
  msisdn: string;
  service: Service;
  units: number;
  at: string;
}

/** A line some event of the request is rated against, with its main account's id worked out once. */
export interface RatedLine extends UsageLine {
  mainAccountId: string;
}

export type PlannedEvent =
  | { kind: 'rejected'; id: string; code: ErrorCode }
  /** Recorded by an earlier request with the same line, service, units and time: its outcome then. */
  | { kind: 'duplicate'; id: string; consumed: number; charged: number; uncovered: number }
  /** The same event again within the request: the outcome of its first occurrence, `events[first]`. */
  | { kind: 'repeat'; id: string; first: number }
  | RateEvent;

/** An event to rate and record; `units` may be 0 (recorded, nothing consumed or charged). */
export interface RateEvent {
  kind: 'rate'; id: string; line: RatedLine; service: Service; unit: Unit; units: bigint; at: string;
  /** The line's buckets of the event's unit, earliest expiry first (no expiry last); shared by the line's events. */
  buckets: readonly AccountState[];
  /** The tariff period the event falls in, whose rates price it beyond the buckets; null: the default rates. */
  tariff: TariffPeriod | null;
}

export interface UsagePlan {
  events: PlannedEvent[];
  /** Every bucket some rated event may draw on (each once). */
  buckets: AccountState[];
  lines: RatedLine[];
  units: Set<Unit>;
}

const CANONICAL_MSISDN = /^\+77\d{9}$/;
/** The prefix of line ids (create-line.ts). */
const LINE_ID_PREFIX = 'ln';
const NO_BUCKETS: readonly AccountState[] = [];

/**
 * The reads before the one ledger command of a usage request: parse every event, then one query
 * for the event ids already recorded (with what each was recorded with), one for all lines, one
 * for all their buckets. (A join of lines and buckets measured slower on SQLite, 4.5 ms against
 * 3.6 ms for 1,000 lines: the buckets query walks the (owner_id, kind) index in the sorted order
 * of its IN list.)
 *
 * Per event, in this order: a malformed number or time is rejected; an id already recorded answers
 * that recording's outcome when the event is the same (line, service, units, time) and is rejected
 * as `event_id_reused` when it is not; an event dated more than the allowed skew after the server
 * clock is rejected; then the line must exist, not be terminated and not be younger than the event
 * (createdFloors); an id met earlier in the request repeats that event's outcome, or is rejected
 * when the event differs.
 */
export async function planUsage(ctx: AppContext, inputs: UsageEventInput[]): Promise<UsagePlan> {
  const msisdns = inputs.map((e) => (CANONICAL_MSISDN.test(e.msisdn) ? e.msisdn : parseOrNull(e.msisdn)));
  const [recorded, lines] = await Promise.all([
    findRecordedEvents(ctx, [...new Set(inputs.map((e) => e.id))]),
    findLinesByMsisdns(ctx, [...new Set(msisdns.filter((m): m is string => m !== null))]),
  ]);
  // Both ISO-8601 UTC with milliseconds (toISOString), so they compare as text.
  const skewMs = ctx.settings.usage.futureSkewSeconds * 1_000;
  const latest = new Date(ctx.clock.now().getTime() + skewMs).toISOString();
  // Events of one batch often share their time (to the second): each distinct text is parsed once.
  const instants = new Map<string, string | null>();
  const instantOf = (text: string): string | null => {
    let at = instants.get(text);
    if (at === undefined) {
      const ms = parseInstant(text);
      at = ms === null ? null : new Date(ms).toISOString();
      instants.set(text, at);
    }
    return at;
  };
  const floors = await createdFloors(ctx, inputs, msisdns, lines, instantOf, skewMs);
  const rated = new Map<string, RatedLine>();
  /** The index of the first event rated under each id, in this request. */
  const firstOf = new Map<string, number>();
  const units = new Set<Unit>();
  const events: PlannedEvent[] = new Array(inputs.length);
  for (let index = 0; index < inputs.length; index++) {
    const input = inputs[index]!;
    const msisdn = msisdns[index];
    if (msisdn === null || msisdn === undefined) {
      events[index] = { kind: 'rejected', id: input.id, code: 'msisdn_invalid' };
      continue;
    }
    const at = instantOf(input.at);
    if (at === null) {
      events[index] = { kind: 'rejected', id: input.id, code: 'validation_failed' };
      continue;
    }
    const line = lines.get(msisdn);
    const stored = recorded.get(input.id);
    if (stored !== undefined) {
      events[index] = sameEvent(stored, line, input, at)
        ? { kind: 'duplicate', id: input.id, consumed: stored.consumed, charged: stored.charged, uncovered: stored.uncovered }
        : { kind: 'rejected', id: input.id, code: 'event_id_reused' };
      continue;
    }
    if (at > latest) {
      events[index] = { kind: 'rejected', id: input.id, code: 'event_in_future' };
      continue;
    }
    if (!line) {
      events[index] = { kind: 'rejected', id: input.id, code: 'line_not_found' };
      continue;
    }
    if (line.status === 'terminated') {
      events[index] = { kind: 'rejected', id: input.id, code: 'line_terminated' };
      continue;
    }
    const floor = floors.get(line.id);
    if (floor !== undefined && at < floor) {
      events[index] = { kind: 'rejected', id: input.id, code: 'event_before_line' };
      continue;
    }
    const first = firstOf.get(input.id);
    if (first !== undefined) {
      const earlier = events[first] as RateEvent;
      events[index] = sameEvent({ lineId: earlier.line.id, service: earlier.service, units: earlier.units, at: earlier.at }, line, input, at)
        ? { kind: 'repeat', id: input.id, first }
        : { kind: 'rejected', id: input.id, code: 'event_id_reused' };
      continue;
    }
    firstOf.set(input.id, index);
    const count = BigInt(input.units);
    let ratedLine = rated.get(line.id);
    if (!ratedLine) {
      // Written out, not `{ ...line, mainAccountId }`: V8 (Node 20) adds a property to a spread copy
      // through a slow path, ~1.1 µs each (batch-tx.ts's stage says more).
      ratedLine = { id: line.id, msisdn: line.msisdn, status: line.status, language: line.language, mainAccountId: lineMainAccountId(line.id) };
      // An event of no units (a call of 0 s, a session of 0 bytes) is recorded and touches no
      // account: its line's buckets are not read nor its accounts locked for it.
      if (count > 0n) rated.set(line.id, ratedLine);
    }
    const unit = SERVICE_UNITS[input.service];
    if (count > 0n) units.add(unit);
    events[index] = { kind: 'rate', id: input.id, line: ratedLine, service: input.service, unit, units: count, at, buckets: NO_BUCKETS, tariff: null };
  }
  let earliest: string | null = null;
  for (const event of events) if (event.kind === 'rate' && event.units > 0n && (earliest === null || event.at < earliest)) earliest = event.at;
  const lineIds = [...rated.keys()];
  const [buckets, tariffs] = earliest === null ? [[], []] : await Promise.all([findOpenBuckets(ctx, lineIds, earliest), findTariffPeriods(ctx, lineIds, earliest)]);
  if (buckets.length > 0) attachBuckets(events, buckets);
  if (tariffs.length > 0) attachTariffs(events, tariffs);
  return { events, buckets, lines: [...rated.values()], units };
}

/**
 * The earliest time each line's events may be dated: its creation, less the skew the network's
 * clocks are allowed (USAGE_FUTURE_SKEW_SECONDS). A number a terminated line gave up goes to a new
 * line: a late event of the old line's subscriber, dated before the new line existed, is not the
 * new subscriber's to pay. A line's id carries a time no earlier than its creation (ids sort by
 * time), so only a line whose id is above the smallest id made at an event's time plus the skew
 * has its `created_at` read: none on the hot path, where the comparison is of text (the floor is
 * worked out once per distinct time). Lines absent from the answer take any event.
 */
async function createdFloors(ctx: AppContext, inputs: UsageEventInput[], msisdns: (string | null)[], lines: Map<string, UsageLine>, instantOf: (text: string) => string | null, skewMs: number): Promise<Map<string, string>> {
  const idFloors = new Map<string, string | null>();
  const suspects = new Set<string>();
  for (let index = 0; index < inputs.length; index++) {
    const msisdn = msisdns[index];
    const line = msisdn ? lines.get(msisdn) : undefined;
    if (!line || suspects.has(line.id)) continue;
    const text = inputs[index]!.at;
    let idFloor = idFloors.get(text);
    if (idFloor === undefined) {
      const at = instantOf(text);
      idFloor = at === null ? null : idFloorAt(LINE_ID_PREFIX, Date.parse(at) + skewMs);
      idFloors.set(text, idFloor);
    }
    if (idFloor !== null && line.id > idFloor) suspects.add(line.id);
  }
  const floors = new Map<string, string>();
  if (suspects.size === 0) return floors;
  for (const [lineId, createdAt] of await findLinesCreatedAt(ctx, [...suspects])) floors.set(lineId, new Date(Date.parse(createdAt) - skewMs).toISOString());
  return floors;
}

/** Whether an event sent again is the one recorded (or met earlier in the request) under its id: same line, service, units and time. */
function sameEvent(stored: Pick<RecordedEvent, 'lineId' | 'service' | 'units' | 'at'>, line: UsageLine | undefined, input: UsageEventInput, at: string): boolean {
  return line !== undefined && stored.lineId === line.id && stored.service === input.service && stored.units === BigInt(input.units) && stored.at === at;
}

/** Gives each rated event the tariff period of its line it falls in (the latest begun, should two overlap). */
function attachTariffs(events: PlannedEvent[], periods: TariffPeriod[]): void {
  const byLine = new Map<string, TariffPeriod[]>();
  for (const period of periods) {
    const list = byLine.get(period.line_id);
    if (list) list.push(period);
    else byLine.set(period.line_id, [period]);
  }
  for (const event of events) {
    if (event.kind !== 'rate') continue;
    for (const period of byLine.get(event.line.id) ?? []) {
      if (period.starts_at <= event.at && event.at < period.expires_at && (event.tariff === null || period.starts_at > event.tariff.starts_at)) event.tariff = period;
    }
  }
}

/** Gives each rated event its line's buckets of its unit, earliest expiry first (no expiry last). */
function attachBuckets(events: PlannedEvent[], buckets: AccountState[]): void {
  const groups = new Map<string, AccountState[]>();
  for (const bucket of buckets) {
    const key = `${bucket.ownerId}/${bucket.unit}`;
    const group = groups.get(key);
    if (group) group.push(bucket);
    else groups.set(key, [bucket]);
  }
  for (const group of groups.values()) group.sort(byExpiry);
  for (const event of events) {
    if (event.kind === 'rate') event.buckets = groups.get(`${event.line.id}/${event.unit}`) ?? NO_BUCKETS;
  }
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
