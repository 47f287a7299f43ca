import type { AppContext } from '../app-context.ts';
import type { Actor } from '../auth/actor.ts';
import { userOwnsLine } from '../auth/auth-repository.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { clientSecretMatches } from '../payments/payment-view.ts';
import { findPayment } from '../payments/payments-repository.ts';
import { receiptDocument, type ReceiptDocument } from './receipt-document.ts';
import { chooseLanguage } from './receipt-labels.ts';
import { receiptVerifyUrl } from './receipt-link.ts';
import { findReceipt, type ReceiptView } from './receipts-repository.ts';
import { closedStoreRefusal } from '../stores/store-of-actor.ts';

/**
 * Roles that may read any receipt; a subscriber reads the receipts of lines linked to their login.
 * An agent reprints its own through GET /v1/pos/receipts/{number}, not anyone's here.
 */
const RECEIPT_READER_ROLES = ['admin', 'clerk'];
/** R-<year>-<sequence>, the sequence padded to 8 digits and longer past 99,999,999 in a year (formatReceiptNumber). */
const RECEIPT_NUMBER = /^R-\d{4}-\d{8,19}$/;

export interface ReadableReceipt {
  receipt: ReceiptView;
  document: ReceiptDocument;
}

/**
 * A receipt ready to render, in the asked language or else the line's. Someone who may not read
 * it hears receipt_not_found, like findReadableLine, so that numbers cannot be probed.
 */
export async function getReceipt(ctx: AppContext, actor: Actor, number: string, language: unknown): Promise<Result<ReadableReceipt>> {
  if (!RECEIPT_NUMBER.test(number)) return fail('receipt_not_found');
  const closed = await closedStoreRefusal(ctx, actor);
  if (closed) return closed;
  const receipt = await findReceipt(ctx, number);
  if (!receipt) return fail('receipt_not_found');
  const owns = actor.role === 'subscriber' && receipt.lineId !== null && await userOwnsLine(ctx, actor.id, receipt.lineId);
  if (!RECEIPT_READER_ROLES.includes(actor.role) && !owns) {
    return actor.role === 'subscriber' ? fail('receipt_not_found') : fail('forbidden');
  }
  return ok(readable(ctx, receipt, language));
}

/**
 * The receipt of a card payment for whoever paid it without logging in: the payer holds the
 * payment's client secret (the create answer's), as for reading the payment. A wrong secret or an
 * unknown payment is payment_not_found; a payment not paid yet has no receipt (receipt_not_found).
 */
export async function getPaymentReceipt(ctx: AppContext, paymentId: string, clientSecret: string | undefined, language: unknown): Promise<Result<ReadableReceipt>> {
  if (!clientSecretMatches(ctx.settings.secretKey, paymentId, clientSecret)) return fail('payment_not_found');
  const payment = await findPayment(ctx, paymentId);
  if (!payment) return fail('payment_not_found');
  const receipt = payment.receipt_number === null ? undefined : await findReceipt(ctx, payment.receipt_number);
  if (!receipt) return fail('receipt_not_found');
  return ok(readable(ctx, receipt, language));
}

function readable(ctx: AppContext, receipt: ReceiptView, language: unknown): ReadableReceipt {
  const chosen = chooseLanguage(language, undefined, receipt.language ?? 'en');
  const verifyUrl = receiptVerifyUrl(ctx.settings.publicUrl, ctx.settings.secretKey, receipt.number);
  return { receipt, document: receiptDocument(receipt, chosen, verifyUrl) };
}
