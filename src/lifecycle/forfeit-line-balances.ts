import { availableBalance, type Unit } from '../domain/ledger.ts';
import { addDays } from '../domain/time.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { BREAKAGE_ACCOUNT_ID, lineBonusAccountId, lineMainAccountId } from '../ledger/accounts.ts';
import type { BatchTx } from '../ledger/batch-tx.ts';
import { collectCredit } from '../credit/collect-credit.ts';
import { CREDIT_WRITEOFF_ACCOUNT_ID, lineCreditAccountId } from '../credit/credit-accounts.ts';

export const unitBreakageAccountId = (unit: Unit) => `breakage:${unit}`;

/** Every account termination may touch, given the line's bucket ids (read before the command). */
export function forfeitureLocks(lineId: string, bucketIds: string[]): string[] {
  return [
    lineMainAccountId(lineId), lineBonusAccountId(lineId), lineCreditAccountId(lineId), BREAKAGE_ACCOUNT_ID, CREDIT_WRITEOFF_ACCOUNT_ID,
    unitBreakageAccountId('DATA_BYTES'), unitBreakageAccountId('VOICE_SECONDS'), unitBreakageAccountId('SMS'), ...bucketIds,
  ];
}

export interface Forfeited {
  main: number;
  bonus: number;
  creditRepaid: number;
  creditWrittenOff: number;
  buckets: { accountId: string; unit: Unit; units: number }[];
}

/**
 * At termination: an open promised payment is repaid from the main balance first; what is left
 * of main and bonus goes to breakage (code forfeit), every bucket's remaining units go to
 * breakage:<unit>, and any debt the balance could not cover is written off.
 */
export function forfeitLineBalances(tx: BatchTx, lineId: string, bucketIds: string[]): Result<Forfeited> {
  const mainId = lineMainAccountId(lineId);
  const creditId = lineCreditAccountId(lineId);
  const result: Forfeited = { main: 0, bonus: 0, creditRepaid: 0, creditWrittenOff: 0, buckets: [] };
  const move = (debit: string, credit: string, amount: bigint, unit: Unit, code: string) => {
    if (amount <= 0n) return true;
    return tx.transfer({ debitAccountId: debit, creditAccountId: credit, amount, unit, code, metadata: { reason: 'line_terminated' } }).ok;
  };
  const { repaid, owed } = collectCredit(tx, lineId, { reason: 'line_terminated' });
  result.creditRepaid = Number(repaid);
  for (const [field, accountId] of [['main', mainId], ['bonus', lineBonusAccountId(lineId)]] as const) {
    const amount = availableBalance(tx.account(accountId)!);
    if (!move(accountId, BREAKAGE_ACCOUNT_ID, amount, 'KZT', 'forfeit')) return fail('internal_error', { step: 'forfeit' });
    result[field] = Number(amount);
  }
  if (!move(CREDIT_WRITEOFF_ACCOUNT_ID, creditId, owed, 'KZT', 'credit_writeoff')) return fail('internal_error', { step: 'credit_writeoff' });
  result.creditWrittenOff = Number(owed);
  for (const bucketId of bucketIds) {
    const bucket = tx.account(bucketId);
    if (!bucket || bucket.kind !== 'bucket') continue;
    const units = availableBalance(bucket);
    if (!move(bucketId, unitBreakageAccountId(bucket.unit), units, bucket.unit, 'forfeit')) return fail('internal_error', { step: 'bucket_forfeit' });
    if (units > 0n) result.buckets.push({ accountId: bucketId, unit: bucket.unit, units: Number(units) });
  }
  return ok(result);
}

/**
 * The rest of a termination, inside the command that moved the locked line to terminated: its
 * balances forfeited (above) and its number quarantined for `quarantineDays`, so that a new owner
 * does not get the old one's calls and messages.
 */
export function closeTerminatedLine(tx: BatchTx, line: { id: string; msisdn: string }, bucketIds: string[], quarantineDays: number): Result<Forfeited> {
  const forfeited = forfeitLineBalances(tx, line.id, bucketIds);
  if (!forfeited.ok) return forfeited;
  tx.insert('number_quarantine', {
    id: tx.newId('nq'), msisdn: line.msisdn, line_id: line.id, quarantined_until: addDays(tx.now, quarantineDays).toISOString(), created_at: tx.nowIso,
  });
  return forfeited;
}
