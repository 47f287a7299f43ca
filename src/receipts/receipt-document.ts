import { formatDecimal, formatTenge } from '../domain/money.ts';
import { almatyDateTimeIn } from '../domain/local-time.ts';
import { maskMsisdn } from '../domain/msisdn.ts';
import { RECEIPT_LABELS, type ReceiptLanguage } from './receipt-labels.ts';
import type { ReceiptView } from './receipts-repository.ts';

/** What every rendering of a receipt shows (PDF, slip, verification page), already in words. */
export interface ReceiptDocument {
  language: ReceiptLanguage;
  title: string;
  rows: { label: string; value: string }[];
  amountText: string;
  verifyHint: string;
  verifyUrl: string;
  thanks: string;
  /** Plain data for JSON answers. */
  maskedMsisdn: string | null;
  displayDate: string;
}

export function formatAmount(amount: bigint, currency: string, language: string): string {
  return currency === 'KZT' ? formatTenge(amount, language) : `${formatDecimal(amount)} ${currency}`;
}

/**
 * 2026-03-01T10:00:00Z → "01.03.2026 15:00 (UTC+5)" in Russian, "1 Mar 2026 15:00 (UTC+5)" in
 * English, "2026年3月1日 15:00 (UTC+5)" in Chinese: receipts show Almaty time, as each reader writes a day.
 */
export function formatAlmatyTime(iso: string, language: ReceiptLanguage): string {
  return `${almatyDateTimeIn(language, iso)} (UTC+5)`;
}

/** Receipts of money given back: no "the payment went through" on them. */
const RETURN_KINDS = new Set(['refund', 'topup_reversal', 'refund_reversal']);

export function receiptDocument(receipt: ReceiptView, language: ReceiptLanguage, verifyUrl: string): ReceiptDocument {
  const labels = RECEIPT_LABELS[language];
  const maskedMsisdn = receipt.msisdn ? maskMsisdn(receipt.msisdn) : null;
  const displayDate = formatAlmatyTime(receipt.createdAt, language);
  const amountText = formatAmount(receipt.amount, receipt.currency, language);
  const rows = [
    { label: labels.number, value: receipt.number },
    { label: labels.date, value: displayDate },
    { label: labels.kind, value: labels.kinds[receipt.kind] ?? receipt.kind },
    // A refund names the payment it paid back; a reversal and what it undid name each other (a reversed
    // top-up's receipt is no proof of payment).
    ...(receipt.refundOf ? [{ label: labels.refundOf, value: receipt.refundOf }] : []),
    ...(receipt.reverses ? [{ label: labels.reverses, value: receipt.reverses }] : []),
    ...(receipt.reversedBy ? [{ label: labels.reversedBy, value: receipt.reversedBy }] : []),
    ...(maskedMsisdn ? [{ label: labels.line, value: maskedMsisdn }] : []),
    { label: labels.amount, value: amountText },
  ];
  return { language, title: labels.title, rows, amountText, verifyHint: labels.verifyHint, verifyUrl, thanks: RETURN_KINDS.has(receipt.kind) ? labels.returned : labels.thanks, maskedMsisdn, displayDate };
}
