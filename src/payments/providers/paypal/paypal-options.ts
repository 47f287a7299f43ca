import { checkedWebhookTolerance, rateTimes10000, webhookToleranceFromEnv } from '../payment-provider.ts';

/**
 * Options of the PayPal adapter. PayPal does not list KZT among its currencies, so a shop in
 * tenge names a settlement currency and a fixed rate (tenge per unit), applied inside the adapter.
 */
export interface PayPalProviderOptions {
  clientId: string;
  clientSecret: string;
  /** The id PayPal gave the webhook subscription; needed to verify deliveries. */
  webhookId: string;
  /** https://api-m.paypal.com (live), https://api-m.sandbox.paypal.com, or a local fake. */
  apiBase: string;
  /** Required for KZT payments: the two-decimal currency orders are made in, e.g. USD. */
  settlementCurrency?: string;
  /** Tenge per one unit of the settlement currency, as a decimal string: "512.34". */
  kztPerSettlementUnit?: string;
  webhookToleranceSeconds?: number;
  timeoutMs?: number;
  now?: () => Date;
  fetch?: typeof fetch;
}

/** Two-decimal currencies PayPal accepts that Tolem can send (amounts in hundredths). */
export const PAYPAL_CURRENCIES = new Set(['USD', 'EUR', 'GBP', 'RUB', 'CAD', 'AUD', 'CHF', 'PLN', 'CZK', 'SEK']);

export interface ValidatedPayPalOptions {
  clientId: string;
  clientSecret: string;
  webhookId: string;
  apiBase: string;
  /** KZT minor units per 10 000 settlement minor units (the rate with four decimals, as an integer). */
  settlement: { currency: string; kztPerUnitTimes10000: bigint } | null;
  webhookToleranceSeconds: number;
  timeoutMs: number;
  now: () => Date;
  fetch: typeof fetch;
}

export function validatePayPalOptions(options: PayPalProviderOptions): ValidatedPayPalOptions {
  const problems: string[] = [];
  if (!options.clientId) problems.push('clientId is required');
  if (!options.clientSecret) problems.push('clientSecret is required');
  if (!options.webhookId) problems.push('webhookId is required (the id of the webhook subscription)');
  let apiBase = '';
  try {
    const url = new URL(options.apiBase);
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && ['127.0.0.1', 'localhost'].includes(url.hostname))) throw new Error('insecure');
    apiBase = url.origin;
  } catch {
    problems.push(`apiBase must be an https URL (http only for localhost), got "${options.apiBase}"`);
  }
  let settlement: ValidatedPayPalOptions['settlement'] = null;
  if (options.settlementCurrency !== undefined || options.kztPerSettlementUnit !== undefined) {
    const currency = options.settlementCurrency ?? '';
    if (!PAYPAL_CURRENCIES.has(currency)) problems.push(`settlementCurrency must be one of ${[...PAYPAL_CURRENCIES].join(', ')}`);
    const rate = rateTimes10000(options.kztPerSettlementUnit ?? '', 7, 'kztPerSettlementUnit', '512.34', problems);
    if (rate !== null) settlement = { currency, kztPerUnitTimes10000: rate };
  }
  const tolerance = checkedWebhookTolerance(options.webhookToleranceSeconds, problems);
  if (problems.length > 0) throw new Error(`PayPal provider options are invalid: ${problems.join('; ')}`);
  return {
    clientId: options.clientId, clientSecret: options.clientSecret, webhookId: options.webhookId, apiBase, settlement,
    webhookToleranceSeconds: tolerance, timeoutMs: options.timeoutMs ?? 20_000, now: options.now ?? (() => new Date()), fetch: options.fetch ?? fetch,
  };
}

/** PAYPAL_CLIENT_ID, PAYPAL_CLIENT_SECRET, PAYPAL_WEBHOOK_ID, PAYPAL_API_BASE, PAYPAL_SETTLEMENT_CURRENCY, PAYPAL_KZT_PER_UNIT, PAYPAL_WEBHOOK_TOLERANCE_SECONDS or PAYMENT_WEBHOOK_TOLERANCE_SECONDS. */
export function payPalOptionsFromEnv(env: Record<string, string | undefined>, now?: () => Date): PayPalProviderOptions {
  return {
    clientId: env.PAYPAL_CLIENT_ID ?? '', clientSecret: env.PAYPAL_CLIENT_SECRET ?? '', webhookId: env.PAYPAL_WEBHOOK_ID ?? '',
    apiBase: env.PAYPAL_API_BASE || 'https://api-m.sandbox.paypal.com',
    settlementCurrency: env.PAYPAL_SETTLEMENT_CURRENCY || undefined, kztPerSettlementUnit: env.PAYPAL_KZT_PER_UNIT || undefined,
    webhookToleranceSeconds: webhookToleranceFromEnv(env, 'PAYPAL'), now,
  };
}
