/**
 * The sandbox's test cards: Stripe's numbers, so that testers already know them. Any other number
 * that passes the Luhn check approves; one that fails it is refused on the page, uncharged, as is
 * an expiry that is no month or is past, and a CVC of the wrong length (as real checkouts do).
 */
export type SandboxOutcome = 'approve' | 'decline' | 'insufficient_funds' | 'challenge' | 'processing' | 'timeout';

/** Each card's description is in the page's language (sandbox-labels.ts, `card_<outcome>`). */
export const SANDBOX_TEST_CARDS: { number: string; outcome: SandboxOutcome }[] = [
  { number: '4242424242424242', outcome: 'approve' },
  { number: '4000000000000002', outcome: 'decline' },
  { number: '4000000000009995', outcome: 'insufficient_funds' },
  { number: '4000000000003220', outcome: 'challenge' },
  { number: '4000000000000259', outcome: 'processing' },
  { number: '4000000000000119', outcome: 'timeout' },
];

const CARD_DIGITS = /^\d{12,19}$/;

/** Digits only (spaces and dashes as typed are dropped), or null when it cannot be a card number. */
export function normaliseCardNumber(input: string): string | null {
  const digits = input.replace(/[\s-]/g, '');
  return CARD_DIGITS.test(digits) && luhnValid(digits) ? digits : null;
}

/** What a checkout refuses in a card's expiry or CVC: the label of the message the page shows. */
export type CardDetailsProblem = 'invalidExpiry' | 'expiredCard' | 'invalidCvc';

const EXPIRY = /^(\d{1,2})\s*\/\s*(\d{2}|\d{4})$/;

/**
 * The expiry is MM/YY (or MM/YYYY) with a month 01–12, valid to the end of that month (UTC); the
 * CVC is 3 digits, 4 for American Express (numbers starting 34 or 37). Null when both are right.
 */
export function cardDetailsProblem(cardNumber: string, expiry: string, cvc: string, now: Date): CardDetailsProblem | null {
  const parts = EXPIRY.exec(expiry.trim());
  const month = Number(parts?.[1]);
  if (!parts || month < 1 || month > 12) return 'invalidExpiry';
  const year = parts[2]!.length === 2 ? 2000 + Number(parts[2]) : Number(parts[2]);
  if (year * 12 + month < now.getUTCFullYear() * 12 + now.getUTCMonth() + 1) return 'expiredCard';
  const amex = /^3[47]/.test(cardNumber);
  if (!(amex ? /^\d{4}$/ : /^\d{3}$/).test(cvc.trim())) return 'invalidCvc';
  return null;
}

export function outcomeOf(cardNumber: string): SandboxOutcome {
  return SANDBOX_TEST_CARDS.find((card) => card.number === cardNumber)?.outcome ?? 'approve';
}

function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let index = 0; index < digits.length; index++) {
    let digit = Number(digits[digits.length - 1 - index]);
    if (index % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}
