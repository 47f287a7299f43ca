/**
 * The sandbox's test cards: Stripe's numbers, so that testers already know them. Any other number
 * that passes the Luhn check approves; one that fails it is refused on the page, uncharged.
 */
export type SandboxOutcome = 'approve' | 'decline' | 'insufficient_funds' | 'challenge' | 'processing' | 'timeout';

export const SANDBOX_TEST_CARDS: { number: string; outcome: SandboxOutcome; description: string }[] = [
  { number: '4242424242424242', outcome: 'approve', description: 'approves at once' },
  { number: '4000000000000002', outcome: 'decline', description: 'declined (card_declined)' },
  { number: '4000000000009995', outcome: 'insufficient_funds', description: 'declined (insufficient_funds)' },
  { number: '4000000000003220', outcome: 'challenge', description: '3-D Secure-like challenge page: approve or fail' },
  { number: '4000000000000259', outcome: 'processing', description: 'processing; succeeds later (SANDBOX_PROCESSING_SECONDS)' },
  { number: '4000000000000119', outcome: 'timeout', description: 'gateway timeout: Tolem sees unknown; the charge succeeded, reconciliation finds it' },
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
