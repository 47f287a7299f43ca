import { integerBetween } from '../../platform/env.ts';

/**
 * One interface for every payment provider (after Medusa's payment module). Amounts are bigint
 * minor units everywhere in Tolem; an adapter converts to its provider's format inside itself.
 * Expected failures are values (`ok: false` with a code), never thrown.
 */
export type PaymentStatus = 'created' | 'requires_action' | 'processing' | 'succeeded' | 'failed' | 'canceled' | 'expired' | 'unknown';

export interface InitiateInput {
  paymentId: string;
  amount: bigint;
  currency: string;
  description: string;
  /** Where the payer returns after the provider's page. */
  returnUrl: string;
  /** Passed through to providers that support idempotency (Stripe, PayPal-Request-Id). */
  idempotencyKey: string;
  language: 'en' | 'ru' | 'kk' | 'zh';
  /** The payer's IP as Tolem saw it (WeChat Pay H5 requires it). */
  payerIp?: string;
  /** When Tolem expires the payment (PAYMENT_EXPIRY_MINUTES): a provider that can close its checkout then is told (Alipay's time_expire). */
  expiresAt?: string;
}

export interface InitiateResult {
  providerReference: string;
  status: PaymentStatus;
  /** Where to send the payer (hosted checkout, approval link), if anywhere. */
  redirectUrl?: string;
  /** Content of a QR code to show instead (Alipay, WeChat Pay Native). */
  qrContent?: string;
  /** What the provider will charge, in its currency's minor units, when that is not the payment's currency (a settlement file lists it). */
  charged?: { amount: bigint; currency: string };
  raw: unknown;
}

export interface StatusResult {
  status: PaymentStatus;
  /** Amount the provider says was captured, in minor units, when known. */
  amountCaptured?: bigint;
  failureReason?: string;
  raw: unknown;
}

export interface RefundResult {
  providerRefundId: string;
  /** `failed` only when the provider says the money stayed with the merchant; anything unknown is `pending`. */
  status: 'succeeded' | 'pending' | 'failed';
  /** A pending refund that waits for the operator, not the provider (WeChat Pay's ABNORMAL): why, for the refund's record. */
  attention?: string;
  raw: unknown;
}

/** A verified webhook, normalised. `eventId` is the provider's id: the inbox's idempotency key. */
export interface WebhookEvent {
  eventId: string;
  providerReference: string;
  status: PaymentStatus;
  amount?: bigint;
  currency?: string;
  occurredAt?: string;
  /** Tolem's payment id when the provider echoes it back (metadata); else matched by providerReference. */
  paymentId?: string;
  failureReason?: string;
  /**
   * A refund's notification (PayPal PAYMENT.CAPTURE.REFUNDED or REVERSED, WeChat Pay REFUND.*): the
   * refund's id at the provider. It does not move the payment: Tolem's own refunds are settled by
   * the refund API and its status job; one Tolem did not make is kept for review.
   */
  refundId?: string;
  /** A stable, non-reversible payer identity (card fingerprint, account id) for velocity limits. */
  payerFingerprint?: string;
  /** At most the last four digits of a card; card numbers never reach Tolem. */
  cardLast4?: string;
  raw: unknown;
}

export interface WebhookRequest {
  headers: Record<string, string | string[] | undefined>;
  /** The exact bytes received: signatures are computed over them. */
  rawBody: string;
}

export type ProviderResult<T> = { ok: true; value: T } | { ok: false; code: string; message?: string };

export interface PaymentProvider {
  /** Stable identifier used in settings, URLs and the database: sandbox, stripe, paypal, alipay, wechatpay. */
  readonly id: string;
  /**
   * Whether a refund the provider paid back may still fail later, the money coming back to the
   * merchant (Stripe: a refund's status can move from succeeded to failed when the card's bank
   * returns it): the refund-recheck job asks again after such refunds (recheck-paid-refunds.ts).
   */
  readonly refundsMayFailAfterSuccess?: boolean;
  initiate(input: InitiateInput): Promise<ProviderResult<InitiateResult>>;
  getStatus(providerReference: string): Promise<ProviderResult<StatusResult>>;
  capture(providerReference: string, amount: bigint): Promise<ProviderResult<StatusResult>>;
  /**
   * Pays `amount` back. `refundedBefore`: what the payment's earlier refunds (pending or paid back)
   * took, for providers that convert a part into another currency (Alipay, WeChat Pay: refund-share.ts).
   */
  refund(providerReference: string, amount: bigint, idempotencyKey: string, refundedBefore?: bigint): Promise<ProviderResult<RefundResult>>;
  /**
   * Where a refund the provider answered `pending` stands now (WeChat Pay answers PROCESSING to
   * nearly every refund; Stripe and PayPal to some): asked by the refund-status job and by a repeat
   * of the refund request. Takes the refund's provider id and the key it was made under (WeChat Pay
   * and Alipay look refunds up by the merchant's own refund number, made from that key).
   */
  refundStatus(providerReference: string, providerRefundId: string, idempotencyKey: string): Promise<ProviderResult<RefundResult>>;
  cancel(providerReference: string): Promise<ProviderResult<StatusResult>>;
  /** Verifies the signature (and timestamp freshness) and normalises the event; `ok: false` for forged or stale ones. */
  parseWebhook(request: WebhookRequest): Promise<ProviderResult<WebhookEvent>>;
}

/** Each adapter validates its options at start and throws a clear message when they are wrong. */
export type ProviderFactory<Options> = (options: Options) => PaymentProvider;

/**
 * How far a webhook's timestamp may be from the clock, in seconds, for one adapter: its own
 * `<PROVIDER>_WEBHOOK_TOLERANCE_SECONDS`, else `PAYMENT_WEBHOOK_TOLERANCE_SECONDS`, else the
 * adapter's default (300). The adapter's options check the range (1 to 3,600).
 */
export function webhookToleranceFromEnv(env: Record<string, string | undefined>, provider: 'STRIPE' | 'PAYPAL' | 'ALIPAY' | 'WECHATPAY'): number | undefined {
  const own = `${provider}_WEBHOOK_TOLERANCE_SECONDS`;
  const name = env[own]?.trim() ? own : env.PAYMENT_WEBHOOK_TOLERANCE_SECONDS?.trim() ? 'PAYMENT_WEBHOOK_TOLERANCE_SECONDS' : null;
  // Read as every number setting is (decimal digits: Number() took 1e3 and 0x10), the message naming the setting.
  return name === null ? undefined : integerBetween(env, name, WEBHOOK_TOLERANCE_SECONDS.default, WEBHOOK_TOLERANCE_SECONDS.min, WEBHOOK_TOLERANCE_SECONDS.max);
}

/** How far a webhook's timestamp may be from the clock (docs/payment-providers.md): 300 s unless set, 1 to 3,600. */
export const WEBHOOK_TOLERANCE_SECONDS = { default: 300, min: 1, max: 3_600 } as const;

/** An adapter's `webhookToleranceSeconds` option (the default when absent); out of range, a line in `problems`. */
export function checkedWebhookTolerance(value: number | undefined, problems: string[]): number {
  const tolerance = value ?? WEBHOOK_TOLERANCE_SECONDS.default;
  const { min, max } = WEBHOOK_TOLERANCE_SECONDS;
  if (!Number.isSafeInteger(tolerance) || tolerance < min || tolerance > max) problems.push(`webhookToleranceSeconds must be an integer in ${min}..${max}`);
  return tolerance;
}

/**
 * An exchange rate option such as "68.50" (tenge for one unit of the other currency) as an integer
 * 10,000 times it; null, with a line in `problems`, when it is not a positive decimal of at most
 * `wholeDigits` digits and 4 decimals.
 */
export function rateTimes10000(value: string, wholeDigits: number, option: string, example: string, problems: string[]): bigint | null {
  const match = new RegExp(`^(\\d{1,${wholeDigits}})(?:\\.(\\d{1,4}))?$`).exec(value);
  const rate = match ? BigInt(match[1]! + (match[2] ?? '').padEnd(4, '0')) : 0n;
  if (rate > 0n) return rate;
  problems.push(`${option} must be a positive decimal with at most 4 decimals, e.g. "${example}"`);
  return null;
}
