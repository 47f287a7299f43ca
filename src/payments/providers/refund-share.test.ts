import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { refundShare } from './refund-share.ts';

describe('refundShare', () => {
  it('gives each part its share of the running total, rounded down, so that the parts add up to the whole', () => {
    for (const [totalFen, paid] of [[7300n, 500_000n], [1n, 3n], [99_999n, 7n], [1429n, 100_000n]] as const) {
      for (const parts of [1, 2, 3, 7]) {
        let before = 0n;
        let sum = 0n;
        for (let i = 0; i < parts; i++) {
          const amount = i === parts - 1 ? paid - before : paid / BigInt(parts);
          if (amount === 0n) continue;
          const fen = refundShare(totalFen, paid, before, amount)!;
          assert.ok(fen >= 0n && fen <= totalFen);
          sum += fen;
          before += amount;
        }
        assert.equal(sum, totalFen, `${totalFen} fen for ${paid} in ${parts} parts`);
      }
    }
  });

  it('a payment in yuan refunds the fen asked; nothing beyond what was paid', () => {
    assert.equal(refundShare(7300n, 7300n, 1000n, 250n), 250n);
    assert.equal(refundShare(7300n, 500_000n, 400_000n, 100_001n), null);
    assert.equal(refundShare(7300n, 500_000n, 0n, 0n), null);
    assert.equal(refundShare(7300n, 0n, 0n, 1n), null);
  });
});
