import type { AppContext } from '../app-context.ts';
import { storedAnswer } from '../ledger/stored-answer.ts';
import type { Actor } from '../auth/actor.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { fingerprintOf } from '../ledger/ledger-writer.ts';
import { priceOffering } from '../promotions/quote-price.ts';
import { findBuyableLine, idempotencyExpiry, priceChangedFrom } from './package-access.ts';
import { periodCommand, type PeriodResult } from './package-period-command.ts';
import { forfeitExpiredBonus } from '../promotions/expire-bonus-job.ts';

export interface PurchaseInput {
  msisdn: string;
  offering: string;
  promoCode?: string;
  autoRenew?: boolean;
  /** The price the buyer was shown (GET …/quote); when given, any other price is refused. */
  expectedPrice?: number;
}

export interface PurchaseOutcome {
  purchase: PeriodResult;
  replayed: boolean;
}

/**
 * Buys a package from the line's balance, at most once per idempotency key: one ledger command
 * moves the money and issues the allowances (see package-period-command.ts). `autoRenewByDefault`
 * false: auto-renewal stays off unless asked for (a purchase paid by card, whose payer agreed to
 * no charges of the balance later); it is not part of the request's fingerprint.
 */
export async function purchasePackage(ctx: AppContext, actor: Actor, input: PurchaseInput, idempotencyKey: string, autoRenewByDefault = true): Promise<Result<PurchaseOutcome>> {
  const line = await findBuyableLine(ctx, actor, input.msisdn);
  if (!line.ok) return line;
  const key = `purchase:${actor.id}:${idempotencyKey}`;
  const fingerprint = fingerprintOf({ msisdn: line.value.msisdn, offering: input.offering, promoCode: input.promoCode, autoRenew: input.autoRenew, expectedPrice: input.expectedPrice });
  const stored = await storedAnswer<PeriodResult>(ctx, key, fingerprint);
  if (stored) return stored.ok ? ok({ purchase: stored.value, replayed: true }) : stored;
  if (line.value.status === 'terminated') return fail('line_terminated');
  // A price refused may be this request's twin's doing (the same key and body sent again while the
  // first ran: a double tap, a retry after a timeout), committed since the look above: it used the
  // one-use promo code up. Its answer is stored with what it did, and the repeat answers it.
  const refused = async (refusal: Result<never>): Promise<Result<PurchaseOutcome>> => {
    const again = await storedAnswer<PeriodResult>(ctx, key, fingerprint);
    return again ? (again.ok ? ok({ purchase: again.value, replayed: true }) : again) : refusal;
  };
  // Expired bonus the job has not forfeited yet goes first: the price is paid from the bonus first.
  const [priced] = await Promise.all([priceOffering(ctx, input.offering, line.value.id, input.promoCode), forfeitExpiredBonus(ctx, line.value.id)]);
  if (!priced.ok) return refused(priced);
  const { record, quote } = priced.value;
  const changed = priceChangedFrom(input.expectedPrice, quote.price);
  if (changed) return refused(changed);
  const allowed = Number(record.offering.auto_renew_allowed) === 1;
  if (input.autoRenew && !allowed) return fail('auto_renew_not_allowed', { offering: input.offering });
  // On by default where the offering allows it (issue 3): a traveller's pack keeps going unless they turn it off.
  const autoRenew = input.autoRenew ?? (allowed && autoRenewByDefault);
  const plan = {
    reason: 'purchase' as const, packageId: ctx.ids.next('pkg'), lineId: line.value.id, record, quote, expectedPeriods: 0n,
    previousBucketIds: [], autoRenew, actorId: actor.id, balanceLowMinor: ctx.settings.reminders.balanceLowMinor,
  };
  const result = await ctx.writer.submit(periodCommand(plan, { key, fingerprint, expiresAt: idempotencyExpiry(ctx) }));
  if (!result.ok) return result;
  return ok({ purchase: result.value.value, replayed: result.value.replayed });
}
