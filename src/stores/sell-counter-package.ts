import type { AppContext } from '../app-context.ts';
import type { Actor } from '../auth/actor.ts';
import { insertAudit } from '../auth/auth-repository.ts';
import { parseMsisdn } from '../domain/msisdn.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import type { LedgerCommand } from '../ledger/ledger-writer.ts';
import { fingerprintOf } from '../ledger/ledger-writer.ts';
import { storedAnswer } from '../ledger/stored-answer.ts';
import type { LockSet } from '../ledger/ledger-repository.ts';
import { findLineByMsisdn } from '../lines/lines-repository.ts';
import { periodCommand, type PeriodResult } from '../packages/package-period-command.ts';
import { priceOffering } from '../promotions/quote-price.ts';
import { applyTopUp, topUpLocks, type AppliedTopUp, type TopUpRequest } from '../topups/apply-top-up.ts';
import { checkIdentification } from './check-identification.ts';
import { storeCardAccountId, storeCashAccountId, TENDERS, type Tender } from './store-accounts.ts';
import { storeOfActor } from './store-of-actor.ts';
import { forfeitExpiredBonus } from '../promotions/expire-bonus-job.ts';
import { priceChangedFrom } from '../packages/package-access.ts';

export interface CounterPackageSale {
  storeId: string;
  tender: Tender;
  identificationId: string;
  /** The cash or card payment credited to the line (null when the package is free). */
  topUp: AppliedTopUp | null;
  purchase: PeriodResult;
}

function locksOf(lock: LedgerCommand<unknown>['lock'], now: Date): Partial<LockSet> {
  return typeof lock === 'function' ? lock(now) : lock;
}

/**
 * A clerk sells a package for cash or card: ONE ledger command credits the price to the line from
 * the store's till or card clearing (applyTopUp: limits, receipt) and buys the package with the
 * packages capability's own command (periodCommand) — all or nothing, so the customer never pays
 * for a package they did not get. The purchase takes bonus money first, as every purchase does.
 */
export async function sellCounterPackage(ctx: AppContext, actor: Actor, input: { msisdn: string; offering: string; tender: string; identificationId: string; promoCode?: string; expectedPrice?: number }, idempotencyKey: string): Promise<Result<{ sale: CounterPackageSale; replayed: boolean }>> {
  const store = await storeOfActor(ctx, actor);
  if (!store.ok) return store;
  if (!(TENDERS as readonly string[]).includes(input.tender)) return fail('validation_failed', { field: 'tender', allowed: TENDERS });
  const tender = input.tender as Tender;
  const msisdn = parseMsisdn(input.msisdn);
  if (!msisdn.ok) return msisdn;
  // A till retrying a sale whose answer it lost gets that answer: not refused by what the sale itself
  // changed (a one-use promo code), nor by the identification's age, the price or the offering since.
  const key = `counter-package:${actor.id}:${idempotencyKey}`;
  // An absent expectedPrice leaves the fingerprint as it was before the field existed (undefined is left out).
  const fingerprint = fingerprintOf({ msisdn: msisdn.value, offering: input.offering, tender, identificationId: input.identificationId, promoCode: input.promoCode, expectedPrice: input.expectedPrice });
  const stored = await storedAnswer<CounterPackageSale>(ctx, key, fingerprint);
  if (stored) return stored.ok ? ok({ sale: stored.value, replayed: true }) : stored;
  const checked = await checkIdentification(ctx, store.value.id, input.identificationId);
  if (!checked.ok) return checked;
  const line = await findLineByMsisdn(ctx, msisdn.value);
  if (!line) return fail('line_not_found');
  if (line.status === 'terminated') return fail('line_terminated');
  // A price refused may be this sale's twin's doing (the same key and body sent again while the
  // first ran), committed since the look above: it used the one-use promo code up. The repeat
  // answers the twin's stored answer.
  const refused = async (refusal: Result<never>): Promise<Result<{ sale: CounterPackageSale; replayed: boolean }>> => {
    const again = await storedAnswer<CounterPackageSale>(ctx, key, fingerprint);
    return again ? (again.ok ? ok({ sale: again.value, replayed: true }) : again) : refusal;
  };
  // Expired bonus the job has not forfeited yet goes first: the price is paid from the bonus first.
  const [priced] = await Promise.all([priceOffering(ctx, input.offering, line.id, input.promoCode), forfeitExpiredBonus(ctx, line.id)]);
  if (!priced.ok) return refused(priced);
  const { record, quote } = priced.value;
  // The price the clerk quoted and took: another (a new price version, a promotion ended since) is
  // refused before anything is written, so the till is never charged other than what was collected.
  const changed = priceChangedFrom(input.expectedPrice, quote.price);
  if (changed) return refused(changed);
  const storeId = store.value.id;
  const purchase = periodCommand({
    reason: 'purchase', packageId: ctx.ids.next('pkg'), lineId: line.id, record, quote, expectedPeriods: 0n,
    previousBucketIds: [], autoRenew: false, actorId: actor.id,
  });
  const request: TopUpRequest = { lineId: line.id, amount: quote.price, sourceAccountId: tender === 'cash' ? storeCashAccountId(storeId) : storeCardAccountId(storeId), channel: 'store', actorId: actor.id, paysForPackage: true };
  const expiresAt = new Date(ctx.clock.now().getTime() + ctx.settings.idempotency.retentionHours * 3_600_000).toISOString();
  const submitted = await ctx.writer.submit<CounterPackageSale>({
    name: 'counter_package_sale',
    lock: (now) => {
      const a = topUpLocks(request, now, ctx.settings.topup);
      const b = locksOf(purchase.lock, now);
      return { lines: [...a.lines, ...(b.lines ?? [])], accounts: [...a.accounts, ...(b.accounts ?? [])], counters: [...a.counters, ...(b.counters ?? [])], freshCounters: b.freshCounters ?? [], pending: [...a.pending, ...(b.pending ?? [])] };
    },
    idempotency: { key, fingerprint, expiresAt },
    execute: (tx) => {
      let topUp: AppliedTopUp | null = null;
      if (quote.price > 0n) {
        const paid = applyTopUp(tx, request, ctx.settings.topup, ctx.settings.lifecycle);
        if (!paid.ok) return paid;
        topUp = paid.value;
        tx.insert('store_topups', { topup_id: topUp.id, store_id: storeId, tender, identification_id: checked.value.id, amount: quote.price, actor_id: actor.id, created_at: tx.nowIso });
      }
      const bought = purchase.execute(tx);
      if (!bought.ok) return bought;
      return ok({ storeId, tender, identificationId: checked.value.id, topUp, purchase: bought.value });
    },
  });
  if (!submitted.ok) return submitted;
  if (!submitted.value.replayed) {
    await insertAudit(ctx, actor, 'counter.package_sale', submitted.value.value.purchase.id, { storeId, tender, identificationId: checked.value.id, offering: input.offering });
  }
  return ok({ sale: submitted.value.value, replayed: submitted.value.replayed });
}
