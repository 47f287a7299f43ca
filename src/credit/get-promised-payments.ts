import type { AppContext } from '../app-context.ts';
import type { Actor } from '../auth/actor.ts';
import { ok, type Result } from '../domain/result.ts';
import { findReadableLine } from '../lines/line-access.ts';
import { numberOf } from '../lines/lines-repository.ts';
import { lineCreditAccountId } from './credit-accounts.ts';
import { creditRefusalOf, type CreditRefusal } from './credit-eligibility.ts';
import { listCreditsOf, owedBy } from './credit-repository.ts';
import { creditFeeOf } from './take-promised-payment.ts';

export interface PromisedPaymentsView {
  msisdn: string;
  /** What the line owes now (the ledger's figure), minor units. */
  owed: number;
  currency: 'KZT';
  /** What the line may take now: the amounts on offer with their fees, or why it may not (`refusal`, as a grant would answer). */
  offer: {
    available: boolean;
    refusal: CreditRefusal | null;
    amounts: { amount: number; fee: number; owed: number }[];
    termDays: number;
  };
  data: { id: string; amount: number; fee: number; status: string; grantedAt: string; dueAt: string; closedAt: string | null }[];
}

/** A line's promised payments, oldest first, what it owes now, and what it may take. */
export async function getPromisedPayments(ctx: AppContext, actor: Actor, msisdnInput: string): Promise<Result<PromisedPaymentsView>> {
  const line = await findReadableLine(ctx, actor, msisdnInput);
  if (!line.ok) return line;
  const settings = ctx.settings.credit;
  const [owed, rows] = await Promise.all([owedBy(ctx, lineCreditAccountId(line.value.id)), listCreditsOf(ctx, line.value.id)]);
  const refusal = creditRefusalOf(settings, line.value, owed, ctx.clock.now());
  return ok({
    // The number as people know it, also for a closed line that has given it to a newer line.
    msisdn: numberOf(line.value), owed: Number(owed), currency: 'KZT',
    offer: {
      available: refusal === null, refusal, termDays: settings.termDays,
      amounts: settings.amounts.map((amount) => {
        const fee = creditFeeOf(amount, settings.feePercent);
        return { amount: Number(amount), fee: Number(fee), owed: Number(amount + fee) };
      }),
    },
    data: rows.map((r) => ({ id: r.id, amount: Number(r.amount), fee: Number(r.fee), status: r.status, grantedAt: r.granted_at, dueAt: r.due_at, closedAt: r.closed_at })),
  });
}
