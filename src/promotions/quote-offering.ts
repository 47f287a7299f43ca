import type { AppContext } from '../app-context.ts';
import type { Actor } from '../auth/actor.ts';
import { toJsonAmount } from '../domain/money.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { findReadableLine } from '../lines/line-access.ts';
import { balancesOf } from '../lines/lines-repository.ts';
import { priceOffering } from './quote-price.ts';
import { spendableBonus } from './expire-bonus-job.ts';

export interface QuoteView {
  offering: string;
  version: number;
  listPrice: number;
  discount: number;
  price: number;
  currency: 'KZT';
  promoCode: string | null;
  /** With a line: how the price would be paid now (bonus first) and what is missing. */
  payment: { fromBonus: number; fromMain: number; shortfall: number } | null;
}

/**
 * GET /v1/offerings/{code}/quote: the price a purchase made now would charge, computed by the
 * same function the purchase uses. Without a line it is public; with one the caller must be
 * allowed to read the line, and per-line promo limits are checked.
 */
export async function quoteOffering(ctx: AppContext, actor: Actor | null, code: string, query: { msisdn?: string; promoCode?: string }): Promise<Result<QuoteView>> {
  let lineId: string | null = null;
  if (query.msisdn !== undefined) {
    if (!actor) return fail('unauthenticated');
    const line = await findReadableLine(ctx, actor, query.msisdn);
    if (!line.ok) return line;
    lineId = line.value.id;
  }
  const priced = await priceOffering(ctx, code, lineId, query.promoCode);
  if (!priced.ok) return priced;
  const { record, quote } = priced.value;
  let payment: QuoteView['payment'] = null;
  if (lineId) {
    const balances = (await balancesOf(ctx, [lineId])).get(lineId)!;
    // Bonus expired but not yet forfeited by the job pays nothing: the purchase forfeits it first.
    const bonus = await spendableBonus(ctx, lineId, balances.bonus);
    const fromBonus = bonus < quote.price ? bonus : quote.price;
    const fromMain = quote.price - fromBonus;
    payment = { fromBonus: toJsonAmount(fromBonus), fromMain: toJsonAmount(fromMain), shortfall: toJsonAmount(fromMain > balances.main ? fromMain - balances.main : 0n) };
  }
  return ok({
    offering: record.offering.code, version: Number(record.version.version), listPrice: toJsonAmount(quote.listPrice),
    discount: toJsonAmount(quote.discount), price: toJsonAmount(quote.price), currency: 'KZT', promoCode: quote.promotion?.code ?? null, payment,
  });
}
