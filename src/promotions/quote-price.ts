import type { AppContext } from '../app-context.ts';
import { findOffering, type OfferingRecord } from '../catalog/catalog-repository.ts';
import { isOnSale } from '../catalog/offering.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { appliedPromotionOf, bestQuote, isActive, limitRefusal, promotionLineUsesKey, promotionUsesKey, type PriceQuote } from './promotion.ts';
import { findPromotionByCode, listAutomaticPromotions, readCounters } from './promotions-repository.ts';

export interface PricedOffering {
  record: OfferingRecord;
  quote: PriceQuote;
}

/**
 * The price of an offering now, for a line, with a promo code: the one function both the quote
 * route and the purchase use, so that the price shown is the price charged. The purchase checks
 * the promotion's limits again under the counters' locks.
 */
export async function priceOffering(ctx: AppContext, code: string, lineId: string | null, promoCode?: string): Promise<Result<PricedOffering>> {
  const now = ctx.clock.now();
  const record = await findOffering(ctx, code);
  if (!record) return fail('offering_not_found', { code });
  if (!isOnSale(record.offering, now)) return fail('offering_unavailable', { code });
  const candidates = (await listAutomaticPromotions(ctx, now)).filter((p) => isActive(p, code, now));
  let coded = null;
  if (promoCode !== undefined) {
    coded = await findPromotionByCode(ctx, promoCode);
    if (!coded || !isActive(coded, code, now)) return fail('promo_code_invalid');
  }
  // Automatic promotions that are used up drop out; a used-up code is refused.
  const usable = [];
  for (const promotion of coded ? [...candidates, coded] : candidates) {
    const keys = [promotionUsesKey(promotion.id), ...(lineId ? [promotionLineUsesKey(promotion.id, lineId)] : [])];
    const counters = await readCounters(ctx, keys);
    const applied = appliedPromotionOf(promotion);
    const refusal = limitRefusal(lineId ? applied : { ...applied, usesPerLineMax: null }, counters.get(keys[0]!)!, lineId ? counters.get(keys[1]!)! : 0n);
    if (refusal && promotion === coded) return fail(refusal);
    if (!refusal) usable.push(promotion);
  }
  return ok({ record, quote: bestQuote(BigInt(record.version.price), usable) });
}
