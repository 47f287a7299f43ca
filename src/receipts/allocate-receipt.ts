import { almatyYear } from '../domain/time.ts';
import type { BatchTx } from '../ledger/batch-tx.ts';

/** The counter a receipt number is drawn from: one per calendar year (Almaty time). */
export const receiptCounterKey = (year: number) => `receipt:${year}`;

export function receiptCounterFor(now: Date): string {
  return receiptCounterKey(almatyYear(now));
}

export function formatReceiptNumber(year: number, sequence: bigint): string {
  return `R-${year}-${sequence.toString().padStart(8, '0')}`;
}

/**
 * Takes the next receipt number inside a ledger batch. Numbers are gapless per year because the
 * counter moves only when the command that takes it commits. The command must lock
 * `receiptCounterFor(now)`.
 */
export function allocateReceipt(tx: BatchTx, receipt: { kind: string; referenceId: string; lineId: string | null; amount: bigint; currency: string }): string {
  const year = almatyYear(tx.now);
  const number = formatReceiptNumber(year, tx.increment(receiptCounterKey(year)));
  tx.insert('receipts', {
    number, year: BigInt(year), kind: receipt.kind, reference_id: receipt.referenceId, line_id: receipt.lineId,
    amount: receipt.amount, currency: receipt.currency, created_at: tx.nowIso,
  });
  return number;
}
