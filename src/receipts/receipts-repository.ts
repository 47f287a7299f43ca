import type { AppContext } from '../app-context.ts';
import { numberOf } from '../lines/lines-repository.ts';

/**
 * A receipt with the line it belongs to (the subscriber's number and language): the number as
 * people know it, also once a terminated line has given it to a new line (`+7…#ln_…` in its row).
 */
export interface ReceiptView {
  number: string;
  kind: string;
  referenceId: string;
  lineId: string | null;
  msisdn: string | null;
  language: string | null;
  amount: bigint;
  currency: string;
  createdAt: string;
  /** A reversal's receipt (kind topup_reversal, refund_reversal): the receipt of what it undid. */
  reverses: string | null;
  /** A top-up's or a refund's receipt once it was undone: the reversal's receipt. */
  reversedBy: string | null;
  /** A refund's receipt: the receipt of the card payment it paid back. */
  refundOf: string | null;
}

/**
 * The kinds of receipt that undo another, and the kind each undoes: a reversal's receipt has the
 * same reference as the receipt it undoes (the top-up's id, the refund's id).
 */
const REVERSED_KIND: Record<string, string> = { topup_reversal: 'topup', refund_reversal: 'refund' };
const REVERSAL_KIND: Record<string, string> = { topup: 'topup_reversal', refund: 'refund_reversal' };

export async function findReceipt(ctx: AppContext, number: string): Promise<ReceiptView | undefined> {
  const row = await ctx.store.readDb.selectFrom('receipts')
    .leftJoin('lines', 'lines.id', 'receipts.line_id')
    // A refund's reference is the refund: its payment's receipt is the one it pays back.
    .leftJoin('payment_refunds', (join) => join.onRef('payment_refunds.id', '=', 'receipts.reference_id').on('receipts.kind', '=', 'refund'))
    .leftJoin('payments', 'payments.id', 'payment_refunds.payment_id')
    .select(['receipts.number', 'receipts.kind', 'receipts.reference_id', 'receipts.line_id', 'receipts.amount', 'receipts.currency',
      'receipts.created_at', 'lines.msisdn', 'lines.language', 'payments.receipt_number as refund_of'])
    .where('receipts.number', '=', number)
    .executeTakeFirst();
  if (!row) return undefined;
  const reversedKind = REVERSED_KIND[row.kind];
  const reversalKind = REVERSAL_KIND[row.kind];
  const other = reversedKind ?? reversalKind;
  const related = other === undefined ? undefined : await ctx.store.readDb.selectFrom('receipts').select('number')
    .where('reference_id', '=', row.reference_id).where('kind', '=', other).executeTakeFirst();
  return {
    number: row.number, kind: row.kind, referenceId: row.reference_id, lineId: row.line_id, msisdn: row.msisdn ? numberOf({ msisdn: row.msisdn }) : null,
    language: row.language ?? null, amount: BigInt(row.amount), currency: row.currency, createdAt: row.created_at,
    reverses: reversedKind === undefined ? null : related?.number ?? null, reversedBy: reversalKind === undefined ? null : related?.number ?? null,
    refundOf: row.refund_of ?? null,
  };
}
