import type { AppContext } from '../app-context.ts';
import type { Job } from '../jobs/job.ts';
import { findUnsettledCredits, lastTopUpsOf, setCreditStatus } from './credit-repository.ts';
import { repayCredit, type CreditRow } from './repay-credit.ts';

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
    // A line owes through one ledger account, and a new credit is granted only once it owes
    // nothing: an older row still marked open was repaid (by a top-up) before the newer one was
    // taken. It is closed as it is; collecting "for" it would take the newer credit too early.
    const newest = new Map<string, CreditRow>();
    for (const credit of credits) {
      const seen = newest.get(credit.line_id);
      if (!seen || credit.granted_at > seen.granted_at || (credit.granted_at === seen.granted_at && credit.id > seen.id)) newest.set(credit.line_id, credit);
    }
    await Promise.all(credits.filter((c) => newest.get(c.line_id) !== c).map((c) => setCreditStatus(ctx, c.id, 'closed', nowIso)));
    const lastTopUps = await lastTopUpsOf(ctx, [...newest.keys()]);
    const collectable = [...newest.values()].filter((c) => c.status === 'debt' || c.due_at <= nowIso || (lastTopUps.get(c.line_id) ?? '') > c.granted_at);
    const repaid = await Promise.all(collectable.map((credit) => repayCredit(ctx, credit, now)));
    return repaid.filter((amount) => amount > 0).length;
  },
};
