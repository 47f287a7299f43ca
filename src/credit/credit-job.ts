import type { AppContext } from '../app-context.ts';
import type { Job } from '../jobs/job.ts';
import { findUnsettledCredits, lastTopUpsOf } from './credit-repository.ts';
import { repayCredit } from './repay-credit.ts';

const CREDITS_PER_RUN_MAX = 1_000;

/**
 * Collects promised payments. Every top-up repays an open credit in its own commit (applyTopUp
 * calls collectCredit); this job is the rest: it collects, as far as the main balance covers it,
 * once the line was topped up after the grant (money that arrived another way) or once the term
 * has ended; after the term whatever is left is a debt, collected from every later balance until
 * it is settled. It also brings the credits rows' status in line with the ledger.
 * Returns the number of credits it collected something from.
 */
export const creditJob: Job = {
  name: 'promised-payment-collection',
  intervalMs: 60_000,
  async run(ctx: AppContext): Promise<number> {
    const now = ctx.clock.now();
    const nowIso = now.toISOString();
    const credits = await findUnsettledCredits(ctx, CREDITS_PER_RUN_MAX);
    const lastTopUps = await lastTopUpsOf(ctx, [...new Set(credits.map((c) => c.line_id))]);
    const collectable = credits.filter((c) => c.status === 'debt' || c.due_at <= nowIso || (lastTopUps.get(c.line_id) ?? '') > c.granted_at);
    const repaid = await Promise.all(collectable.map((credit) => repayCredit(ctx, credit, now)));
    return repaid.filter((amount) => amount > 0).length;
  },
};
