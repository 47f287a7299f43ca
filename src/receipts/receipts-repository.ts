import { sql } from 'kysely';
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
 * The receipts indexed by reference (migration 040): refunds and the reversals of top-ups and refunds.
 * The term is the index's own, in literals: SQLite takes a partial index only for a term it can see
 * implies the index's, which bound parameters hide.
 */
const UNDOING_KINDS = sql<boolean>`kind in ('refund', 'refund_reversal', 'topup_reversal')`;
/** The kind of receipt each reversal undoes, and the kind of reversal that undoes each. */
const REVERSED_KIND: Record<string, string> = { topup_reversal: 'topup', refund_reversal: 'refund' };
const REVERSAL_KIND: Record<string, string> = { topup: 'topup_reversal', refund: 'refund_reversal' };

export async function findReceipt(ctx: AppContext, number: string): Promise<ReceiptView | undefined> {
  const row = await ctx.store.readDb.selectFrom('receipts')
    .leftJoin('lines', 'lines.id', 'receipts.line_id')
    // A refund's reference is the refund: its payment's receipt is the one it pays back.
    .leftJoin('payment_refunds', (join) => join.onRef('payment_refunds.id', '=', 'receipts.reference_id').on('receipts.kind', '=', 'refund'))
    .leftJoin('payments', 'payments.id', 'payment_refunds.payment_id')
    .leftJoin('topups', (join) => join.onRef('topups.id', '=', 'receipts.reference_id').on('receipts.kind', '=', 'topup_reversal'))
    .select(['receipts.number', 'receipts.kind', 'receipts.reference_id', 'receipts.line_id', 'receipts.amount', 'receipts.currency',
      'receipts.created_at', 'lines.msisdn', 'lines.language', 'payments.receipt_number as refund_of', 'topups.receipt_number as reversed_topup'])
    .where('receipts.number', '=', number)
    .executeTakeFirst();
  if (!row) return undefined;
  const reversedKind = REVERSED_KIND[row.kind];
  const reversalKind = REVERSAL_KIND[row.kind];
  // A reversal's receipt shares its reference with the receipt it undoes (the top-up's id, the
  // refund's id): a reversed top-up is found through its row, the rest through the index of
  // refunds' and reversals' receipts by reference (migration 040).
  const undoing = reversalKind === undefined && row.kind !== 'refund_reversal' ? [] : await ctx.store.readDb.selectFrom('receipts').select(['number', 'kind'])
    .where('reference_id', '=', row.reference_id).where(UNDOING_KINDS).execute();
  const numberOfKind = (kind: string | undefined) => undoing.find((receipt) => receipt.kind === kind)?.number ?? null;
  return {
    number: row.number, kind: row.kind, referenceId: row.reference_id, lineId: row.line_id, msisdn: row.msisdn ? numberOf({ msisdn: row.msisdn }) : null,
    language: row.language ?? null, amount: BigInt(row.amount), currency: row.currency, createdAt: row.created_at,
    reverses: row.kind === 'topup_reversal' ? row.reversed_topup ?? null : numberOfKind(reversedKind),
    reversedBy: numberOfKind(reversalKind), refundOf: row.refund_of ?? null,
  };
}
