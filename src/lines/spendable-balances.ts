import type { AppContext } from '../app-context.ts';
import { spendableBonus } from '../promotions/expire-bonus-job.ts';
import { balancesOf, type Balances } from './lines-repository.ts';

/**
 * Each line's balances as a subscriber may spend them: the bonus less what grants expired and not
 * yet taken back by the expiry job leave to forfeit (spendableBonus), so the line's page, the
 * lines list and `*102#` show the bonus a purchase could pay with, as the quote and the catalog
 * do, not one the next purchase forfeits first. One more keyed read per line holding bonus.
 */
export async function spendableBalancesOf(ctx: AppContext, lineIds: string[]): Promise<Map<string, Balances>> {
  const balances = await balancesOf(ctx, lineIds);
  await Promise.all([...balances].map(async ([lineId, read]) => {
    if (read.bonus > 0n) read.bonus = await spendableBonus(ctx, lineId, read.bonus);
  }));
  return balances;
}
