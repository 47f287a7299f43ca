import { availableBalance } from '../domain/ledger.ts';
import { lineMainAccountId } from '../ledger/accounts.ts';
import type { BatchTx } from '../ledger/batch-tx.ts';
import { lineCreditAccountId, outstandingOf } from './credit-accounts.ts';

/**
 * Inside a ledger command that has locked the line's main and credit accounts: repays as much of
 * the line's promised-payment debt as the main balance covers (main → line_credit, code
 * credit_repayment). Returns what it repaid and what is still owed. Used by the collection job and
 * by termination; a top-up command could call it too, to repay in the same commit as the top-up.
 */
export function collectCredit(tx: BatchTx, lineId: string, metadata?: Record<string, unknown>): { repaid: bigint; owed: bigint } {
  const mainId = lineMainAccountId(lineId);
  const creditId = lineCreditAccountId(lineId);
  const owed = outstandingOf(tx.account(creditId));
  const main = tx.account(mainId);
  if (owed <= 0n || !main) return { repaid: 0n, owed: owed > 0n ? owed : 0n };
  const available = availableBalance(main);
  const repaid = available < owed ? available : owed;
  if (repaid <= 0n) return { repaid: 0n, owed };
  const moved = tx.transfer({ debitAccountId: mainId, creditAccountId: creditId, amount: repaid, unit: 'KZT', code: 'credit_repayment', ...(metadata ? { metadata } : {}) });
  // The amount is within both accounts' limits by construction; a refusal here is a bug.
  if (!moved.ok) throw new Error(`credit repayment refused: ${moved.code}`);
  return { repaid, owed: owed - repaid };
}
