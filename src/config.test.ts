import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadSettings } from './config.ts';

describe('settings', () => {
  it('takes an empty setting as unset (a KEY= left blank in an env file), as README says', () => {
    const settings = loadSettings({ PAYMENT_PROVIDERS: '', TOLEM_SECRET_KEY: '', SANDBOX_WEBHOOK_SECRET: '', PAYPAL_API_BASE: '' });
    const defaults = loadSettings({});
    assert.deepEqual(settings.payments.providers, defaults.payments.providers);
    assert.ok(settings.payments.providers.length > 0, 'a provider: not none');
    assert.equal(settings.secretKey, defaults.secretKey);
    assert.throws(() => loadSettings({ NODE_ENV: 'production', TOLEM_SECRET_KEY: '' }), /TOLEM_SECRET_KEY/);
  });
});
