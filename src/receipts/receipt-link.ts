import { createHmac, timingSafeEqual } from 'node:crypto';

/** Bytes of HMAC-SHA256 kept in a verification link: 128 bits is beyond guessing and fits a QR code. */
const SIGNATURE_BYTES = 16;
/** R-<year>-<sequence>, the sequence padded to 8 digits and longer past 99,999,999 in a year (formatReceiptNumber). */
const RECEIPT_NUMBER = /^R-\d{4}-\d{8,19}$/;

function signatureOf(secretKey: string, receiptNumber: string): Buffer {
  return createHmac('sha256', secretKey).update(`receipt:${receiptNumber}`).digest().subarray(0, SIGNATURE_BYTES);
}

/** `R-2026-00000001.<base64url hmac>`: the last path segment of a receipt's verification link. */
export function receiptToken(secretKey: string, receiptNumber: string): string {
  return `${receiptNumber}.${signatureOf(secretKey, receiptNumber).toString('base64url')}`;
}

export function receiptVerifyUrl(publicUrl: string, secretKey: string, receiptNumber: string): string {
  return `${publicUrl.replace(/\/+$/, '')}/receipts/verify/${receiptToken(secretKey, receiptNumber)}`;
}

/** The receipt number a token vouches for, or null when the token is malformed or forged. */
export function receiptNumberOfToken(secretKey: string, token: string): string | null {
  const dot = token.lastIndexOf('.');
  if (dot < 0) return null;
  const number = token.slice(0, dot);
  if (!RECEIPT_NUMBER.test(number)) return null;
  // The text itself is compared, not its decoded bytes: base64url's last character carries spare
  // bits, and decoding skips what is not base64url, so several texts decode to the same bytes.
  const given = Buffer.from(token.slice(dot + 1));
  const expected = Buffer.from(signatureOf(secretKey, number).toString('base64url'));
  if (given.length !== expected.length) return null;
  return timingSafeEqual(given, expected) ? number : null;
}
