import type { AppContext } from '../app-context.ts';
import { bonusLessExpired } from '../promotions/expire-bonus-job.ts';
import { linesWithUnexaminedExpiredGrants } from '../promotions/promotions-repository.ts';
import { balancesOf, type Balances } from './lines-repository.ts';

/**
 * Each line's balances as a subscriber may spend them: the bonus less what grants expired and not
 * yet taken back by the expiry job leave to forfeit (spendableBonus), so the line's page, the
 * lines list and `*102#` show the bonus a purchase could pay with, as the quote and the catalog
 * do, not one the next purchase forfeits first. One more keyed read for all the lines holding bonus.
 */
export async function spendableBalancesOf(ctx: AppContext, lineIds: string[]): Promise<Map<string, Balances>> {
  const balances = await balancesOf(ctx, lineIds);
  const holding = [...balances].filter(([, read]) => read.bonus > 0n).map(([lineId]) => lineId);
  if (holding.length === 0) return balances;
  // One statement for the page's lines (a list of 100 is not 100 reads at once); the few with
  // expired grants not yet examined are then summed each.
  const now = ctx.clock.now().toISOString();
  const due = await linesWithUnexaminedExpiredGrants(ctx, holding, now);
  await Promise.all([...due].map(async (lineId) => {
    const read = balances.get(lineId)!;
    read.bonus = await bonusLessExpired(ctx, lineId, read.bonus, now);
  }));
  return balances;
}
