import { assert } from '../domain/assert.ts';
import type { PromotionTable } from '../packages/packages-tables.ts';

/**
 * Pricing with promotions, pure. A promotion is a time window, a discount (percent of the list
 * price, rounded down to whole tiyn, or a fixed amount) and optionally a code and use limits.
 * Rule: the single largest discount among the automatic promotions (no code) and the code given
 * wins; discounts do not combine. A code's use is counted only when its discount is the one applied.
 */
export const DISCOUNT_KINDS = ['percent', 'fixed'] as const;

export interface AppliedPromotion {
  id: string;
  code: string | null;
  usesMax: bigint | null;
  usesPerLineMax: bigint | null;
}

export interface PriceQuote {
  listPrice: bigint;
  discount: bigint;
  price: bigint;
  promotion: AppliedPromotion | null;
}

export const promotionUsesKey = (promotionId: string) => `promo:${promotionId}:uses`;
export const promotionLineUsesKey = (promotionId: string, lineId: string) => `promo:${promotionId}:line:${lineId}`;

export function isActive(promotion: PromotionTable, offeringCode: string, now: Date): boolean {
  const at = now.toISOString();
  if (at < promotion.starts_at || at >= promotion.ends_at) return false;
  const codes = promotion.offering_codes ? (JSON.parse(promotion.offering_codes) as string[]) : null;
  return codes === null || codes.includes(offeringCode);
}

export function discountOf(promotion: PromotionTable, listPrice: bigint): bigint {
  const value = BigInt(promotion.discount_value);
  const discount = promotion.discount_kind === 'percent' ? (listPrice * value) / 100n : value;
  return discount > listPrice ? listPrice : discount;
}

export function appliedPromotionOf(promotion: PromotionTable): AppliedPromotion {
  return {
    id: promotion.id, code: promotion.code,
    usesMax: promotion.uses_max === null ? null : BigInt(promotion.uses_max),
    usesPerLineMax: promotion.uses_per_line_max === null ? null : BigInt(promotion.uses_per_line_max),
  };
}

export function bestQuote(listPrice: bigint, candidates: PromotionTable[]): PriceQuote {
  let best: PriceQuote = { listPrice, discount: 0n, price: listPrice, promotion: null };
  for (const promotion of candidates) {
    const discount = discountOf(promotion, listPrice);
    if (discount > best.discount) {
      best = {
        listPrice, discount, price: listPrice - discount,
        promotion: appliedPromotionOf(promotion),
      };
    }
  }
  assert(best.price >= 0n && best.price + best.discount === listPrice, 'a quote adds up');
  return best;
}

/** Whether a promotion's limits allow one more use, given its counters; the code that refuses. */
export function limitRefusal(promotion: AppliedPromotion, uses: bigint, lineUses: bigint): 'promo_code_exhausted' | 'promo_code_line_limit' | null {
  if (promotion.usesMax !== null && uses >= promotion.usesMax) return 'promo_code_exhausted';
  if (promotion.usesPerLineMax !== null && lineUses >= promotion.usesPerLineMax) return 'promo_code_line_limit';
  return null;
}
