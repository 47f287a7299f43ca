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
    const long = logUrl(`/?q=${'a'.repeat(10_000)}`);
    assert.equal(long.length, 2_049);
    assert.ok(long.endsWith('…'));
  });
});
