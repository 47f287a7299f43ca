import type { AppContext } from '../app-context.ts';
import { fail, ok } from '../domain/result.ts';
import { lineMainAccountId } from '../ledger/accounts.ts';
import { announceLowBalance } from '../reminders/low-balance.ts';
import { collectCredit } from './collect-credit.ts';
import { lineCreditAccountId, outstandingOf } from './credit-accounts.ts';
import type { CreditRow, CreditStatus } from './credit-repository.ts';

export interface Repayment {
  repaid: bigint;
  /** The credit's status as the ledger left it: closed when nothing is owed, debt when the term has ended with something owed. */
  status: CreditStatus;
}

/**
 * Repays what the main balance covers of one promised payment, in one ledger command that reads
 * the debt and the balance under lock (so two runs at once cannot repay twice). Returns the amount
 * repaid and the status the credits row should have; the caller records it. `grantedSeen`, the
 * credit account's granted total (debits) when the caller chose this credit as its line's newest:
 * a grant since means a newer credit, and this one was repaid before it was granted.
 */
export async function repayCredit(ctx: AppContext, credit: CreditRow, now: Date, grantedSeen?: bigint): Promise<Repayment> {
  const mainId = lineMainAccountId(credit.line_id);
  const creditId = lineCreditAccountId(credit.line_id);
  const result = await ctx.writer.submit<{ repaid: bigint; owed: bigint }>({
    name: 'credit-repayment',
    lock: { lines: [credit.line_id], accounts: [mainId, creditId] },
    execute(tx) {
      if (outstandingOf(tx.account(creditId)) <= 0n) return fail('credit_not_open');
      if (grantedSeen !== undefined && tx.account(creditId)!.debitsPosted !== grantedSeen) return fail('credit_not_open', { reason: 'newer_credit' });
      const mainBefore = tx.account(mainId)!;
      const { repaid, owed } = collectCredit(tx, credit.line_id, { creditId: credit.id });
      if (repaid <= 0n) return fail('balance_insufficient', { owed: Number(owed) });
      const line = tx.line(credit.line_id);
      tx.outbox('credit.repaid', { creditId: credit.id, lineId: credit.line_id, msisdn: line?.msisdn ?? null, amount: Number(repaid), owedAfter: Number(owed), language: line?.language ?? null });
      announceLowBalance(tx, mainBefore, tx.account(mainId)!, line, ctx.settings.reminders.balanceLowMinor);
      return ok({ repaid, owed });
    },
  });
  if (result.ok) {
    const { repaid, owed } = result.value.value;
    return { repaid, status: owed === 0n ? 'closed' : unpaidStatusOf(credit, now) };
  }
  if (result.error.code === 'credit_not_open') return { repaid: 0n, status: 'closed' };
  if (result.error.code !== 'balance_insufficient') ctx.reportError(new Error(`credit repayment failed: ${result.error.code}`), { creditId: credit.id });
  return { repaid: 0n, status: result.error.code === 'balance_insufficient' ? unpaidStatusOf(credit, now) : credit.status as CreditStatus };
}

/** A credit still owed is a debt once its term has ended, and keeps its status before. */
export function unpaidStatusOf(credit: CreditRow, now: Date): CreditStatus {
  return now.toISOString() >= credit.due_at ? 'debt' : credit.status as CreditStatus;
}
