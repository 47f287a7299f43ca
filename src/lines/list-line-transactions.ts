import type { AppContext } from '../app-context.ts';
import type { Actor } from '../auth/actor.ts';
import { toJsonAmount } from '../domain/money.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { findReadableLine } from './line-access.ts';
import { accountKindsOf, listLineTransfers } from './lines-repository.ts';
import { cutPage, type Page } from '../domain/page.ts';

export interface LineTransaction {
  id: string;
  code: string;
  kind: string;
  /** Positive when the line's account was credited, negative when debited. */
  amount: number;
  unit: string;
  account: string;
  counterparty: string;
  /** For a posting or a void of a reservation (`kind` post_pending or void_pending): the reservation's id. */
  pendingId: string | null;
  /** The receipt the movement was issued with (a top-up, a package bought or renewed, a refund): GET /v1/receipts/{number}.pdf. */
  receipt: string | null;
  /** For a package bought or renewed (and its promotion's share), the offering's code. */
  offering: string | null;
  createdAt: string;
}

export async function listLineTransactions(ctx: AppContext, actor: Actor, msisdnInput: string, query: { limit: number; cursor?: string }): Promise<Result<Page<LineTransaction>>> {
  const line = await findReadableLine(ctx, actor, msisdnInput);
  if (!line.ok) return line;
  const rows = await listLineTransfers(ctx, line.value.id, query.limit + 1, query.cursor ?? null);
  // A cursor is the last transfer of the page before: another line's, or none, is no cursor of this list.
  if (rows === undefined) return fail('validation_failed', { field: 'cursor' });
  const page = cutPage(rows, query.limit);
  const kinds = await accountKindsOf(ctx, [...new Set(page.rows.flatMap((t) => [t.debit_account_id, t.credit_account_id]))]);
  const data = page.rows.map((t): LineTransaction => {
    // A movement between two of the line's own accounts is shown from the main balance's side when it
    // touches it (a promised payment's repayment: money out of the balance, not into the debt account),
    // so that the balance's movements add up to it; otherwise from the side credited.
    const debit = kinds.get(t.debit_account_id);
    const credited = kinds.get(t.credit_account_id)?.ownerId === line.value.id && !(debit?.ownerId === line.value.id && debit.kind === 'line_main');
    const own = credited ? t.credit_account_id : t.debit_account_id;
    const other = credited ? t.debit_account_id : t.credit_account_id;
    return {
      id: t.id, code: t.code, kind: t.kind, amount: toJsonAmount(credited ? BigInt(t.amount) : -BigInt(t.amount)), unit: t.unit,
      account: kinds.get(own)?.kind ?? own, counterparty: kinds.get(other)?.kind ?? other, pendingId: t.pending_id ?? null, receipt: metadataText(t.metadata, 'receipt'), offering: metadataText(t.metadata, 'offering'), createdAt: t.created_at,
    };
  });
  return ok({ data, nextCursor: page.nextCursor });
}

/** A text a transfer's metadata holds under `key`, if any: the receipt number (written since receipts were linked from history), the offering of a package. */
function metadataText(metadata: string | null, key: 'receipt' | 'offering'): string | null {
  if (metadata === null || !metadata.includes(`"${key}"`)) return null;
  const value: unknown = (JSON.parse(metadata) as Record<string, unknown>)[key];
  return typeof value === 'string' ? value : null;
}
