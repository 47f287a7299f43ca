import { createHmac } from 'node:crypto';
import { asciiTyped } from '../domain/text.ts';

/** Scratch-card PINs: 14 decimal digits, stored only as HMAC-SHA256 under the deployment's secret key. */
export const PIN_DIGITS = 14;
// The first digit is 1-9: a spreadsheet opening the printer's CSV would drop a leading 0.
const PIN_FIRST = 10n ** BigInt(PIN_DIGITS - 1);
const PIN_SPACE = 9n * PIN_FIRST;
// Seven random bytes cover 2^56 ≈ 7.2e16; values at or above the last whole multiple of 9×10^13 are
// drawn again, so that every PIN is equally likely (no modulo bias).
const DRAW_LIMIT = (1n << 56n) - ((1n << 56n) % PIN_SPACE);
const DRAWS_MAX = 100;

export function generatePin(random: (size: number) => Buffer): string {
  for (let draw = 0; draw < DRAWS_MAX; draw++) {
    const value = BigInt(`0x${random(7).toString('hex')}`);
    if (value < DRAW_LIMIT) return (PIN_FIRST + (value % PIN_SPACE)).toString();
  }
  throw new Error('random source keeps drawing above the limit');
}

export function hashPin(secretKey: string, pin: string): string {
  return createHmac('sha256', secretKey).update(`voucher-pin:${pin}`).digest('base64url');
}

/**
 * "1234 5678-9012 34" → "12345678901234", also in full-width digits or with any dash, as a number
 * is read (parseMsisdn); null when it cannot be a PIN.
 */
export function normalizePin(input: string): string | null {
  if (input.length > 40) return null;
  const text = asciiTyped(input);
  if (!/^[\d\s-]+$/.test(text)) return null;
  const digits = text.replace(/\D/g, '');
  return digits.length === PIN_DIGITS ? digits : null;
}

/** The USSD service code of voucher redemption: *111*PIN#. */
export const USSD_VOUCHER_SERVICE = '111';

/** Parses a USSD string "*111*12345678901234#" into the PIN, or null. */
export function parseUssdVoucher(input: string): string | null {
  const compact = input.replace(/\s/g, '');
  const match = new RegExp(`^\\*${USSD_VOUCHER_SERVICE}\\*(\\d{${PIN_DIGITS}})#$`).exec(compact);
  return match ? match[1]! : null;
}
