import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { logUrl } from './server.ts';

describe('request URLs in the log', () => {
  it('masks numbers, redacts a payment client secret and keeps at most 2 KiB', () => {
    assert.equal(logUrl('/?payment=pay_01ABC&secret=pay_01ABC_secret_xyz&lang=ru'), '/?payment=pay_01ABC&secret=[redacted]&lang=ru');
    assert.equal(logUrl('/v1/lines/+77011234567'), '/v1/lines/+7701***4567');
    assert.equal(logUrl('/v1/lines/%38%37%30%35%31%32%33%34%35%36%38'), '/v1/lines/+7705***4568');
    assert.equal(logUrl('/v1/lines/%2B7%37%30%35%20%31%32%33%2D%34%35%2D%36%38'), '/v1/lines/%2B7705***4568');
    // As a browser's form encodes a number typed with spaces (+), or with dots.
    assert.match(logUrl('/v1/payments/confirm-line?msisdn=8+701+123+45+67'), /msisdn=\+7701\*\*\*4567$/);
    assert.match(logUrl('/v1/pos/lookup?msisdn=8%2E701%2E123%2E45%2E67'), /msisdn=\+7701\*\*\*4567$/);
    assert.doesNotMatch(logUrl('/v1/payments/confirm-line?msisdn=%2B7+701+123+45+67'), /123/);
    // Spaced with any space the number is read with: a tab, a no-break space, a narrow one, the ideographic space, one before it.
    for (const url of ['/v1/lines/8%09701%09123%0945%0967', '/v1/lines/8%C2%A0701%C2%A0123%C2%A045%C2%A067', '/v1/lines/8%E2%80%AF7011234567',
      '/v1/pos/lookup?msisdn=%2B7%E3%80%80701%E3%80%801234567', '/v1/lines/%2087011234567', '/v1/payments/confirm-line?msisdn=%C2%A08%C2%A0701%C2%A01234567']) {
      assert.match(logUrl(url), /7701\*\*\*4567$/, url);
    }
    // Typed on a Chinese or Japanese keyboard (full-width digits, ＋, （）), or with a dash a text editor puts (‐ – −):
    // parseMsisdn reads each as the number, as the public page sends what was typed.
    for (const typed of ['８７０１１２３４５６７', '＋７７０１１２３４５６７', '８（７０１）１２３－４５－６７', '8 (701) 123–45–67', '8‐701‐123‐45‐67', '+7 701 123 45 67', '８\u00a0７０１\u3000１２３４５６７']) {
      for (const url of [`/v1/lines/${encodeURIComponent(typed)}`, `/v1/payments/confirm-line?msisdn=${encodeURIComponent(typed)}`]) {
        assert.match(logUrl(url), /7701\*\*\*4567$/, `${typed}: ${logUrl(url)}`);
      }
    }
    assert.equal(logUrl('/v1/lines/%D0%BD%D0%BE%D0%BC%D0%B5%D1%80'), '/v1/lines/%D0%BD%D0%BE%D0%BC%D0%B5%D1%80');
    assert.equal(logUrl('/v1/offerings?q=%EF%BC%A1%EF%BC%A2'), '/v1/offerings?q=%EF%BC%A1%EF%BC%A2', 'full-width letters stay as sent');
    const long = logUrl(`/?q=${'a'.repeat(10_000)}`);
    assert.equal(long.length, 2_049);
    assert.ok(long.endsWith('…'));
  });
});
