import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { withLuhnDigit, parseIccid, luhnValid } from './iccid.ts';
import { formatDecimal, formatTenge, parseMinorUnits } from './money.ts';
import { isKazakhMobile, maskMsisdn, maskPhoneNumbersIn, operatorHint, parseMsisdn } from './msisdn.ts';
import { almatyDate } from './time.ts';

describe('msisdn', () => {
  it('parses what people type into E.164', () => {
    for (const typed of ['+7 701 123 45 67', '87011234567', '7011234567', '8 (701) 123-45-67', '+77011234567', '77011234567',
      '８７０１１２３４５６７', '＋７ ７０１ １２３ ４５ ６７', '8 701 123–45–67', '8 701 123\u201145\u201167', '+7\u00a0701\u00a0123\u00a045\u00a067']) {
      const parsed = parseMsisdn(typed);
      assert.ok(parsed.ok, typed);
      assert.equal(parsed.value, '+77011234567');
    }
  });
  it('refuses numbers that are not Kazakhstan mobiles', () => {
    for (const typed of ['', '+15551234567', '+74951234567', '+7727123456', '701123456', '+7 701 123 45 678', 'abc', '+7701123456a', '7'.repeat(40)]) {
      const parsed = parseMsisdn(typed);
      assert.equal(parsed.ok ? parsed.value : parsed.error.code, 'msisdn_invalid', typed);
    }
  });
  it('answers as libphonenumber does for every prefix, whatever the other seven digits', () => {
    for (let prefix = 700; prefix <= 799; prefix++) {
      for (const rest of ['0000000', '1234567', '5550123', '9999999', String(Math.floor(Math.random() * 1e7)).padStart(7, '0')]) {
        const e164 = `+7${prefix}${rest}`;
        const parsed = parseMsisdn(e164);
        assert.equal(parsed.ok, isKazakhMobile(e164), e164);
        if (parsed.ok) assert.equal(parsed.value, e164);
      }
    }
  });
  it('hints the operator by prefix and masks numbers', () => {
    assert.equal(operatorHint('+77011234567'), 'Kcell');
    assert.equal(operatorHint('+77771234567'), 'Beeline');
    assert.equal(operatorHint('+77471234567'), 'Tele2');
    assert.equal(operatorHint('+77001234567'), 'Altel');
    assert.equal(maskMsisdn('+77011234567'), '+7701***4567');
    assert.equal(maskPhoneNumbersIn('/v1/lines/+77011234567/transactions'), '/v1/lines/+7701***4567/transactions');
    assert.equal(maskPhoneNumbersIn('/v1/lines/%2B77011234567'), '/v1/lines/%2B7701***4567');
    assert.equal(maskPhoneNumbersIn('account=87011234567'), 'account=+7701***4567');
    // However it was typed, in a URL or not; another country's number with its +.
    for (const [typed, masked] of [
      ['/v1/lines/+7%20701%20123%2045%2067', '/v1/lines/+7701***4567'], ['/v1/lines/%2B7%20701%20123%2045%2067/balance', '/v1/lines/%2B7701***4567/balance'],
      ['/v1/lines/8%20(701)%20123-45-67', '/v1/lines/+7701***4567'], ['/v1/lines/8%20%28701%29%20123-45-67', '/v1/lines/+7701***4567'],
      ['/v1/lines/8-701-123-45-67', '/v1/lines/+7701***4567'], ['/v1/lines/+7(701)1234567', '/v1/lines/+7701***4567'],
      ['/v1/lines/%2B7-701-123-45-67', '/v1/lines/%2B7701***4567'], ['msisdn=7011234567&x=1', 'msisdn=+7701***4567&x=1'],
      ['/v1/lines/+12025550123', '/v1/lines/+1202***0123'], ['call +44 20 7946 0958 now', 'call +4420***0958 now'],
      // A dash, dot or bracket before it, which the number is still read with (GET /v1/lines/-7011234567 serves the line).
      ['/v1/lines/-7011234567', '/v1/lines/+7701***4567'], ['/v1/lines/+-77011234567', '/v1/lines/+7701***4567'],
      ['msisdn=-87011234567', 'msisdn=+7701***4567'], ['/v1/lines/%2D7011234567', '/v1/lines/+7701***4567'],
      ['/v1/lines/%2E%2E7011234567/balance', '/v1/lines/+7701***4567/balance'], ['/v1/lines/%297011234567', '/v1/lines/+7701***4567'],
    ] as const) assert.equal(maskPhoneNumbersIn(typed), masked, typed);
    // Not phone numbers: amounts, receipt numbers, ids, long transaction ids, times.
    for (const kept of ['/v1/receipts/R-2026-00000123.pdf', 'amount=100000', 'txn_id=1234567890123', 'tu_01M95EW7RTN632C5FWB72MF32T', '2026-12-06T10:20:30.000Z', 'id=tr_0123456789ABCDEF']) {
      assert.equal(maskPhoneNumbersIn(kept), kept, kept);
    }
    // A run of separators with no digit to end it is not worked through at every length (it took 1.4 s).
    const started = performance.now();
    assert.equal(maskPhoneNumbersIn(`/?q=${'('.repeat(16_000)}`).length, 16_004);
    assert.ok(performance.now() - started < 250, `${performance.now() - started} ms`);
  });
});

describe('iccid', () => {
  it('checks the Luhn digit', () => {
    const iccid = withLuhnDigit('897701000000000001');
    assert.ok(luhnValid(iccid));
    assert.ok(parseIccid(iccid).ok);
    const wrong = iccid.slice(0, -1) + ((Number(iccid.at(-1)) + 1) % 10);
    assert.equal(parseIccid(wrong).ok, false);
    assert.equal(parseIccid('12345').ok, false);
  });
});

describe('money', () => {
  it('accepts only positive safe integers of minor units', () => {
    assert.equal(parseMinorUnits(50000), 50000n);
    for (const bad of [0, -1, 1.5, Number.NaN, Infinity, 2 ** 60, '500', null]) assert.equal(parseMinorUnits(bad), null, String(bad));
  });
  it('formats amounts without floating point', () => {
    assert.equal(formatDecimal(100000n), '1000.00');
    assert.equal(formatDecimal(5n), '0.05');
    assert.equal(formatTenge(123456700n), '1\u00a0234\u00a0567\u00a0₸');
    assert.equal(formatTenge(50050n), '500,50\u00a0₸');
    // English and Chinese as the web pages write them.
    assert.deepEqual(['en', 'zh', 'kk'].map((language) => formatTenge(123456750n, language)), ['1,234,567.50\u00a0₸', '1,234,567.50\u00a0₸', '1\u00a0234\u00a0567,50\u00a0₸']);
  });
});

describe('time', () => {
  it('takes the calendar day in Almaty (UTC+5)', () => {
    assert.equal(almatyDate(new Date('2026-03-01T18:59:59Z')), '2026-03-01');
    assert.equal(almatyDate(new Date('2026-03-01T19:00:00Z')), '2026-03-02');
  });
});
