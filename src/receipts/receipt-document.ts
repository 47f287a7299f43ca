import { formatDecimal, formatTenge } from '../domain/money.ts';
import { maskMsisdn } from '../domain/msisdn.ts';
import { ALMATY_OFFSET_MS } from '../domain/time.ts';
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

export function formatAmount(amount: bigint, currency: string): string {
  return currency === 'KZT' ? formatTenge(amount) : `${formatDecimal(amount)} ${currency}`;
}

/** 2026-03-01T10:00:00Z → "2026-03-01 15:00 (UTC+5)": receipts show Almaty time. */
export function formatAlmatyTime(iso: string): string {
  const local = new Date(new Date(iso).getTime() + ALMATY_OFFSET_MS).toISOString();
  return `${local.slice(0, 10)} ${local.slice(11, 16)} (UTC+5)`;
}

export function receiptDocument(receipt: ReceiptView, language: ReceiptLanguage, verifyUrl: string): ReceiptDocument {
  const labels = RECEIPT_LABELS[language];
  const maskedMsisdn = receipt.msisdn ? maskMsisdn(receipt.msisdn) : null;
  const displayDate = formatAlmatyTime(receipt.createdAt);
  const amountText = formatAmount(receipt.amount, receipt.currency);
  const rows = [
    { label: labels.number, value: receipt.number },
    { label: labels.date, value: displayDate },
    { label: labels.kind, value: labels.kinds[receipt.kind] ?? receipt.kind },
    ...(maskedMsisdn ? [{ label: labels.line, value: maskedMsisdn }] : []),
    { label: labels.amount, value: amountText },
  ];
  return { language, title: labels.title, rows, amountText, verifyHint: labels.verifyHint, verifyUrl, thanks: labels.thanks, maskedMsisdn, displayDate };
}
