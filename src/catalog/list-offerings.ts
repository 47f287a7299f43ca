import type { AppContext } from '../app-context.ts';
import type { Actor } from '../auth/actor.ts';
import { toJsonAmount } from '../domain/money.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { findReadableLine } from '../lines/line-access.ts';
import { balancesOf } from '../lines/lines-repository.ts';
import type { Language } from '../lines/line-view.ts';
import { displayLanguageOf } from '../domain/local-time.ts';
import { priceOffering } from '../promotions/quote-price.ts';
import { spendableBonus } from '../promotions/expire-bonus-job.ts';
import { listOfferingRecords } from './catalog-repository.ts';
import { isOnSale } from './offering.ts';
import { toOfferingView, type OfferingView } from './offering-view.ts';

export type CatalogEntry = OfferingView & { listPrice: number; affordable: boolean | null };

/**
 * The offerings on sale now, named in the language asked for (for a line, in the line's language
 * when none is asked; else English). `price` is after automatic
 * promotions (no code); with a line, `affordable` says whether its bonus and main balance cover it.
 * Admins may ask for every offering, on sale or not.
 */
export async function listOfferings(ctx: AppContext, actor: Actor | null, query: { language?: Language; msisdn?: string; all?: boolean }): Promise<Result<{ data: CatalogEntry[] }>> {
  let lineId: string | null = null;
  let language: Language = query.language ?? 'en';
  if (query.msisdn !== undefined) {
    if (!actor) return fail('unauthenticated');
    const line = await findReadableLine(ctx, actor, query.msisdn);
    if (!line.ok) return line;
    lineId = line.value.id;
    language = query.language ?? displayLanguageOf(line.value.language);
  }
  if (query.all && !actor) return fail('unauthenticated');
  if (query.all && actor?.role !== 'admin') return fail('forbidden', { field: 'all' });
  const now = ctx.clock.now();
  const read = lineId ? (await balancesOf(ctx, [lineId])).get(lineId)! : null;
  // Bonus expired but not yet forfeited by the job pays nothing: a purchase forfeits it first.
  const balances = read && lineId ? { main: read.main, bonus: await spendableBonus(ctx, lineId, read.bonus) } : null;
  const records = (await listOfferingRecords(ctx)).filter((record) => query.all || isOnSale(record.offering, now));
  // Priced all at once: the offerings' lookups share their queries (sharedLookup).
  const data = await Promise.all(records.map(async (record): Promise<CatalogEntry> => {
    const onSale = isOnSale(record.offering, now);
    const view = toOfferingView(record, language);
    const priced = onSale ? await priceOffering(ctx, record.offering.code, lineId) : null;
    const price = priced?.ok ? priced.value.quote.price : BigInt(record.version.price);
    return {
      ...view, listPrice: view.price, price: toJsonAmount(price),
      affordable: balances ? onSale && balances.main + balances.bonus >= price : null,
    };
  }));
  return ok({ data });
}
