import type { AppContext } from '../app-context.ts';
import type { AccountSpec } from '../ledger/accounts.ts';
import { clearingAccountId } from '../ledger/accounts.ts';
import { SettingError } from '../platform/env.ts';
import type { PaymentProvider } from './providers/payment-provider.ts';
import { ALIPAY_NOTIFY_ACKNOWLEDGEMENT, createAlipayProvider } from './providers/alipay/alipay-provider.ts';
import { alipayOptionsFromEnv } from './providers/alipay/alipay-options.ts';
import { payPalOptionsFromEnv } from './providers/paypal/paypal-options.ts';
import { createPayPalProvider } from './providers/paypal/paypal-provider.ts';
import { SandboxProvider } from './providers/sandbox/sandbox-provider.ts';
import { stripeOptionsFromEnv } from './providers/stripe/stripe-options.ts';
import { createStripeProvider } from './providers/stripe/stripe-provider.ts';
import { weChatPayOptionsFromEnv } from './providers/wechatpay/wechatpay-options.ts';
import { createWeChatPayProvider } from './providers/wechatpay/wechatpay-provider.ts';

/**
 * The enabled payment providers (setting PAYMENT_PROVIDERS, first one the default). Each factory
 * reads its options from the environment and throws a clear message when they are wrong, so a
 * misconfigured provider stops the server at start, not at the first payment.
 * Real adapters register here with one line each (docs/payment-providers.md).
 */
export type ProviderFactoryOf = (ctx: AppContext, env: Record<string, string | undefined>) => PaymentProvider;

export const PROVIDER_FACTORIES: Record<string, ProviderFactoryOf> = {
  sandbox: (ctx) => new SandboxProvider({
    db: ctx.db, clock: ctx.clock, ids: ctx.ids, random: ctx.random, fingerprintKey: ctx.settings.secretKey,
    publicUrl: () => ctx.settings.publicUrl, settings: ctx.settings.payments.sandbox, toleranceSeconds: ctx.settings.payments.webhookToleranceSeconds,
  }),
  stripe: (ctx, env) => createStripeProvider(stripeOptionsFromEnv(env, () => ctx.clock.now())),
  paypal: (ctx, env) => createPayPalProvider(payPalOptionsFromEnv(env, () => ctx.clock.now())),
  alipay: (ctx, env) => createAlipayProvider(alipayOptionsFromEnv(env, () => ctx.clock.now())),
  wechatpay: (ctx, env) => createWeChatPayProvider(weChatPayOptionsFromEnv(env, () => ctx.clock.now())),
};

/** What a provider expects as the body of a webhook's 2xx answer, where it is not any 2xx (Alipay retries otherwise). */
export const WEBHOOK_ACKNOWLEDGEMENTS: Record<string, { contentType: string; body: string }> = {
  alipay: { contentType: 'text/plain; charset=utf-8', body: ALIPAY_NOTIFY_ACKNOWLEDGEMENT },
};

export interface ProviderRegistry {
  ids: string[];
  get(id: string): PaymentProvider | undefined;
  sandbox: SandboxProvider | undefined;
}

const registries = new WeakMap<AppContext, ProviderRegistry>();

/** The registry of this context, built (and every provider's options validated) on first use. */
export function paymentProviders(ctx: AppContext): ProviderRegistry {
  let registry = registries.get(ctx);
  if (registry) return registry;
  const providers = new Map<string, PaymentProvider>();
  for (const id of ctx.settings.payments.providers) {
    const factory = PROVIDER_FACTORIES[id];
    if (!factory) throw new SettingError(`setting PAYMENT_PROVIDERS names "${id}", which is not one of: ${Object.keys(PROVIDER_FACTORIES).join(', ')}`);
    let provider: PaymentProvider;
    try {
      provider = factory(ctx, ctx.settings.payments.providerEnv);
    } catch (error) {
      // A provider's options come from its settings (docs/payment-providers.md): a setting error, one line.
      throw new SettingError(`setting PAYMENT_PROVIDERS enables "${id}", whose settings are not usable: ${(error as Error).message}`);
    }
    if (provider.id !== id) throw new Error(`payment provider factory "${id}" built a provider with id "${provider.id}"`);
    providers.set(id, provider);
  }
  registry = {
    ids: [...providers.keys()],
    get: (id) => providers.get(id),
    sandbox: providers.get('sandbox') as SandboxProvider | undefined,
  };
  registries.set(ctx, registry);
  return registry;
}

/** Every enabled provider has a clearing account that its payments are funded from. */
export function clearingAccountSpecs(providerIds: string[]): AccountSpec[] {
  return providerIds.map((id) => ({ id: clearingAccountId(id), unit: 'KZT', kind: 'clearing' }));
}
