import type { ValidatedPayPalOptions } from './paypal-options.ts';
import { PAYPAL_CURRENCIES } from './paypal-options.ts';

/** 97600n → "976.00"; PayPal takes decimal strings. Only two-decimal currencies reach here. */
export function decimalOf(minor: bigint): string {
  return `${minor / 100n}.${(minor % 100n).toString().padStart(2, '0')}`;
}

export function minorOf(value: string): bigint | null {
  const match = /^(\d{1,12})(?:\.(\d{1,2}))?$/.exec(value);
  return match ? BigInt(match[1]!) * 100n + BigInt((match[2] ?? '').padEnd(2, '0')) : null;
}

export interface OrderAmount {
  currency: string;
  minor: bigint;
}

/**
 * What an order is made for. KZT goes through the settlement currency, rounding up so that the
 * operator is never paid less than the tenge price; other currencies pass when PayPal has them.
 */
export function orderAmountOf(amount: bigint, currency: string, settings: ValidatedPayPalOptions): OrderAmount | null {
  if (currency === 'KZT') {
    if (!settings.settlement) return null;
    const rate = settings.settlement.kztPerUnitTimes10000;
    return { currency: settings.settlement.currency, minor: (amount * 10_000n + rate - 1n) / rate };
  }
  return PAYPAL_CURRENCIES.has(currency) ? { currency, minor: amount } : null;
}

/** Settlement minor units back to tenge, rounding down (for amounts that are not the order's own). */
export function kztOf(settlementMinor: bigint, settings: ValidatedPayPalOptions): bigint {
  return settings.settlement ? (settlementMinor * settings.settlement.kztPerUnitTimes10000) / 10_000n : settlementMinor;
}
