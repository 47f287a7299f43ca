import type { AppContext } from '../app-context.ts';
import { availableBalance } from '../domain/ledger.ts';
import { ok } from '../domain/result.ts';
import { lineBonusAccountId, PROMOTIONS_EXPENSE_ACCOUNT_ID } from '../ledger/accounts.ts';
import type { LedgerCommand } from '../ledger/ledger-writer.ts';
import type { Job, JobRun } from '../jobs/job.ts';
import { findUnexaminedExpiredGrants, findUnexaminedExpiredGrantsOf, markGrantsExamined, sumExpiredGrants } from './promotions-repository.ts';
import { bonusExpiredKey, bonusGrantedKey } from './top-up-bonus.ts';
import { readCounters } from '../ledger/read-counters.ts';

export interface BonusExpiryLimits {
  /** Lines examined in one run. */
  linesPerRunMax: number;
  /** Expired grants read per query; a backlog (after downtime or an upgrade) takes several. */
  grantsPerQueryMax: number;
  queriesPerRunMax: number;
}

export const BONUS_EXPIRY_LIMITS: BonusExpiryLimits = { linesPerRunMax: 1000, grantsPerQueryMax: 5000, queriesPerRunMax: 10 };

/**
 * Gives expired top-up bonus back to expense:promotions (code 'expiry'; unused promotional money is no breakage income). Bonus is spent oldest grant first,
 * so what is left of a line's bonus belongs to its newest grants: the balance may keep at most the
 * sum of its unexpired grants. Counters (granted total, expired total handled) are read under lock,
 * so a run is exact even while new grants or purchases commit, and two runs forfeit once. Only
 * grant money is ever forfeited (at most the newly expired grants' total).
 *
 * A line needs looking at only when one of its grants has expired since it was last looked at
 * (a take-back's negative grant only lowers what may be forfeited): each run reads the expired
 * grants not yet examined, runs each of their lines' command, and marks those grants examined once
 * the command has committed. A crash in between examines them again, which the counters make a no-op.
 */
export const expireBonusJob: Job = {
  name: 'promotions.expire_bonus',
  intervalMs: 60_000,
  run: (ctx) => expireBonus(ctx, BONUS_EXPIRY_LIMITS),
};

/**
 * One run of the job: the number of lines that forfeited bonus, and whether the run stopped at a
 * limit with grants left to examine (having examined some: one that examined none would find the same).
 */
export async function expireBonus(ctx: AppContext, limits: BonusExpiryLimits): Promise<JobRun> {
  const now = ctx.clock.now().toISOString();
  let forfeited = 0;
  let examined = 0;
  let marked = 0;
  for (let query = 0; ; query++) {
    if (query === limits.queriesPerRunMax || examined >= limits.linesPerRunMax) return { handled: forfeited, more: marked > 0 };
    const grants = await findUnexaminedExpiredGrants(ctx, now, limits.grantsPerQueryMax);
    const grantIdsByLine = new Map<string, string[]>();
    for (const { id, line_id: lineId } of grants) {
      const ids = grantIdsByLine.get(lineId);
      if (ids) ids.push(id);
      else if (grantIdsByLine.size < limits.linesPerRunMax - examined) grantIdsByLine.set(lineId, [id]);
    }
    const lineIds = [...grantIdsByLine.keys()];
    const totals = await sumExpiredGrants(ctx, lineIds, now);
    const results = await Promise.all(lineIds.map((lineId) => ctx.writer.submit(expiryCommand(lineId, totals.get(lineId) ?? { expired: 0n, granted: 0n }))));
    // A line whose command did not commit, or found its grants changed since they were summed,
    // keeps its grants unexamined: the next run sums them again.
    const done = lineIds.filter((_, index) => results[index]!.ok && results[index]!.value.value !== GRANTS_CHANGED);
    await markGrantsExamined(ctx, done.flatMap((lineId) => grantIdsByLine.get(lineId)!), now);
    marked += done.length;
    forfeited += results.filter((result) => result.ok && result.value.value !== GRANTS_CHANGED && result.value.value > 0n).length;
    examined += lineIds.length;
    if (grants.length < limits.grantsPerQueryMax) return { handled: forfeited, more: false };
  }
}

/**
 * Before a package is paid (bonus first): forfeits what the job would of a line's bonus whose grants
 * have expired unexamined, so that a purchase or renewal never spends expired bonus. The job runs
 * every minute, but after the jobs were down its backlog is hours old, and the bonus balance still
 * held every expired grant. One keyed read when nothing is due (the rule on the hot path); a grant
 * expiring between this and the purchase's commit is spent, as it was within the job's minute.
 */
export async function forfeitExpiredBonus(ctx: AppContext, lineId: string): Promise<void> {
  const now = ctx.clock.now().toISOString();
  const due = await findUnexaminedExpiredGrantsOf(ctx, lineId, now);
  if (due.length === 0) return;
  const totals = await sumExpiredGrants(ctx, [lineId], now);
  const result = await ctx.writer.submit(expiryCommand(lineId, totals.get(lineId) ?? { expired: 0n, granted: 0n }));
  if (result.ok && result.value.value !== GRANTS_CHANGED) await markGrantsExamined(ctx, due.map((grant) => grant.id), now);
}

/**
 * What of a line's bonus balance (`bonus`, as read) a purchase now could spend: less what it would
 * forfeit first (forfeitExpiredBonus) of grants expired that the job has not examined yet. Read
 * without writing, for what a quote or the catalog shows a line (fromBonus, shortfall, affordable);
 * one keyed read when nothing is due.
 */
export async function spendableBonus(ctx: AppContext, lineId: string, bonus: bigint): Promise<bigint> {
  if (bonus <= 0n) return bonus;
  const now = ctx.clock.now().toISOString();
  if ((await findUnexaminedExpiredGrantsOf(ctx, lineId, now)).length === 0) return bonus;
  return bonusLessExpired(ctx, lineId, bonus, now);
}

/** spendableBonus of a line known to hold grants expired and not examined yet by `now`. */
export async function bonusLessExpired(ctx: AppContext, lineId: string, bonus: bigint, now: string): Promise<bigint> {
  const [totals, counters] = await Promise.all([sumExpiredGrants(ctx, [lineId], now), readCounters(ctx, [bonusExpiredKey(lineId)])]);
  const summed = totals.get(lineId) ?? { expired: 0n, granted: 0n };
  return bonus - forfeitableBonus(summed.granted, summed.expired, counters.get(bonusExpiredKey(lineId))!, bonus);
}

/**
 * Of a bonus balance, what grants expired beyond those already handled leave to forfeit: bonus is
 * spent oldest grant first, so the balance keeps at most the unexpired grants' sum, and no more
 * than the newly expired grants' total goes.
 */
function forfeitableBonus(granted: bigint, expiredTotal: bigint, alreadyHandled: bigint, balance: bigint): bigint {
  if (expiredTotal <= alreadyHandled) return 0n;
  const amount = balance - (granted - expiredTotal);
  const cap = expiredTotal - alreadyHandled;
  return amount <= 0n ? 0n : amount > cap ? cap : amount;
}

/** The command's answer when the line's grants changed between their sum and its lock. */
const GRANTS_CHANGED = -1n;

/**
 * Forfeits what is left of a line's grants expired in all beyond what earlier runs handled.
 * `summed.expired` was read with `summed.granted`: should the granted total under lock differ, a
 * grant or a take-back (a negative grant that may carry a past expiry) came in between, and the
 * sum may be stale; nothing is done and the grants are summed again by the next run.
 */
export function expiryCommand(lineId: string, summed: { expired: bigint; granted: bigint }): LedgerCommand<bigint> {
  const expiredTotal = summed.expired;
  return {
    name: 'bonus_expiry',
    lock: { lines: [lineId], accounts: [lineBonusAccountId(lineId), PROMOTIONS_EXPENSE_ACCOUNT_ID], counters: [bonusGrantedKey(lineId), bonusExpiredKey(lineId)] },
    execute: (tx) => {
      if (tx.counter(bonusGrantedKey(lineId)) !== summed.granted) return ok(GRANTS_CHANGED);
      const alreadyHandled = tx.counter(bonusExpiredKey(lineId));
      if (expiredTotal <= alreadyHandled) return ok(0n);
      const balance = availableBalance(tx.account(lineBonusAccountId(lineId))!);
      const amount = forfeitableBonus(tx.counter(bonusGrantedKey(lineId)), expiredTotal, alreadyHandled, balance);
      tx.increment(bonusExpiredKey(lineId), expiredTotal - alreadyHandled);
      if (amount <= 0n) return ok(0n);
      // Back to the promotions expense that paid for it: unused promotional money is no breakage income.
      const moved = tx.transfer({ debitAccountId: lineBonusAccountId(lineId), creditAccountId: PROMOTIONS_EXPENSE_ACCOUNT_ID, amount, unit: 'KZT', code: 'expiry', metadata: { reason: 'bonus_expired' } });
      if (!moved.ok) return { ok: false as const, error: { code: moved.code } };
      tx.outbox('bonus.expired', { lineId, msisdn: tx.line(lineId)?.msisdn ?? null, amount: Number(amount), language: tx.line(lineId)?.language ?? null });
      return ok(amount);
    },
  };
}
