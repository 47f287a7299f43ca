/**
 * The sandbox's test cards: Stripe's numbers, so that testers already know them. Any other number
 * that passes the Luhn check approves; one that fails it is refused on the page, uncharged.
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
