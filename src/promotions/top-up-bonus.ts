import { tenge, toJsonAmount } from '../domain/money.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { availableBalance } from '../domain/ledger.ts';
import { addDays } from '../domain/time.ts';
import { lineBonusAccountId, PROMOTIONS_EXPENSE_ACCOUNT_ID } from '../ledger/accounts.ts';
import type { BatchTx } from '../ledger/batch-tx.ts';

/**
 * The top-up bonus rule: a top-up of at least `thresholdMin` earns `percent` % of it (rounded down
 * to whole tiyn) on the line's bonus balance, paid by expense:promotions. Bonus money buys
 * packages only (purchases spend it first), cannot be withdrawn or refunded, and expires after
 * `validityDays` (the job in expire-bonus-job.ts gives what is left back to expense:promotions).
 */
export interface TopUpBonusRules {
  thresholdMin: bigint;
  percent: bigint;
  validityDays: number;
}

export const DEFAULT_TOPUP_BONUS: TopUpBonusRules = { thresholdMin: tenge(5_000), percent: 10n, validityDays: 30 };

/** Total bonus ever granted to a line, and total of its grants already handled as expired. */
export const BONUS_KEY_PREFIX = 'bonus:';
export const GRANTED_KEY_SUFFIX = ':granted';
export const bonusGrantedKey = (lineId: string) => `${BONUS_KEY_PREFIX}${lineId}${GRANTED_KEY_SUFFIX}`;
export const bonusExpiredKey = (lineId: string) => `bonus:${lineId}:expired`;

/** What a command calling applyTopUpBonus must lock, in addition to its own locks. */
export function topUpBonusLocks(lineId: string) {
  return { accounts: [lineBonusAccountId(lineId), PROMOTIONS_EXPENSE_ACCOUNT_ID], counters: [bonusGrantedKey(lineId)] };
}

export function applyTopUpBonus(tx: BatchTx, topUp: { lineId: string; topUpId: string; amount: bigint }, rules: TopUpBonusRules = DEFAULT_TOPUP_BONUS): Result<{ bonus: number; expiresAt: string | null }> {
  if (topUp.amount < rules.thresholdMin || rules.percent <= 0n) return ok({ bonus: 0, expiresAt: null });
  const bonus = (topUp.amount * rules.percent) / 100n;
  if (bonus <= 0n) return ok({ bonus: 0, expiresAt: null });
  const expiresAt = addDays(tx.now, rules.validityDays).toISOString();
  const moved = tx.transfer({
    debitAccountId: PROMOTIONS_EXPENSE_ACCOUNT_ID, creditAccountId: lineBonusAccountId(topUp.lineId), amount: bonus, unit: 'KZT', code: 'topup_bonus',
    metadata: { topUpId: topUp.topUpId, expiresAt },
  });
  if (!moved.ok) return { ok: false, error: { code: moved.code } };
  tx.increment(bonusGrantedKey(topUp.lineId), bonus);
  tx.insert('bonus_grants', { id: tx.newId('bng'), line_id: topUp.lineId, topup_id: topUp.topUpId, amount: bonus, expires_at: expiresAt, created_at: tx.nowIso });
  tx.outbox('bonus.granted', { lineId: topUp.lineId, topUpId: topUp.topUpId, amount: toJsonAmount(bonus), expiresAt, language: tx.line(topUp.lineId)?.language ?? null });
  return ok({ bonus: toJsonAmount(bonus), expiresAt });
}

/** A top-up's bonus grant, as stored in bonus_grants (promotions-repository.ts). */
export interface BonusGrant {
  amount: bigint | number;
  expires_at: string;
}

/**
 * Takes back `amount` of the bonus a top-up earned, when the top-up is undone (an agent's reversal
 * takes all of it, a refund its share). `strict` refuses when the bonus balance no longer holds
 * it (the reversal then fails as a whole); otherwise what is left is taken, because a refund the
 * provider has already paid out cannot be refused. Locks: topUpBonusLocks(lineId).
 */
export function takeBackTopUpBonus(tx: BatchTx, undo: { lineId: string; topUpId: string; amount: bigint; grant: BonusGrant; strict: boolean }): Result<bigint> {
  const bonusId = lineBonusAccountId(undo.lineId);
  const available = availableBalance(tx.account(bonusId)!);
  let amount = undo.amount;
  if (amount > available) {
    if (undo.strict) return fail('balance_insufficient', { account: 'line_bonus', available: toJsonAmount(available) });
    amount = available;
  }
  if (amount <= 0n) return ok(0n);
  const taken = tx.transfer({ debitAccountId: bonusId, creditAccountId: PROMOTIONS_EXPENSE_ACCOUNT_ID, amount, unit: 'KZT', code: 'topup_bonus_reversal', metadata: { topupId: undo.topUpId } });
  if (!taken.ok) return fail(taken.code);
  // Undo the grant for bonus expiry too: the granted total, and a negative grant of the same expiry.
  tx.increment(bonusGrantedKey(undo.lineId), -amount);
  tx.insert('bonus_grants', { id: tx.newId('bng'), line_id: undo.lineId, topup_id: undo.topUpId, amount: -amount, expires_at: undo.grant.expires_at, created_at: tx.nowIso });
  return ok(amount);
}
