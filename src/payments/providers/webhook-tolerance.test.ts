import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { alipayOptionsFromEnv } from './alipay/alipay-options.ts';
import { payPalOptionsFromEnv } from './paypal/paypal-options.ts';
import { stripeOptionsFromEnv } from './stripe/stripe-options.ts';
import { weChatPayOptionsFromEnv } from './wechatpay/wechatpay-options.ts';
import { loadSettings } from '../../config.ts';
import { SettingError } from '../../platform/env.ts';

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

describe('webhook timestamp tolerance settings, malformed', () => {
  const adapters = [['STRIPE', stripeOptionsFromEnv], ['PAYPAL', payPalOptionsFromEnv], ['ALIPAY', alipayOptionsFromEnv], ['WECHATPAY', weChatPayOptionsFromEnv]] as const;

  it('refuses, naming the setting, what is not decimal digits from 1 to 3,600 (README: 0x100 or 1e3 stop the start), the shared setting and each adapter\'s own', () => {
    for (const [provider, optionsFromEnv] of adapters) {
      for (const name of [`${provider}_WEBHOOK_TOLERANCE_SECONDS`, 'PAYMENT_WEBHOOK_TOLERANCE_SECONDS']) {
        for (const value of ['1e3', '0x10', '0', '3601', 'soon']) {
          assert.throws(() => optionsFromEnv({ [name]: value }), (error: Error) => error instanceof SettingError && error.message.startsWith(`setting ${name} `), `${name}=${value}`);
        }
        assert.equal(optionsFromEnv({ [name]: ' 3600 ' }).webhookToleranceSeconds, 3600);
      }
    }
  });

  it('holds PAYMENT_WEBHOOK_TOLERANCE_SECONDS, which the sandbox reads, to 1..3,600 at start: 0 made every sandbox webhook stale', () => {
    for (const value of ['0', '3601', '1e3']) {
      assert.throws(() => loadSettings({ PAYMENT_WEBHOOK_TOLERANCE_SECONDS: value }), (error: Error) => error instanceof SettingError && error.message.startsWith('setting PAYMENT_WEBHOOK_TOLERANCE_SECONDS '), value);
    }
    assert.equal(loadSettings({ PAYMENT_WEBHOOK_TOLERANCE_SECONDS: '60' }).payments.webhookToleranceSeconds, 60);
    assert.equal(loadSettings({}).payments.webhookToleranceSeconds, 300);
  });
});
