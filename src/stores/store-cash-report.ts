import type { AppContext } from '../app-context.ts';
import type { Actor } from '../auth/actor.ts';
import { displayLanguageOf } from '../domain/local-time.ts';
import { calendarDayBounds } from './report-bounds.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { almatyDate } from '../domain/time.ts';
import { renderReportSlip } from '../agents/pos-slip.ts';
import { storeCardAccountId, storeCashAccountId } from './store-accounts.ts';
import { storeOfActor } from './store-of-actor.ts';
import { accountBalanceAt, findStore, storeTopUpsBetween, type StoreRow } from './stores-repository.ts';

export interface StoreDayReport {
  storeId: string;
  storeName: string;
  date: string;
  cash: { count: number; amount: number };
  card: { count: number; amount: number };
  total: { count: number; amount: number };
  /** Everything the till had taken from the store's opening to the end of the report's day (no cash-collection transfers yet). */
  cashTakenTotal: number;
  cardTakenTotal: number;
  currency: 'KZT';
}

/** A store's day (Almaty) at the counter, split by tender: a clerk sees their store; an admin names one. */
export async function storeCashReport(ctx: AppContext, actor: Actor, input: { date?: string; storeId?: string; language?: string }): Promise<Result<{ report: StoreDayReport; slipHtml: string }>> {
  let store: StoreRow | undefined;
  // The admin route names a store: only an admin may (a clerk's answer for its own store instead would hide the refusal).
  if (input.storeId !== undefined && actor.role !== 'admin') return fail('forbidden', { requiredRoles: ['admin'] });
  if (actor.role === 'admin' && input.storeId) {
    store = await findStore(ctx, input.storeId);
    if (!store) return fail('store_not_found');
  } else {
    const found = await storeOfActor(ctx, actor);
    if (!found.ok) return found;
    store = found.value;
  }
  const date = input.date ?? almatyDate(ctx.clock.now());
  const bounds = calendarDayBounds(date);
  if (!bounds) return fail('validation_failed', { field: 'date', format: 'YYYY-MM-DD' });
  const rows = await storeTopUpsBetween(ctx, store.id, bounds.fromIso, bounds.toIso);
  const of = (tender: string) => {
    const picked = rows.filter((r) => r.tender === tender);
    return { count: picked.length, amount: picked.reduce((s, r) => s + BigInt(r.amount), 0n) };
  };
  const cash = of('cash');
  const card = of('card');
  // Cash and card clearing accounts are debited by top-ups: what they took is minus their balance,
  // at the end of the report's day (a past day's slip does not count the sales of the days since).
  const report: StoreDayReport = {
    storeId: store.id, storeName: store.name, date,
    cash: { count: cash.count, amount: Number(cash.amount) }, card: { count: card.count, amount: Number(card.amount) },
    total: { count: cash.count + card.count, amount: Number(cash.amount + card.amount) },
    cashTakenTotal: Number(-(await accountBalanceAt(ctx, storeCashAccountId(store.id), bounds.toIso))),
    cardTakenTotal: Number(-(await accountBalanceAt(ctx, storeCardAccountId(store.id), bounds.toIso))), currency: 'KZT',
  };
  // Each row of store_topups is money taken at the counter: a top-up, or the payment for a package.
  const slipHtml = renderReportSlip({
    title: store.name, heading: 'counterDayReport', date, note: 'counterNote',
    rows: [
      ['cashSales', { count: cash.count }], ['cashSum', { amount: cash.amount }], ['cardSales', { count: card.count }], ['cardSum', { amount: card.amount }],
      ['total', { amount: cash.amount + card.amount }],
      ['cashSinceOpening', { amount: BigInt(report.cashTakenTotal) }], ['cardSinceOpening', { amount: BigInt(report.cardTakenTotal) }],
    ],
  }, displayLanguageOf(input.language));
  return ok({ report, slipHtml });
}
