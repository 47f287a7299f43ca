import { assert } from '../domain/assert.ts';
import { announceLowBalance } from '../reminders/low-balance.ts';
import { AccountFlags, availableBalance } from '../domain/ledger.ts';
import { toJsonAmount } from '../domain/money.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { isOnSale, periodEnd, termsOf, type VersionTerms } from '../catalog/offering.ts';
import type { OfferingRecord } from '../catalog/catalog-repository.ts';
import { issuanceAccountId, lineBonusAccountId, lineMainAccountId, PROMOTIONS_EXPENSE_ACCOUNT_ID, revenueAccountId } from '../ledger/accounts.ts';
import type { BatchTx } from '../ledger/batch-tx.ts';
import type { LedgerCommand } from '../ledger/ledger-writer.ts';
import { allocateReceipt, receiptCounterFor } from '../receipts/allocate-receipt.ts';
import { limitRefusal, promotionLineUsesKey, promotionUsesKey, type PriceQuote } from '../promotions/promotion.ts';
import { ALLOWANCE_UNITS, bucketAccountId, lineKindSlotKey, packageAutoRenewOffKey, packageExpiresKey, packagePeriodKey, packageRunStartKey, ROLLOVER_GRACE_MS, type AllowanceUnit } from './package-keys.ts';
import { statusAt } from '../lifecycle/lifecycle-rules.ts';
import { lineCreditAccountId, outstandingOf } from '../credit/credit-accounts.ts';

export type PeriodReason = 'purchase' | 'renewal' | 'auto_renewal';

/** Everything one purchase or renewal needs, read before the command is queued. */
export interface PeriodPlan {
  reason: PeriodReason;
  packageId: string;
  lineId: string;
  record: OfferingRecord;
  quote: PriceQuote;
  /** How many periods the package had when the plan was made (0 for a purchase). */
  expectedPeriods: bigint;
  /** Buckets of the latest period, whose remaining units an extending renewal carries over. */
  previousBucketIds: string[];
  autoRenew: boolean;
  actorId: string;
  /** When the package was first bought (packages.starts_at), for a renewal: monthly periods keep its day of the month. */
  anchorAt?: string;
  /** The main balance below which paying tells the subscriber (settings.reminders.balanceLowMinor); 0 or absent: never. */
  balanceLowMinor?: bigint;
  /**
   * Set by the renewal job when no earlier attempt at this period failed: the renewal was due at the
   * package's end and only the system made it late (downtime, a backlog), so the latest period's
   * units carry over however late it runs (the expiry job leaves them until the renewal job has
   * looked: expiredPeriodsToClose).
   */
  firstAutomaticAttempt?: boolean;
  /**
   * A renewal's package's own rule (packages.stacks), as it was bought: an admin's later change of
   * the offering's `stacks` is for new purchases, and must not make a renewal of a one-at-a-time
   * pack start now instead of at its end (the paid days between lost).
   */
  packageStacks?: boolean;
}

export interface PeriodResult {
  id: string;
  lineId: string;
  msisdn: string;
  offering: string;
  offeringVersion: number;
  kind: string;
  period: number;
  reason: PeriodReason;
  listPrice: number;
  discount: number;
  pricePaid: number;
  paidFromBonus: number;
  paidFromMain: number;
  currency: 'KZT';
  promoCode: string | null;
  startsAt: string;
  expiresAt: string;
  autoRenew: boolean;
  receiptNumber: string;
  allowances: { unit: AllowanceUnit; amount: number; carriedOver: number; bucketId: string; expiresAt: string }[];
  balanceAfter: { main: number; bonus: number };
  createdAt: string;
}

const AMOUNT_OF: Record<AllowanceUnit, (terms: VersionTerms) => bigint> = {
  DATA_BYTES: (t) => t.dataBytes, VOICE_SECONDS: (t) => t.voiceSeconds, SMS: (t) => t.smsCount,
};

export function periodCommand(plan: PeriodPlan, idempotency?: LedgerCommand<PeriodResult>['idempotency']): LedgerCommand<PeriodResult> {
  const { lineId, packageId, quote } = plan;
  const stacks = plan.packageStacks ?? Number(plan.record.offering.stacks) === 1;
  const promotion = quote.promotion;
  const terms = termsOf(plan.record.version);
  const grantedUnits = ALLOWANCE_UNITS.filter((unit) => AMOUNT_OF[unit](terms) > 0n);
  const packageCounters = [packagePeriodKey(packageId), packageExpiresKey(packageId), ...(terms.feePeriod === 'monthly' ? [packageRunStartKey(packageId)] : [])];
  return {
    name: `package_${plan.reason}`,
    idempotency,
    // Only what this period moves: the issuance accounts of the units it grants and the promotions
    // expense when there is a discount are hot rows that every other purchase locks too.
    lock: (now) => ({
      lines: [lineId],
      accounts: [lineMainAccountId(lineId), lineBonusAccountId(lineId), revenueAccountId('packages'),
        ...(quote.discount > 0n ? [PROMOTIONS_EXPENSE_ACCOUNT_ID] : []),
        ...grantedUnits.map(issuanceAccountId), ...plan.previousBucketIds,
        // A renewal refused on a line whose validity ended tells what a top-up must bring, its debt included.
        ...(plan.reason === 'auto_renewal' ? [lineCreditAccountId(lineId)] : [])],
      // A purchase's package id is new: no one else can know its counters yet.
      ...(plan.reason === 'purchase' ? { freshCounters: packageCounters } : {}),
      counters: [receiptCounterFor(now), ...(plan.reason === 'purchase' ? [] : packageCounters),
        ...(stacks ? [] : [lineKindSlotKey(lineId, plan.record.offering.kind)]),
        ...(plan.reason === 'auto_renewal' ? [packageAutoRenewOffKey(packageId)] : []),
        ...(promotion ? [promotionUsesKey(promotion.id), promotionLineUsesKey(promotion.id, lineId)] : [])],
    }),
    execute: (tx) => applyPeriod(tx, plan, stacks),
  };
}

/**
 * The price from the bonus balance first (bonus money is for packages only), the rest from the main
 * balance; what the main one lacks, less `owed` (a debt the next top-up repays first from it).
 */
function paymentOf(tx: BatchTx, lineId: string, price: bigint, owed = 0n): { fromBonus: bigint; fromMain: bigint; shortfall: bigint } {
  const bonusAvailable = availableBalance(tx.account(lineBonusAccountId(lineId))!);
  const fromBonus = bonusAvailable < price ? bonusAvailable : price;
  const fromMain = price - fromBonus;
  const mainAvailable = availableBalance(tx.account(lineMainAccountId(lineId))!) - owed;
  return { fromBonus, fromMain, shortfall: fromMain > mainAvailable ? fromMain - mainAvailable : 0n };
}

/**
 * One purchase or renewal as one linked group: the price from the bonus balance first (bonus money
 * is for packages only), then the main balance, to revenue:packages at list price with the discount
 * from expense:promotions; each allowance from issuance:<unit> into a new bucket that expires with
 * the period; the package and period rows, the receipt and the outbox event. All or nothing.
 */
function applyPeriod(tx: BatchTx, plan: PeriodPlan, stacks: boolean): Result<PeriodResult> {
  const { lineId, packageId, quote, record } = plan;
  const line = tx.line(lineId);
  assert(line, 'the line is locked by the command');
  if (line.status === 'terminated') return fail('line_terminated');
  // A line in grace takes incoming calls only and a suspended one nothing: a pack bought or renewed
  // then would run out unused. A top-up that brings the line back lets the renewal job retry
  // (PACKAGE_RENEWAL_RETRY_DAYS). A preactive line (a traveller's eSIM before arrival) may buy.
  // An active line whose validity has ended is in grace already (statusAt): after downtime the
  // renewal job runs before the lifecycle job. A counter sale's top-up, earlier in the same command,
  // has extended the validity by then.
  const status = statusAt(line.status, line.validUntil, tx.nowIso);
  if (status !== 'active' && status !== 'preactive') {
    // The job's failure SMS says what a top-up must bring when the balance is short too: the top-up
    // that brings the line back would otherwise be taken for enough, and renew nothing. A promised
    // payment's debt is counted in: the top-up repays it first (collectCredit), the pack gets the rest.
    const short = plan.reason === 'auto_renewal' ? paymentOf(tx, lineId, quote.price, outstandingOf(tx.account(lineCreditAccountId(lineId)))).shortfall : 0n;
    return fail('line_status_invalid', short > 0n ? { status, shortfall: toJsonAmount(short), price: toJsonAmount(quote.price) } : { status });
  }
  if (!isOnSale(record.offering, tx.nowIso)) return fail('offering_unavailable', { code: record.offering.code });
  const periods = tx.counter(packagePeriodKey(packageId));
  if (periods !== plan.expectedPeriods) return fail('package_renewal_conflict', { periods: Number(periods) });
  const nowMs = BigInt(tx.now.getTime());
  // An automatic renewal is due only once the package has ended: a job that planned from a stale
  // read (another process renewed meanwhile) must not add a period after the one just added.
  if (plan.reason === 'auto_renewal' && tx.counter(packageExpiresKey(packageId)) > nowMs) return fail('package_renewal_conflict', { reason: 'not_due' });
  // Turned off since the job read the package (its next run reads the flag and leaves the pack alone).
  if (plan.reason === 'auto_renewal' && tx.counter(packageAutoRenewOffKey(packageId)) !== 0n) return fail('package_renewal_conflict', { reason: 'auto_renew_off' });
  const slotKey = lineKindSlotKey(lineId, record.offering.kind);
  if (plan.reason === 'purchase' && !stacks && tx.counter(slotKey) > nowMs) return fail('package_already_active', { kind: record.offering.kind });
  // A renewal may extend the pack that holds the slot, never revive one whose slot another pack of
  // the kind took meanwhile (bought after this one ended): one non-stacking pack of a kind at a time.
  if (plan.reason !== 'purchase' && !stacks && tx.counter(slotKey) > nowMs && tx.counter(slotKey) > tx.counter(packageExpiresKey(packageId))) {
    return fail('package_already_active', { kind: record.offering.kind });
  }
  if (quote.promotion) {
    const refusal = limitRefusal(quote.promotion, tx.counter(promotionUsesKey(quote.promotion.id)), tx.counter(promotionLineUsesKey(quote.promotion.id, lineId)));
    // An automatic promotion another sale used up while this renewal waited: the renewal is planned
    // again at the price of now (the job next run, renewPackage at once), never a failed renewal.
    // A buyer, or a code the subscriber gave, hears the refusal and quotes again.
    if (refusal && quote.promotion.code === null && plan.reason !== 'purchase') return fail('package_renewal_conflict', { reason: 'promotion_used_up' });
    if (refusal) return fail(refusal);
  }
  const mainId = lineMainAccountId(lineId);
  const bonusId = lineBonusAccountId(lineId);
  const { fromBonus, fromMain, shortfall } = paymentOf(tx, lineId, quote.price);
  if (shortfall > 0n) return fail('balance_insufficient', { shortfall: toJsonAmount(shortfall), price: toJsonAmount(quote.price) });
  const revenueId = revenueAccountId('packages');
  // The receipt before the money moves, so that the line's history names it (a refused command takes none).
  const receiptNumber = allocateReceipt(tx, { kind: plan.reason === 'purchase' ? 'package' : 'package_renewal', referenceId: packageId, lineId, amount: quote.price, currency: 'KZT' });
  const metadata = { packageId, offering: record.offering.code, receipt: receiptNumber };
  const mainBefore = tx.account(mainId)!;
  for (const [from, amount, code] of [[bonusId, fromBonus, 'package_purchase'], [mainId, fromMain, 'package_purchase'], [PROMOTIONS_EXPENSE_ACCOUNT_ID, quote.discount, 'promotion']] as const) {
    if (amount === 0n) continue;
    const moved = tx.transfer({ debitAccountId: from, creditAccountId: revenueId, amount, unit: 'KZT', code, metadata });
    if (!moved.ok) return fail(moved.code);
  }
  announceLowBalance(tx, mainBefore, tx.account(mainId)!, line, plan.balanceLowMinor ?? 0n);
  const terms = termsOf(record.version);
  const currentEndMs = tx.counter(packageExpiresKey(packageId));
  // Stacking: a new period runs from now beside the old one. Extending: a renewal before the end,
  // or within ROLLOVER_GRACE_MS after it (the automatic renewal's usual case, seconds after), continues
  // the run from the current end, and the latest period's unused units move into the new buckets;
  // a later one starts a new run now, the old buckets' units gone to breakage.
  // An automatic renewal's first attempt carries the units over even later than that; its period
  // starts now if it is later than ROLLOVER_GRACE_MS, so that the subscriber loses no paid days to
  // the system's delay.
  const continuing = !stacks && plan.reason !== 'purchase' && nowMs - currentEndMs <= BigInt(ROLLOVER_GRACE_MS);
  const carrying = continuing || (!stacks && plan.reason === 'auto_renewal' && plan.firstAutomaticAttempt === true);
  const start = continuing ? new Date(Number(currentEndMs)) : tx.now;
  const end = periodEnd(start, terms, monthlyAnchor(tx, plan, terms, continuing, start));
  // Each time as text once: Date's toISOString costs ~0.5 µs, and each was written three times.
  const startsAt = start === tx.now ? tx.nowIso : start.toISOString();
  const endsAt = end.toISOString();
  const allowances = addBuckets(tx, plan, periods, terms, endsAt, !stacks, carrying ? new Date(Number(currentEndMs)).toISOString() : null);
  if (!allowances.ok) return allowances;
  const endMs = BigInt(end.getTime());
  if (endMs > currentEndMs) tx.increment(packageExpiresKey(packageId), endMs - currentEndMs);
  if (!stacks && endMs > tx.counter(slotKey)) tx.increment(slotKey, endMs - tx.counter(slotKey));
  tx.increment(packagePeriodKey(packageId));
  if (quote.promotion) {
    tx.increment(promotionUsesKey(quote.promotion.id));
    tx.increment(promotionLineUsesKey(quote.promotion.id, lineId));
  }
  const packageEnd = new Date(Number(endMs > currentEndMs ? endMs : currentEndMs)).toISOString();
  recordRows(tx, plan, periods, startsAt, endsAt, allowances.value.map((a) => a.bucketId), receiptNumber, stacks);
  const result: PeriodResult = {
    id: packageId, lineId, msisdn: line.msisdn, offering: record.offering.code, offeringVersion: Number(record.version.version),
    kind: record.offering.kind, period: Number(periods), reason: plan.reason, listPrice: toJsonAmount(quote.listPrice),
    discount: toJsonAmount(quote.discount), pricePaid: toJsonAmount(quote.price), paidFromBonus: toJsonAmount(fromBonus),
    paidFromMain: toJsonAmount(fromMain), currency: 'KZT', promoCode: quote.promotion?.code ?? null, startsAt,
    expiresAt: packageEnd, autoRenew: plan.autoRenew, receiptNumber, allowances: allowances.value,
    balanceAfter: { main: toJsonAmount(availableBalance(tx.account(mainId)!)), bonus: toJsonAmount(availableBalance(tx.account(bonusId)!)) },
    createdAt: tx.nowIso,
  };
  tx.outbox(plan.reason === 'purchase' ? 'package.purchased' : 'package.renewed', {
    packageId, lineId, msisdn: line.msisdn, offering: result.offering, period: result.period, pricePaid: result.pricePaid,
    expiresAt: packageEnd, receiptNumber, language: line.language, actorId: plan.actorId,
  });
  return ok(result);
}

/**
 * The day of the month a monthly period keeps (periodEnd's anchor): the start of the run of periods
 * it continues, kept in a counter; a new run (a purchase, a renewal after a gap) starts it afresh.
 * Packages bought before the counter existed fall back to their purchase time once.
 */
function monthlyAnchor(tx: BatchTx, plan: PeriodPlan, terms: VersionTerms, continuing: boolean, start: Date): Date {
  if (terms.feePeriod !== 'monthly') return start;
  const key = packageRunStartKey(plan.packageId);
  const kept = tx.counter(key);
  const anchorMs = !continuing ? BigInt(start.getTime()) : kept > 0n ? kept : BigInt(Date.parse(plan.anchorAt ?? start.toISOString()));
  if (anchorMs !== kept) tx.increment(key, anchorMs - kept);
  return new Date(Number(anchorMs));
}

/** `carryFrom`: the latest period's buckets ending at or after this instant carry over (null: none). */
function addBuckets(tx: BatchTx, plan: PeriodPlan, period: bigint, terms: VersionTerms, expiresAt: string, carryOver: boolean, carryFrom: string | null): Result<PeriodResult['allowances']> {
  const allowances: PeriodResult['allowances'] = [];
  for (const unit of ALLOWANCE_UNITS) {
    const amount = AMOUNT_OF[unit](terms);
    const previous = carryOver && carryFrom !== null ? plan.previousBucketIds.map((id) => tx.account(id)).filter((a) => a && a.unit === unit && a.expiresAt && a.expiresAt >= carryFrom) : [];
    const carried = previous.map((a) => availableBalance(a!)).filter((v) => v > 0n);
    if (amount === 0n && carried.length === 0) continue;
    const bucketId = bucketAccountId(plan.packageId, period, unit);
    tx.createAccount({ id: bucketId, unit, kind: 'bucket', ownerId: plan.lineId, flags: AccountFlags.debitsMustNotExceedCredits, expiresAt });
    if (amount > 0n) {
      const issued = tx.transfer({ debitAccountId: issuanceAccountId(unit), creditAccountId: bucketId, amount, unit, code: 'package_allowance', metadata: { packageId: plan.packageId } });
      if (!issued.ok) return fail(issued.code);
    }
    let carriedOver = 0n;
    for (const account of previous) {
      const remaining = availableBalance(account!);
      if (remaining <= 0n) continue;
      const moved = tx.transfer({ debitAccountId: account!.id, creditAccountId: bucketId, amount: remaining, unit, code: 'package_rollover', metadata: { packageId: plan.packageId } });
      if (!moved.ok) return fail(moved.code);
      carriedOver += remaining;
    }
    allowances.push({ unit, amount: Number(amount + carriedOver), carriedOver: Number(carriedOver), bucketId, expiresAt });
  }
  return ok(allowances);
}

function recordRows(tx: BatchTx, plan: PeriodPlan, period: bigint, startsAt: string, expiresAt: string, bucketIds: string[], receiptNumber: string, stacks: boolean): void {
  const { record, quote } = plan;
  if (plan.reason === 'purchase') {
    tx.insert('packages', {
      id: plan.packageId, line_id: plan.lineId, offering_id: record.offering.id, offering_code: record.offering.code, kind: record.offering.kind,
      offering_version_id: record.version.id, price_paid: quote.price, currency: 'KZT', starts_at: startsAt, expires_at: expiresAt,
      auto_renew: plan.autoRenew ? 1n : 0n, stacks: stacks ? 1n : 0n, features: record.offering.features, receipt_number: receiptNumber,
      renewal_failed_period: null, created_at: tx.nowIso,
    });
  }
  tx.insert('package_periods', {
    id: tx.newId('pkp'), package_id: plan.packageId, line_id: plan.lineId, period, reason: plan.reason, offering_version_id: record.version.id,
    list_price: quote.listPrice, discount: quote.discount, price_paid: quote.price, promotion_id: quote.promotion?.id ?? null,
    starts_at: startsAt, expires_at: expiresAt, bucket_ids: JSON.stringify(bucketIds), receipt_number: receiptNumber, created_at: tx.nowIso,
  });
}
