import type { AppContext } from '../app-context.ts';
import type { Actor } from '../auth/actor.ts';
import { ok, type Result } from '../domain/result.ts';
import { findReadableLine } from '../lines/line-access.ts';
import { lineCreditAccountId } from './credit-accounts.ts';
import { listCreditsOf, owedBy } from './credit-repository.ts';

export interface PromisedPaymentsView {
  msisdn: string;
  /** What the line owes now (the ledger's figure), minor units. */
  owed: number;
  currency: 'KZT';
  data: { id: string; amount: number; fee: number; status: string; grantedAt: string; dueAt: string; closedAt: string | null }[];
}

/** A line's promised payments, oldest first, and what it owes now. */
export async function getPromisedPayments(ctx: AppContext, actor: Actor, msisdnInput: string): Promise<Result<PromisedPaymentsView>> {
  const line = await findReadableLine(ctx, actor, msisdnInput);
  if (!line.ok) return line;
  const [owed, rows] = await Promise.all([owedBy(ctx, lineCreditAccountId(line.value.id)), listCreditsOf(ctx, line.value.id)]);
  return ok({
    msisdn: line.value.msisdn, owed: Number(owed), currency: 'KZT',
    data: rows.map((r) => ({ id: r.id, amount: Number(r.amount), fee: Number(r.fee), status: r.status, grantedAt: r.granted_at, dueAt: r.due_at, closedAt: r.closed_at })),
  });
}
