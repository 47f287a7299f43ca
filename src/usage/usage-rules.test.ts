import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crossedThresholds, paygCharge, rateOf } from './usage-rules.ts';

const rates = { paygPerMbMinor: 1_000n, paygPerMinuteMinor: 1_500n, paygPerSmsMinor: 500n };

describe('usage rating rules', () => {
  it('prices each event rounded up to the tiyn', () => {
    assert.deepEqual(paygCharge(90n, 10_000n, rateOf('voice', rates)), { covered: 90n, price: 2_250n });
    assert.deepEqual(paygCharge(1n, 10_000n, rateOf('data', rates)), { covered: 1n, price: 1n });
    assert.deepEqual(paygCharge(1_048_576n, 10_000n, rateOf('data', rates)), { covered: 1_048_576n, price: 1_000n });
  });

  it('covers only what the balance can pay and never charges more than it holds', () => {
    assert.deepEqual(paygCharge(120n, 2_000n, rateOf('voice', rates)), { covered: 80n, price: 2_000n });
    assert.deepEqual(paygCharge(3n, 999n, rateOf('sms', rates)), { covered: 1n, price: 500n });
    assert.deepEqual(paygCharge(3n, 0n, rateOf('sms', rates)), { covered: 0n, price: 0n });
    for (let available = 0n; available < 3_000n; available += 7n) {
      const charge = paygCharge(10_000_000n, available, rateOf('data', rates));
      assert.ok(charge.price <= available && charge.covered <= 10_000_000n);
    }
    assert.deepEqual(paygCharge(5n, 0n, { minor: 0n, units: 1n }), { covered: 5n, price: 0n });
  });

  it('reports 80% and 100% crossings once', () => {
    assert.deepEqual(crossedThresholds(10n, 0n, 8n), [80n]);
    assert.deepEqual(crossedThresholds(10n, 8n, 9n), []);
    assert.deepEqual(crossedThresholds(10n, 9n, 10n), [100n]);
    assert.deepEqual(crossedThresholds(10n, 0n, 10n), [80n, 100n]);
    assert.deepEqual(crossedThresholds(0n, 0n, 0n), []);
  });
});
