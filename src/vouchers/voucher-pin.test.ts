import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generatePin, normalizePin, parseUssdVoucher } from './voucher-pin.ts';

describe('voucher PINs and USSD strings (pure)', () => {
  it('generates 14-digit PINs, normalizes typed ones and parses *111*PIN#', () => {
    let counter = 0;
    const fixed = (size: number) => Buffer.alloc(size, ++counter);
    assert.match(generatePin(fixed), /^\d{14}$/);
    // All bytes 0xff is above the draw limit and is drawn again.
    let calls = 0;
    assert.match(generatePin((size) => (++calls === 1 ? Buffer.alloc(size, 0xff) : Buffer.alloc(size, 1))), /^\d{14}$/);
    assert.equal(calls, 2);
    assert.equal(normalizePin('1234 5678-9012 34'), '12345678901234');
    assert.equal(normalizePin('1234567890123'), null);
    assert.equal(normalizePin('12345678901234x'), null);
    // As a Chinese or Japanese keyboard types digits, and the dashes an editor puts, as a number is read (msisdn.ts).
    assert.equal(normalizePin('１２３４５６７８９０１２３４'), '12345678901234');
    assert.equal(normalizePin('1234\u20135678\u20109012\u221234'), '12345678901234');
    assert.equal(normalizePin('１２３４　５６７８－９０１２　３４'), '12345678901234');
    assert.equal(normalizePin('１２３４５６７８９０１２３ａ'), null);
    assert.equal(parseUssdVoucher('*111*12345678901234#'), '12345678901234');
    assert.equal(parseUssdVoucher(' *111* 12345678901234 # '), '12345678901234');
    for (const bad of ['*111#', '*112*12345678901234#', '*111*1234567890123#', '*111*12345678901234', '111*12345678901234#', '*111*12345678901234#*']) {
      assert.equal(parseUssdVoucher(bad), null, bad);
    }
  });

  it('draws the first digit 1-9 (a spreadsheet drops a leading 0), every PIN equally likely', () => {
    const bytes = (value: bigint) => () => Buffer.from(value.toString(16).padStart(14, '0'), 'hex');
    assert.equal(generatePin(bytes(0n)), '10000000000000');
    // The last value below the draw limit (a whole multiple of the 9×10^13 PINs) is the last PIN.
    const space = 9n * 10n ** 13n;
    const limit = (1n << 56n) - ((1n << 56n) % space);
    assert.equal(generatePin(bytes(limit - 1n)), '99999999999999');
    let draws = 0;
    assert.equal(generatePin(() => Buffer.from((++draws === 1 ? limit : 5n).toString(16).padStart(14, '0'), 'hex')), '10000000000005');
    assert.equal(draws, 2, 'a value at the limit is drawn again');
  });

});
