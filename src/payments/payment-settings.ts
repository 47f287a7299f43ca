/**
 * Settings of online payments (docs/payments.md), read from the environment. Kept in this file
 * so that config.ts only names the group.
 */
import { flag, integer, integerAtLeast, integerBetween, type Env } from '../platform/env.ts';
import { WEBHOOK_TOLERANCE_SECONDS } from './providers/payment-provider.ts';

export interface PaymentSettings {
  /** Enabled providers, in order; the first is the default. PAYMENT_PROVIDERS=sandbox,stripe */
  providers: string[];
  /** Raw environment, from which each provider reads and validates its own options. */
  providerEnv: Record<string, string | undefined>;
  expiryMinutes: number;
  /** Payments in processing/unknown older than this are asked about by the reconciliation job. */
  reconcileAfterMinutes: number;
  webhookToleranceSeconds: number;
  webhookAttemptsMax: number;
  webhookBackoffSecondsBase: number;
  /** Process a stored webhook right after answering it (the job still retries failures). */
  processWebhooksInline: boolean;
  /** Velocity limits: payments created per window. */
  velocityWindowMinutes: number;
  perIpMax: number;
  perLineMax: number;
  perPayerMax: number;
  confirmLinePerIpMax: number;
  batchSizeMax: number;
  /** For how many days after a refund was paid back it is asked after again, where the provider may still fail it (Stripe); 0: never. */
  refundRecheckDays: number;
  sandbox: {
    webhookSecret: string;
    /** Chance (0-100) that the sandbox sends an event twice, and that it sends a pair out of order. */
    duplicatePercent: number;
    reorderPercent: number;
    /** How long a 4000000000000259 payment stays processing at the sandbox. */
    processingSeconds: number;
  };
}


export function loadPaymentSettings(env: Env): PaymentSettings {
  return {
    providers: (env.PAYMENT_PROVIDERS?.trim() || 'sandbox').split(',').map((p) => p.trim()).filter((p) => p !== ''),
    providerEnv: env,
    expiryMinutes: integerAtLeast(env, 'PAYMENT_EXPIRY_MINUTES', 30, 1),
    reconcileAfterMinutes: integer(env, 'PAYMENT_RECONCILE_AFTER_MINUTES', 10),
    // Every adapter and the sandbox hold it to 1..3,600: 0 made every sandbox webhook stale.
    webhookToleranceSeconds: integerBetween(env, 'PAYMENT_WEBHOOK_TOLERANCE_SECONDS', WEBHOOK_TOLERANCE_SECONDS.default, WEBHOOK_TOLERANCE_SECONDS.min, WEBHOOK_TOLERANCE_SECONDS.max),
    webhookAttemptsMax: integerAtLeast(env, 'PAYMENT_WEBHOOK_ATTEMPTS_MAX', 8, 1),
    webhookBackoffSecondsBase: integer(env, 'PAYMENT_WEBHOOK_BACKOFF_SECONDS', 30),
    processWebhooksInline: flag(env, 'PAYMENT_WEBHOOKS_INLINE', true),
    velocityWindowMinutes: integerAtLeast(env, 'PAYMENT_VELOCITY_WINDOW_MINUTES', 60, 1),
    perIpMax: integerAtLeast(env, 'PAYMENT_PER_IP_MAX', 30, 1),
    perLineMax: integerAtLeast(env, 'PAYMENT_PER_LINE_MAX', 10, 1),
    perPayerMax: integerAtLeast(env, 'PAYMENT_PER_PAYER_MAX', 10, 1),
    confirmLinePerIpMax: integerAtLeast(env, 'PAYMENT_CONFIRM_LINE_PER_IP_MAX', 30, 1),
    batchSizeMax: 100,
    refundRecheckDays: integer(env, 'PAYMENT_REFUND_RECHECK_DAYS', 30),
    sandbox: {
      webhookSecret: env.SANDBOX_WEBHOOK_SECRET || 'whsec_sandbox_dev_only',
      duplicatePercent: integerBetween(env, 'SANDBOX_WEBHOOK_DUPLICATE_PERCENT', 20, 0, 100),
      reorderPercent: integerBetween(env, 'SANDBOX_WEBHOOK_REORDER_PERCENT', 20, 0, 100),
      processingSeconds: integer(env, 'SANDBOX_PROCESSING_SECONDS', 60),
    },
  };
}
