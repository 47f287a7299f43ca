import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alipayOptionsFromEnv } from './alipay/alipay-options.ts';
import { payPalOptionsFromEnv } from './paypal/paypal-options.ts';
import { stripeOptionsFromEnv } from './stripe/stripe-options.ts';
import { weChatPayOptionsFromEnv } from './wechatpay/wechatpay-options.ts';

describe('webhook timestamp tolerance settings', () => {
  const adapters = [['STRIPE', stripeOptionsFromEnv], ['PAYPAL', payPalOptionsFromEnv], ['ALIPAY', alipayOptionsFromEnv], ['WECHATPAY', weChatPayOptionsFromEnv]] as const;

  it('gives every adapter PAYMENT_WEBHOOK_TOLERANCE_SECONDS, its own setting first, and its default when neither is set', () => {
    for (const [provider, optionsFromEnv] of adapters) {
      assert.equal(optionsFromEnv({}).webhookToleranceSeconds, undefined, provider);
      assert.equal(optionsFromEnv({ PAYMENT_WEBHOOK_TOLERANCE_SECONDS: '120' }).webhookToleranceSeconds, 120, provider);
      assert.equal(optionsFromEnv({ PAYMENT_WEBHOOK_TOLERANCE_SECONDS: '120', [`${provider}_WEBHOOK_TOLERANCE_SECONDS`]: '30' }).webhookToleranceSeconds, 30, provider);
    }
  });
});
