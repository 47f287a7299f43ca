import { createHmac, timingSafeEqual } from 'node:crypto';
import { maskMsisdn } from '../domain/msisdn.ts';
import type { PaymentRow } from './payments-repository.ts';

/** What the API shows of a payment. A failed one tells the client it may retry with another method. */
export interface PaymentView {
  id: string;
  status: string;
  provider: string;
  purpose: string;
  offering: string | null;
  msisdn: string;
  amount: number;
  currency: string;
  redirectUrl: string | null;
  qrContent: string | null;
  failureReason: string | null;
  nextAction: 'redirect' | 'show_qr' | 'wait' | 'retry_with_another_method' | null;
  topUpId: string | null;
  /** purpose=purchase: the package bought with the top-up, or why buying it failed (the money stays on the balance). */
  packageId: string | null;
  purchaseError: string | null;
  receiptNumber: string | null;
  cardLast4: string | null;
  refundedAmount: number;
  expiresAt: string;
  createdAt: string;
  updatedAt: string;
}

export function paymentView(row: PaymentRow): PaymentView {
  return {
    id: row.id, status: row.status, provider: row.provider, purpose: row.purpose, offering: row.offering_code,
    msisdn: maskMsisdn(row.msisdn), amount: Number(row.amount), currency: row.currency, redirectUrl: row.redirect_url,
    qrContent: row.qr_content, failureReason: row.failure_reason, nextAction: nextActionOf(row), topUpId: row.topup_id, packageId: row.package_id, purchaseError: row.purchase_error,
    receiptNumber: row.receipt_number, cardLast4: row.card_last4, refundedAmount: Number(row.refunded_amount),
    expiresAt: row.expires_at, createdAt: row.created_at, updatedAt: row.updated_at,
  };
}

function nextActionOf(row: PaymentRow): PaymentView['nextAction'] {
  switch (row.status) {
    case 'created':
    case 'requires_action': return row.qr_content ? 'show_qr' : row.redirect_url ? 'redirect' : 'wait';
    case 'processing':
    case 'unknown': return 'wait';
    case 'failed':
    case 'expired':
    case 'canceled': return 'retry_with_another_method';
    default: return null;
  }
}

/**
 * The creator's read token, like Stripe's client_secret: derived from the payment id with the
 * server's secret, so nothing needs storing and it cannot be guessed from the id.
 */
export function clientSecretOf(secretKey: string, paymentId: string): string {
  return `${paymentId}_secret_${createHmac('sha256', secretKey).update(`payment-client-secret:${paymentId}`).digest('base64url').slice(0, 24)}`;
}

export function clientSecretMatches(secretKey: string, paymentId: string, given: string | undefined): boolean {
  if (!given) return false;
  const expected = Buffer.from(clientSecretOf(secretKey, paymentId));
  const actual = Buffer.from(given);
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}
