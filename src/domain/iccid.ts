import { fail, ok, type Result } from './result.ts';

/** ICCID: 19 or 20 digits starting 89 (telecom), the last a Luhn check digit (ITU-T E.118). */
export function parseIccid(input: string): Result<string> {
  const digits = input.replace(/[\s-]/g, '');
  if (!/^89\d{17,18}$/.test(digits)) return fail('iccid_invalid');
  if (!luhnValid(digits)) return fail('iccid_invalid');
  return ok(digits);
}

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let index = 0; index < digits.length; index++) {
    let digit = digits.charCodeAt(digits.length - 1 - index) - 48;
    if (index % 2 === 1) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return sum % 10 === 0;
}

/** Appends the Luhn check digit; used by the demo seed and tests to make valid ICCIDs. */
export function withLuhnDigit(body: string): string {
  for (let check = 0; check <= 9; check++) {
    if (luhnValid(body + check)) return body + check;
  }
  throw new Error('unreachable');
}
