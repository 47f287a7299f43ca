import { availableBalance, type AccountState } from '../domain/ledger.ts';
import { announceLowBalance } from '../reminders/low-balance.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { consumptionAccountId, lineMainAccountId } from '../ledger/accounts.ts';
import type { BatchTx } from '../ledger/batch-tx.ts';
import type { LedgerCommand } from '../ledger/ledger-writer.ts';
import type { UsagePlan } from './plan-usage.ts';
import type { TariffPeriod } from './usage-repository.ts';
import { crossedThresholds, paygCharge, RATE_UNITS, rateOf, type PaygRates, type Service } from './usage-rules.ts';

export const USAGE_REVENUE_ACCOUNT_ID = 'revenue:usage';

export interface UsageResult {
  id: string;
  status: 'recorded' | 'duplicate' | 'rejected';
  /** Units taken from buckets. */
  consumed: number;
  /** Minor units taken from the main balance (pay-as-you-go). */
  charged: number;
  /** Units neither a bucket nor the balance covered. */
  uncovered: number;
  code?: string;
}

export interface UsageRating extends PaygRates {
  paygAllowed: boolean;
  /** The main balance below which a charge tells the subscriber (settings.reminders.balanceLowMinor); 0: never. */
  balanceLowMinor?: bigint;
}

/** Everything the command may touch: the lines' main accounts, their buckets and the operator's accounts. */
export function usageLocks(plan: UsagePlan, rating: UsageRating): string[] {
  const accounts = plan.buckets.map((b) => b.id);
  for (const unit of plan.units) accounts.push(consumptionAccountId(unit));
  if (rating.paygAllowed) {
    accounts.push(USAGE_REVENUE_ACCOUNT_ID);
    for (const line of plan.lines) accounts.push(line.mainAccountId);
  }
  return accounts;
}

/**
 * Rates every event in order against running balances: buckets of the event's unit that are
 * unexpired at the event's time, earliest expiry first; then pay-as-you-go from the main balance
 * when allowed; the rest is reported uncovered. The ledger gets one transfer per bucket and one
 * per line's balance for the whole request; each event is recorded in usage_events (one of no
 * units too, with nothing consumed or charged). A duplicate answers the outcome first recorded.
 */
export function consumeUsage(tx: BatchTx, plan: UsagePlan, rating: UsageRating, replanIfStale = false): Result<UsageResult[]> {
  if (replanIfStale && planIsStale(tx, plan)) return fail('usage_plan_stale');
  const drawn = new Map<string, bigint>();
  const charged = new Map<string, bigint>();
  const rates = { data: rateOf('data', rating), voice: rateOf('voice', rating), sms: rateOf('sms', rating) };
  const results: UsageResult[] = new Array(plan.events.length);
  for (let index = 0; index < plan.events.length; index++) {
    const event = plan.events[index]!;
    if (event.kind === 'rejected') {
      results[index] = { id: event.id, status: 'rejected', consumed: 0, charged: 0, uncovered: 0, code: event.code };
      continue;
    }
    if (event.kind === 'duplicate') {
      results[index] = { id: event.id, status: 'duplicate', consumed: event.consumed, charged: event.charged, uncovered: event.uncovered };
      continue;
    }
    if (event.kind === 'repeat') {
      const first = results[event.first]!;
      results[index] = { id: event.id, status: 'duplicate', consumed: first.consumed, charged: first.charged, uncovered: first.uncovered };
      continue;
    }
    let remaining = event.units;
    for (const bucket of event.buckets) {
      if (remaining === 0n) break;
      if (bucket.expiresAt !== null && bucket.expiresAt <= event.at) continue;
      const before = drawn.get(bucket.id) ?? 0n;
      const left = availableBalance(tx.account(bucket.id)!) - before;
      const take = left < remaining ? left : remaining;
      if (take <= 0n) continue;
      drawn.set(bucket.id, before + take);
      remaining -= take;
    }
    const consumed = event.units - remaining;
    let price = 0n;
    // The tariff the line is on prices what the buckets did not cover; a service it sets no rate
    // for is not pay-as-you-go under it. A line on no tariff pays the default rates (settings).
    const rate = event.tariff === null ? rates[event.service] : tariffRate(event.service, event.tariff);
    if (remaining > 0n && rating.paygAllowed && rate !== null) {
      const mainId = event.line.mainAccountId;
      const before = charged.get(mainId) ?? 0n;
      const available = availableBalance(tx.account(mainId)!) - before;
      const charge = paygCharge(remaining, available, rate);
      price = charge.price;
      remaining -= charge.covered;
      if (price > 0n) charged.set(mainId, before + price);
    }
    tx.insert('usage_events', {
      id: event.id, line_id: event.line.id, service: event.service, units: event.units, at: event.at,
      consumed, charged: price, uncovered: remaining, recorded_at: tx.nowIso,
    });
    results[index] = { id: event.id, status: 'recorded', consumed: Number(consumed), charged: Number(price), uncovered: Number(remaining) };
  }
  const posted = postTotals(tx, plan, drawn, charged, rating.balanceLowMinor ?? 0n);
  return posted.ok ? ok(results) : posted;
}

/**
 * Whether a bucket the plan read with units left has none now: between the plan's reads and this
 * command, a renewal moved its units into a bucket of the new period (which the plan never saw),
 * termination forfeited it, or another request used it up. Rated on the plan, the request's events
 * would pay as they go for units the line still holds: planned again, they are read afresh.
 */
function planIsStale(tx: BatchTx, plan: UsagePlan): boolean {
  for (const planned of plan.buckets) {
    if (availableBalance(planned) > 0n && availableBalance(tx.account(planned.id)!) <= 0n) return true;
  }
  return false;
}

/** A tariff period's rate for a service, as rateOf gives the default ones; null when the tariff sets none. */
function tariffRate(service: Service, tariff: TariffPeriod): { minor: bigint; units: bigint } | null {
  const minor = service === 'data' ? tariff.rate_per_mb : service === 'voice' ? tariff.rate_per_minute : tariff.rate_per_sms;
  return minor === null ? null : { minor: BigInt(minor), units: RATE_UNITS[service] };
}

function postTotals(tx: BatchTx, plan: UsagePlan, drawn: Map<string, bigint>, charged: Map<string, bigint>, balanceLow: bigint): Result<void> {
  const lines = new Map(plan.lines.map((l) => [l.id, l]));
  for (const [bucketId, units] of drawn) {
    const before = tx.account(bucketId)!;
    const moved = tx.transfer({ debitAccountId: bucketId, creditAccountId: consumptionAccountId(before.unit), amount: units, unit: before.unit, code: 'usage' });
    if (!moved.ok) return fail('internal_error', { step: 'bucket', code: moved.code });
    announceThresholds(tx, before, tx.account(bucketId)!, lines.get(before.ownerId!));
  }
  for (const [mainId, amount] of charged) {
    const before = tx.account(mainId)!;
    const moved = tx.transfer({ debitAccountId: mainId, creditAccountId: USAGE_REVENUE_ACCOUNT_ID, amount, unit: 'KZT', code: 'usage' });
    if (!moved.ok) return fail('internal_error', { step: 'payg', code: moved.code });
    announceLowBalance(tx, before, tx.account(mainId)!, lines.get(before.ownerId!), balanceLow);
  }
  return ok(undefined);
}

function announceThresholds(tx: BatchTx, before: AccountState, after: AccountState, line: { id: string; msisdn: string; language: string } | undefined): void {
  const used = (a: AccountState) => a.debitsPosted + a.debitsPending;
  for (const percent of crossedThresholds(before.creditsPosted, used(before), used(after))) {
    tx.outbox('bucket.usage_threshold', {
      lineId: before.ownerId, msisdn: line?.msisdn ?? null, language: line?.language ?? 'en', accountId: before.id, unit: before.unit,
      thresholdPercent: Number(percent), total: Number(after.creditsPosted), remaining: Number(availableBalance(after)),
    });
  }
}

/** `replanIfStale`: refuse with `usage_plan_stale` when the plan's buckets changed under it (planIsStale), for the caller to plan again. */
export function usageCommand(plan: UsagePlan, rating: UsageRating, replanIfStale = false): LedgerCommand<UsageResult[]> {
  return { name: 'usage', lock: { accounts: usageLocks(plan, rating) }, weight: plan.events.length, execute: (tx) => consumeUsage(tx, plan, rating, replanIfStale) };
}
