import { checkedWebhookTolerance, webhookToleranceFromEnv } from '../payment-provider.ts';

/** Options of the Stripe adapter, validated when the adapter is created (docs/payment-providers.md). */
export interface StripeProviderOptions {
  /** sk_live_…, sk_test_… or a restricted rk_… key. */
  secretKey: string;
  /** whsec_…: the signing secret of the webhook endpoint. */
  webhookSecret: string;
  /** Another API base (a local fake, a proxy): http://127.0.0.1:12111. Default https://api.stripe.com. */
  apiBase?: string;
  /** Webhooks older (or further in the future) than this are refused. Default 300. */
  webhookToleranceSeconds?: number;
  /** Network retries of the SDK; safe because every write carries an idempotency key. Default 2. */
  networkRetriesMax?: number;
  timeoutMs?: number;
  now?: () => Date;
}

export interface ValidatedStripeOptions extends Required<Omit<StripeProviderOptions, 'apiBase'>> {
  api: { host?: string; port?: number; protocol?: 'http' | 'https' };
}

export function validateStripeOptions(options: StripeProviderOptions): ValidatedStripeOptions {
  const problems: string[] = [];
  if (!/^(sk|rk)_(live|test)_\w{8,}$/.test(options.secretKey ?? '')) problems.push('secretKey must be a Stripe secret key (sk_live_…, sk_test_… or rk_…)');
  if (!/^whsec_\w{8,}$/.test(options.webhookSecret ?? '')) problems.push('webhookSecret must be the endpoint signing secret (whsec_…)');
  const tolerance = checkedWebhookTolerance(options.webhookToleranceSeconds, problems);
  let api: ValidatedStripeOptions['api'] = {};
  if (options.apiBase !== undefined) {
    try {
      const url = new URL(options.apiBase);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('protocol');
      api = { host: url.hostname, protocol: url.protocol === 'http:' ? 'http' : 'https', port: url.port ? Number(url.port) : url.protocol === 'http:' ? 80 : 443 };
    } catch {
      problems.push(`apiBase must be an http(s) URL, got "${options.apiBase}"`);
    }
  }
  if (problems.length > 0) throw new Error(`Stripe provider options are invalid: ${problems.join('; ')}`);
  return {
    secretKey: options.secretKey, webhookSecret: options.webhookSecret, webhookToleranceSeconds: tolerance,
    networkRetriesMax: options.networkRetriesMax ?? 2, timeoutMs: options.timeoutMs ?? 20_000, now: options.now ?? (() => new Date()), api,
  };
}

/** STRIPE_SECRET_KEY, STRIPE_WEBHOOK_SECRET, STRIPE_API_BASE, STRIPE_WEBHOOK_TOLERANCE_SECONDS or PAYMENT_WEBHOOK_TOLERANCE_SECONDS. */
export function stripeOptionsFromEnv(env: Record<string, string | undefined>, now?: () => Date): StripeProviderOptions {
  return {
    secretKey: env.STRIPE_SECRET_KEY ?? '', webhookSecret: env.STRIPE_WEBHOOK_SECRET ?? '', apiBase: env.STRIPE_API_BASE || undefined,
    webhookToleranceSeconds: webhookToleranceFromEnv(env, 'STRIPE'), now,
  };
}
