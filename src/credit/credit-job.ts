import type { AppContext } from '../app-context.ts';
import type { Job } from '../jobs/job.ts';
import { availableBalance, type AccountState } from '../domain/ledger.ts';
import { lineMainAccountId } from '../ledger/accounts.ts';
import { lineCreditAccountId, outstandingOf } from './credit-accounts.ts';
import { readAccounts } from '../ledger/read-accounts.ts';
import { creditsDueForCheck, lastTopUpsOf, recordCreditCheck, unsettledCreditsOf, type CreditRow, type CreditStatus } from './credit-repository.ts';
import { repayCredit, unpaidStatusOf, type Repayment } from './repay-credit.ts';

export interface CreditJobLimits {
  /** Credits read per status (open, debt) in one run: a backlog of debts cannot crowd out newly due credits. */
  creditsPerStatusMax: number;
}

export const CREDIT_JOB_LIMITS: CreditJobLimits = { creditsPerStatusMax: 500 };

/**
 * After a check a credit waits as long as it has been open (since its grant) or in debt (since its
 * term ended), within these bounds, before the next: a debt on a line with no money is looked at
 * ever less often, at most once an hour, instead of every minute until the line is terminated.
 */
export const CREDIT_CHECK_INTERVAL_MIN_MS = 60_000;
export const CREDIT_CHECK_INTERVAL_MAX_MS = 3_600_000;

export interface CreditRun {
  /** Credits looked at. */
  checked: number;
  /** Credits something was collected from. */
  collected: number;
  /** A status's read came back full: more of it may be due now. */
  more: boolean;
}

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
  run: async (ctx) => {
    const run = await collectCredits(ctx, CREDIT_JOB_LIMITS);
    // Every credit checked has its next check moved forward, so a run at the limit always makes way for the rest.
    return { handled: run.collected, more: run.more };
  },
};

/**
 * One run: the open credits and the debts whose next check has come, at most `creditsPerStatusMax`
 * of each, longest waiting first. Each is checked and its next check moved forward, so every due
 * credit is reached within (credits due before it) / limit runs. An open credit is checked at its
 * due time at the latest.
 */
export async function collectCredits(ctx: AppContext, limits: CreditJobLimits): Promise<CreditRun> {
  const now = ctx.clock.now();
  const nowIso = now.toISOString();
  // One more than a run takes: whether more of a status is due now, without a run to find out.
  const open = await creditsDueForCheck(ctx, 'open', nowIso, limits.creditsPerStatusMax + 1);
  const debts = await creditsDueForCheck(ctx, 'debt', nowIso, limits.creditsPerStatusMax + 1);
  const more = open.length > limits.creditsPerStatusMax || debts.length > limits.creditsPerStatusMax;
  const due = [...open.slice(0, limits.creditsPerStatusMax), ...debts.slice(0, limits.creditsPerStatusMax)];
  if (due.length === 0) return { checked: 0, collected: 0, more: false };
  const lineIds = [...new Set(due.map((c) => c.line_id))];
  // The lines' accounts are read before their credits: a credit granted after this read changes
  // its line's credit account, which the repayment command then sees (collectAll).
  const accounts = await readAccounts(ctx.db, lineIds.flatMap((lineId) => [lineMainAccountId(lineId), lineCreditAccountId(lineId)]));
  const [unsettled, lastTopUps] = await Promise.all([unsettledCreditsOf(ctx, lineIds), lastTopUpsOf(ctx, lineIds)]);
  // A line owes through one ledger account, and a new credit is granted only once it owes
  // nothing: an older row still marked open was repaid (by a top-up) before the newer one was
  // taken. It is closed as it is; collecting "for" it would take the newer credit too early.
  const newest = newestOfEachLine([...unsettled, ...due]);
  const superseded = due.filter((c) => newest.get(c.line_id) !== c.id);
  const current = due.filter((c) => newest.get(c.line_id) === c.id);
  const collectable = current.filter((c) => c.status === 'debt' || c.due_at <= nowIso || (lastTopUps.get(c.line_id) ?? '') > c.granted_at);
  const waiting = current.filter((c) => !collectable.includes(c));
  const outcomes = await collectAll(ctx, collectable, accounts, now);
  await Promise.all([
    ...superseded.map((c) => recordCreditCheck(ctx, c, 'closed', null, nowIso)),
    ...waiting.map((c) => recordCreditCheck(ctx, c, c.status as CreditStatus, nextCheckAt(c, c.status as CreditStatus, now), nowIso)),
    ...collectable.map((c, index) => recordCreditCheck(ctx, c, outcomes[index]!.status, nextCheckAt(c, outcomes[index]!.status, now), nowIso)),
  ]);
  return { checked: due.length, collected: outcomes.filter((o) => o.repaid > 0n).length, more };
}

/**
 * Runs a ledger command only for the credits it may change: one whose line owes nothing is
 * closed, and one whose line has nothing on its main balance stays unpaid, both as the command
 * would have found (it re-reads under lock what it acts on; a balance that arrived since is
 * found at the next check).
 */
async function collectAll(ctx: AppContext, credits: CreditRow[], accounts: Map<string, AccountState>, now: Date): Promise<Repayment[]> {
  return Promise.all(credits.map(async (credit): Promise<Repayment> => {
    const owedOn = accounts.get(lineCreditAccountId(credit.line_id));
    if (outstandingOf(owedOn) <= 0n) return { repaid: 0n, status: 'closed' };
    const main = accounts.get(lineMainAccountId(credit.line_id));
    if (!main || availableBalance(main) <= 0n) return { repaid: 0n, status: unpaidStatusOf(credit, now) };
    return repayCredit(ctx, credit, now, owedOn!.debitsPosted);
  }));
}

/** Each line's newest unsettled credit (latest grant, then highest id). */
function newestOfEachLine(credits: Pick<CreditRow, 'id' | 'line_id' | 'granted_at'>[]): Map<string, string> {
  const newest = new Map<string, Pick<CreditRow, 'id' | 'granted_at'>>();
  for (const credit of credits) {
    const seen = newest.get(credit.line_id);
    if (!seen || credit.granted_at > seen.granted_at || (credit.granted_at === seen.granted_at && credit.id > seen.id)) newest.set(credit.line_id, credit);
  }
  return new Map([...newest].map(([lineId, credit]) => [lineId, credit.id]));
}

/**
 * When to look at a credit again: after as long as it has waited (since its grant while open,
 * since its term ended as a debt), between the bounds, and for an open credit never later than its
 * due time. Null for a closed one.
 */
export function nextCheckAt(credit: Pick<CreditRow, 'granted_at' | 'due_at'>, status: CreditStatus, now: Date): string | null {
  if (status === 'closed') return null;
  const since = Date.parse(status === 'open' ? credit.granted_at : credit.due_at);
  const waitedMs = now.getTime() - since;
  const intervalMs = Math.min(CREDIT_CHECK_INTERVAL_MAX_MS, Math.max(CREDIT_CHECK_INTERVAL_MIN_MS, waitedMs));
  const next = new Date(now.getTime() + intervalMs).toISOString();
  return status === 'open' && credit.due_at > now.toISOString() && credit.due_at < next ? credit.due_at : next;
}
