import type { AppContext } from '../app-context.ts';
import { toJsonAmount } from '../domain/money.ts';
import { maskMsisdn } from '../domain/msisdn.ts';
import { formatAlmatyTime, formatAmount } from './receipt-document.ts';
import type { ReceiptLanguage } from './receipt-labels.ts';
import { receiptNumberOfToken } from './receipt-link.ts';
import { findReceipt } from './receipts-repository.ts';

export type ReceiptVerification =
  | { genuine: true; number: string; kind: string; amount: number; currency: string; amountText: string; msisdn: string | null; createdAt: string; displayDate: string; reverses: string | null; reversedBy: string | null; refundOf: string | null }
  | { genuine: false };

/**
 * Checks a verification link: the HMAC must match (constant time) and the receipt must exist.
 * `amountText` and `displayDate` are written in `language`, as the receipt's PDF writes them.
 */
export async function verifyReceipt(ctx: AppContext, token: string, language: ReceiptLanguage = 'en'): Promise<ReceiptVerification> {
  const number = receiptNumberOfToken(ctx.settings.secretKey, token);
  if (!number) return { genuine: false };
  const receipt = await findReceipt(ctx, number);
  if (!receipt) return { genuine: false };
  return {
    genuine: true, number, kind: receipt.kind, amount: toJsonAmount(receipt.amount), currency: receipt.currency,
    amountText: formatAmount(receipt.amount, receipt.currency, language), msisdn: receipt.msisdn ? maskMsisdn(receipt.msisdn) : null,
    createdAt: receipt.createdAt, displayDate: formatAlmatyTime(receipt.createdAt, language), reverses: receipt.reverses, reversedBy: receipt.reversedBy,
    refundOf: receipt.refundOf,
  };
}
