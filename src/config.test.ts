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

  it('refuses limits that would refuse every top-up or transfer (a daily limit below the minimum, a minimum above the maximum)', () => {
    for (const [env, setting] of [
      [{ TOPUP_LINE_DAILY_MAX_KZT: '0' }, 'TOPUP_LINE_DAILY_MAX_KZT'], [{ TOPUP_LINE_DAILY_MAX_KZT: '499' }, 'TOPUP_LINE_DAILY_MAX_KZT'],
      [{ TRANSFER_AMOUNT_MIN_KZT: '30000' }, 'TRANSFER_AMOUNT_MIN_KZT'], [{ TRANSFER_SENDER_DAILY_MAX_KZT: '0' }, 'TRANSFER_SENDER_DAILY_MAX_KZT'],
      [{ TRANSFER_SENDER_DAILY_MAX_KZT: '99' }, 'TRANSFER_SENDER_DAILY_MAX_KZT'],
    ] as const) {
      assert.throws(() => loadSettings(env), (error: Error) => error.name === 'SettingError' && error.message.startsWith(`setting ${setting} `), JSON.stringify(env));
    }
    // At the edges they still load.
    assert.equal(loadSettings({ TOPUP_LINE_DAILY_MAX_KZT: '500' }).topup.lineDailyMax, 50_000n);
    assert.equal(loadSettings({ TRANSFER_AMOUNT_MIN_KZT: '20000', TRANSFER_SENDER_DAILY_MAX_KZT: '20000' }).transfers.amountMin, 2_000_000n);
  });

  it('takes PUBLIC_URL with a trailing slash as without it: links made from it are not //…, which no route serves', () => {
    assert.equal(loadSettings({ PUBLIC_URL: 'http://pay.example.kz/' }).publicUrl, 'http://pay.example.kz');
    assert.equal(loadSettings({ PUBLIC_URL: 'http://example.kz/tolem//' }).publicUrl, 'http://example.kz/tolem');
    assert.equal(loadSettings({ PUBLIC_URL: 'https://pay.example.kz', TOLEM_SECRET_KEY: 'k'.repeat(40), PAYMENT_PROVIDERS: 'stripe' }).publicUrl, 'https://pay.example.kz');
  });

  it('drops spaces and a CR around PUBLIC_URL (a CRLF env file): links are not made with them, and an https one is production', () => {
    const production = { TOLEM_SECRET_KEY: 'k'.repeat(40), PAYMENT_PROVIDERS: 'stripe' };
    for (const value of ['https://pay.example.kz\r', 'https://pay.example.kz/\r', ' https://pay.example.kz ']) {
      const settings = loadSettings({ ...production, PUBLIC_URL: value });
      assert.equal(settings.publicUrl, 'https://pay.example.kz', JSON.stringify(value));
      assert.equal(settings.seedDemo, false, `${JSON.stringify(value)}: production makes no demo data`);
      assert.throws(() => loadSettings({ PUBLIC_URL: value }), /^SettingError: setting TOLEM_SECRET_KEY must be set in production/, JSON.stringify(value));
    }
    assert.equal(loadSettings({ PUBLIC_URL: ' ', PORT: '4000' }).publicUrl, 'http://localhost:4000', 'blank is unset');
  });

  it('reads NODE_ENV=production with a CR or spaces around it (a CRLF env file) as production: no public secret key, no demo data', () => {
    for (const value of ['production\r', ' production ']) {
      assert.throws(() => loadSettings({ NODE_ENV: value }), /^SettingError: setting TOLEM_SECRET_KEY must be set in production/, JSON.stringify(value));
      assert.equal(loadSettings({ NODE_ENV: value, TOLEM_SECRET_KEY: 'k'.repeat(40), PAYMENT_PROVIDERS: 'stripe' }).seedDemo, false, JSON.stringify(value));
    }
  });
});
