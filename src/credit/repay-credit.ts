import type { AppContext } from '../app-context.ts';
import { fail, ok } from '../domain/result.ts';
import { lineMainAccountId } from '../ledger/accounts.ts';
import type { Database } from '../store/schema.ts';
import { collectCredit } from './collect-credit.ts';
import { lineCreditAccountId, outstandingOf } from './credit-accounts.ts';
import { setCreditStatus } from './credit-repository.ts';

export type CreditRow = Database['credits'];

/**
 * Repays what the main balance covers of one promised payment, in one ledger command that reads
 * the debt and the balance under lock (so two runs at once cannot repay twice), then brings the
 * credits row's status in line with the ledger: closed when nothing is owed, debt when the term
 * has ended with something owed. Returns the amount repaid.
 */
export async function repayCredit(ctx: AppContext, credit: CreditRow, now: Date): Promise<number> {
  const mainId = lineMainAccountId(credit.line_id);
  const creditId = lineCreditAccountId(credit.line_id);
  const result = await ctx.writer.submit<{ repaid: bigint; owed: bigint }>({
    name: 'credit-repayment',
    lock: { accounts: [mainId, creditId] },
    execute(tx) {
      if (outstandingOf(tx.account(creditId)) <= 0n) return fail('credit_not_open');
      const { repaid, owed } = collectCredit(tx, credit.line_id, { creditId: credit.id });
      if (repaid <= 0n) return fail('balance_insufficient', { owed: Number(owed) });
      tx.outbox('credit.repaid', { creditId: credit.id, lineId: credit.line_id, amount: Number(repaid), owedAfter: Number(owed) });
      return ok({ repaid, owed });
    },
  });
  const due = now.toISOString() >= credit.due_at;
  if (result.ok) {
    const { repaid, owed } = result.value.value;
    await updateStatus(ctx, credit, owed === 0n ? 'closed' : due ? 'debt' : 'open', now);
    return Number(repaid);
  }
  if (result.error.code === 'credit_not_open') await updateStatus(ctx, credit, 'closed', now);
  else if (result.error.code === 'balance_insufficient' && due) await updateStatus(ctx, credit, 'debt', now);
  else if (result.error.code !== 'balance_insufficient') ctx.reportError(new Error(`credit repayment failed: ${result.error.code}`), { creditId: credit.id });
  return 0;
}

async function updateStatus(ctx: AppContext, credit: CreditRow, status: 'open' | 'debt' | 'closed', now: Date): Promise<void> {
  if (status !== credit.status) await setCreditStatus(ctx, credit.id, status, status === 'closed' ? now.toISOString() : null);
}
