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
}

export async function findReceipt(ctx: AppContext, number: string): Promise<ReceiptView | undefined> {
  const row = await ctx.store.readDb.selectFrom('receipts')
    .leftJoin('lines', 'lines.id', 'receipts.line_id')
    .select(['receipts.number', 'receipts.kind', 'receipts.reference_id', 'receipts.line_id', 'receipts.amount', 'receipts.currency',
      'receipts.created_at', 'lines.msisdn', 'lines.language'])
    .where('receipts.number', '=', number)
    .executeTakeFirst();
  if (!row) return undefined;
  return {
    number: row.number, kind: row.kind, referenceId: row.reference_id, lineId: row.line_id, msisdn: row.msisdn ? numberOf({ msisdn: row.msisdn }) : null,
    language: row.language ?? null, amount: BigInt(row.amount), currency: row.currency, createdAt: row.created_at,
  };
}
