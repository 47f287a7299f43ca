import type { AppContext } from '../app-context.ts';
import { availableBalance, type Unit } from '../domain/ledger.ts';
import { addDays } from '../domain/time.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { BREAKAGE_ACCOUNT_ID, lineBonusAccountId, lineMainAccountId, PROMOTIONS_EXPENSE_ACCOUNT_ID, unitBreakageAccountId } from '../ledger/accounts.ts';
import type { BatchTx } from '../ledger/batch-tx.ts';
import { ALLOWANCE_UNITS } from '../packages/package-keys.ts';
import { bucketAccountIdsOf } from './lifecycle-repository.ts';
import { collectCredit } from '../credit/collect-credit.ts';
import { CREDIT_WRITEOFF_ACCOUNT_ID, lineCreditAccountId } from '../credit/credit-accounts.ts';

export { unitBreakageAccountId };

/** Every account termination may touch, given the line's bucket ids (read before the command). */
export function forfeitureLocks(lineId: string, bucketIds: string[]): string[] {
  return [
    lineMainAccountId(lineId), lineBonusAccountId(lineId), lineCreditAccountId(lineId), BREAKAGE_ACCOUNT_ID, PROMOTIONS_EXPENSE_ACCOUNT_ID, CREDIT_WRITEOFF_ACCOUNT_ID,
    ...ALLOWANCE_UNITS.map(unitBreakageAccountId), ...bucketIds,
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
 * of main goes to breakage (code forfeit), what is left of the bonus back to expense:promotions,
 * which paid for it (breakage is the subscribers' own money given up), every bucket's remaining
 * units go to breakage:<unit>, and any debt the balance could not cover is written off.
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
  for (const [field, accountId, to] of [['main', mainId, BREAKAGE_ACCOUNT_ID], ['bonus', lineBonusAccountId(lineId), PROMOTIONS_EXPENSE_ACCOUNT_ID]] as const) {
    const amount = availableBalance(tx.account(accountId)!);
    if (!move(accountId, to, amount, 'KZT', 'forfeit')) return fail('internal_error', { step: 'forfeit' });
    result[field] = Number(amount);
  }
  if (!move(CREDIT_WRITEOFF_ACCOUNT_ID, creditId, owed, 'KZT', 'credit_writeoff')) return fail('internal_error', { step: 'credit_writeoff' });
  result.creditWrittenOff = Number(owed);
  const buckets = forfeitBuckets(tx, bucketIds);
  if (!buckets.ok) return buckets;
  result.buckets = buckets.value;
  return ok(result);
}

/** Every unit left in the given buckets to breakage:<unit>; what each gave up. */
function forfeitBuckets(tx: BatchTx, bucketIds: string[]): Result<Forfeited['buckets']> {
  const forfeited: Forfeited['buckets'] = [];
  for (const bucketId of bucketIds) {
    const bucket = tx.account(bucketId);
    if (!bucket || bucket.kind !== 'bucket') continue;
    const units = availableBalance(bucket);
    if (units <= 0n) continue;
    const moved = tx.transfer({ debitAccountId: bucketId, creditAccountId: unitBreakageAccountId(bucket.unit), amount: units, unit: bucket.unit, code: 'forfeit', metadata: { reason: 'line_terminated' } });
    if (!moved.ok) return fail('internal_error', { step: 'bucket_forfeit' });
    forfeited.push({ accountId: bucketId, unit: bucket.unit, units: Number(units) });
  }
  return ok(forfeited);
}

/**
 * After a termination has committed: a package bought between the read of the line's buckets and
 * the termination's command (it locks the line, so it ran just before) left a bucket the command
 * did not know. No purchase can succeed on the line any more, so one more read finds every such
 * bucket, and this forfeits it like the rest; the termination's answer and event count it too.
 * Were the process to stop in between, the bucket would still go to breakage when it expires.
 */
export async function forfeitLateBuckets(ctx: AppContext, lineId: string, known: string[]): Promise<Result<Forfeited['buckets']>> {
  const late = (await bucketAccountIdsOf(ctx, lineId)).filter((id) => !known.includes(id));
  if (late.length === 0) return ok([]);
  const result = await ctx.writer.submit<Forfeited['buckets']>({
    name: 'line:forfeit_late_buckets',
    lock: { lines: [lineId], accounts: [...late, ...ALLOWANCE_UNITS.map(unitBreakageAccountId)] },
    execute(tx) {
      if (tx.line(lineId)?.status !== 'terminated') return fail('internal_error', { step: 'late_buckets', reason: 'line_not_terminated' });
      return forfeitBuckets(tx, late);
    },
  });
  return result.ok ? ok(result.value.value) : result;
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
