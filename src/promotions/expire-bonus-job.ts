import type { AppContext } from '../app-context.ts';
import { availableBalance } from '../domain/ledger.ts';
import { ok } from '../domain/result.ts';
import { BREAKAGE_ACCOUNT_ID, lineBonusAccountId } from '../ledger/accounts.ts';
import type { Job } from '../jobs/job.ts';
import { readCounters } from './promotions-repository.ts';
import { bonusExpiredKey, bonusGrantedKey } from './top-up-bonus.ts';

export const BONUS_LINES_PER_RUN_MAX = 1000;

/**
 * Forfeits expired top-up bonus to breakage (code 'expiry'). Bonus is spent oldest grant first,
 * so what is left of a line's bonus belongs to its newest grants: the balance may keep at most the
 * sum of its unexpired grants. Counters (granted total, expired total handled) are read under lock,
 * so a run is exact even while new grants or purchases commit, and two runs forfeit once. Only
 * grant money is ever forfeited (at most the newly expired grants' total).
 */
export const expireBonusJob: Job = {
  name: 'promotions.expire_bonus',
  intervalMs: 60_000,
  async run(ctx: AppContext): Promise<number> {
    const now = ctx.clock.now().toISOString();
    const rows = await ctx.db.selectFrom('bonus_grants').select(['line_id', (eb) => eb.fn.sum<bigint>('amount').as('expired')])
      .where('expires_at', '<=', now).groupBy('line_id').orderBy('line_id').execute();
    const handled = await readCounters(ctx, rows.map((r) => bonusExpiredKey(r.line_id)));
    const due = rows.filter((r) => BigInt(r.expired) > handled.get(bonusExpiredKey(r.line_id))!).slice(0, BONUS_LINES_PER_RUN_MAX);
    let forfeited = 0;
    for (const { line_id: lineId, expired } of due) {
      const expiredTotal = BigInt(expired);
      const result = await ctx.writer.submit({
        name: 'bonus_expiry',
        lock: { accounts: [lineBonusAccountId(lineId), BREAKAGE_ACCOUNT_ID], counters: [bonusGrantedKey(lineId), bonusExpiredKey(lineId)] },
        execute: (tx) => {
          const alreadyHandled = tx.counter(bonusExpiredKey(lineId));
          if (expiredTotal <= alreadyHandled) return ok(0n);
          const unexpired = tx.counter(bonusGrantedKey(lineId)) - expiredTotal;
          const balance = availableBalance(tx.account(lineBonusAccountId(lineId))!);
          let amount = balance - unexpired;
          if (amount > expiredTotal - alreadyHandled) amount = expiredTotal - alreadyHandled;
          tx.increment(bonusExpiredKey(lineId), expiredTotal - alreadyHandled);
          if (amount <= 0n) return ok(0n);
          const moved = tx.transfer({ debitAccountId: lineBonusAccountId(lineId), creditAccountId: BREAKAGE_ACCOUNT_ID, amount, unit: 'KZT', code: 'expiry', metadata: { reason: 'bonus_expired' } });
          if (!moved.ok) return { ok: false as const, error: { code: moved.code } };
          tx.outbox('bonus.expired', { lineId, amount: Number(amount) });
          return ok(amount);
        },
      });
      if (result.ok && result.value.value > 0n) forfeited += 1;
    }
    return forfeited;
  },
};
