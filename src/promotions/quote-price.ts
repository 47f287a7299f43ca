import type { AppContext } from '../app-context.ts';
import { findOffering, type OfferingRecord } from '../catalog/catalog-repository.ts';
import { isOnSale } from '../catalog/offering.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { asciiTyped } from '../domain/text.ts';
import { appliedPromotionOf, bestQuote, isActive, limitRefusal, promotionLineUsesKey, promotionUsesKey, type PriceQuote } from './promotion.ts';
import { readCounters } from '../ledger/read-counters.ts';
import { findPromotionByCode, listAutomaticPromotions } from './promotions-repository.ts';
import type { PromotionTable } from '../packages/packages-tables.ts';

export interface PricedOffering {
  record: OfferingRecord;
  quote: PriceQuote;
}

/**
 * The price of an offering now, for a line, with a promo code: the one function both the quote
 * route and the purchase use, so that the price shown is the price charged. The purchase checks
 * the promotion's limits again under the counters' locks. `at`: the instant priced for, now when
 * absent; a reminder prices a renewal for the package's end, when it will be charged (a promotion
 * ending before then, or the offering taken off sale by then, changes what it costs or whether it renews).
 */
export async function priceOffering(ctx: AppContext, code: string, lineId: string | null, promoCode?: string, at?: Date): Promise<Result<PricedOffering>> {
  const now = at ?? ctx.clock.now();
  // Read together: under load each read waits a turn of the event loop, shared with every request.
  const [record, automatic, coded] = await Promise.all([
    findOffering(ctx, code),
    listAutomaticPromotions(ctx, now),
    // Codes are made of capitals and digits (create-promotion.ts): a code typed in small letters,
    // full-width (a Chinese or Japanese keyboard) or with spaces around it, as people type what
    // they read on a poster, is the same code.
    promoCode === undefined ? undefined : findPromotionByCode(ctx, asciiTyped(promoCode).trim().toUpperCase()),
  ]);
  if (!record) return fail('offering_not_found', { code });
  if (!isOnSale(record.offering, now)) return fail('offering_unavailable', { code });
  if (promoCode !== undefined && (!coded || !isActive(coded, code, now))) return fail('promo_code_invalid');
  const candidates = automatic.filter((p) => isActive(p, code, now));
  const promotions = coded ? [...candidates, coded] : candidates;
  if (promotions.length === 0) return ok({ record, quote: bestQuote(BigInt(record.version.price), []) });
  // Automatic promotions that are used up drop out; a used-up code is refused.
  const keysOf = (promotion: PromotionTable) => [promotionUsesKey(promotion.id), ...(lineId ? [promotionLineUsesKey(promotion.id, lineId)] : [])];
  const counters = await readCounters(ctx, promotions.flatMap(keysOf));
  const usable = [];
  for (const promotion of promotions) {
    const [usesKey, lineUsesKey] = keysOf(promotion);
    const applied = appliedPromotionOf(promotion);
    const refusal = limitRefusal(lineId ? applied : { ...applied, usesPerLineMax: null }, counters.get(usesKey!)!, lineUsesKey ? counters.get(lineUsesKey)! : 0n);
    if (refusal && promotion === coded) return fail(refusal);
    if (!refusal) usable.push(promotion);
  }
  return ok({ record, quote: bestQuote(BigInt(record.version.price), usable) });
}
