import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cardDetailsProblem, normaliseCardNumber } from './sandbox-cards.ts';
import { SANDBOX_LABELS, SANDBOX_LANGUAGES } from './sandbox-labels.ts';

const NOW = new Date('2026-01-15T06:00:00.000Z');
const VISA = '4242424242424242';
const AMEX = '378282246310005';

describe('sandbox checkout: expiry and CVC (pure)', () => {
  it('refuses a month that is none, an expiry in the past and a CVC of the wrong length (4 digits for Amex)', () => {
    assert.equal(normaliseCardNumber(AMEX), AMEX);
    for (const expiry of ['12/34', '1/27', '01/26', '01 / 26', '12/2034', ' 06/30 ']) assert.equal(cardDetailsProblem(VISA, expiry, '123', NOW), null, expiry);
    for (const expiry of ['13/99', '00/30', '99/99', '1299', '12-34', 'ab/cd', '', '12/345', '123/34']) assert.equal(cardDetailsProblem(VISA, expiry, '123', NOW), 'invalidExpiry', expiry);
    for (const expiry of ['12/25', '01/20', '12/2025']) assert.equal(cardDetailsProblem(VISA, expiry, '123', NOW), 'expiredCard', expiry);
    for (const cvc of ['1', '12', '1234', '12a', '', '١٢٣']) assert.equal(cardDetailsProblem(VISA, '12/34', cvc, NOW), 'invalidCvc', cvc);
    assert.equal(cardDetailsProblem(AMEX, '12/34', '1234', NOW), null);
    assert.equal(cardDetailsProblem(AMEX, '12/34', '123', NOW), 'invalidCvc');
    // Valid through the last moment of its month, in UTC.
    assert.equal(cardDetailsProblem(VISA, '01/26', '123', new Date('2026-01-31T23:59:59.999Z')), null);
    assert.equal(cardDetailsProblem(VISA, '01/26', '123', new Date('2026-02-01T00:00:00.000Z')), 'expiredCard');
  });

  it('has every message in the four languages', () => {
    for (const lang of SANDBOX_LANGUAGES) {
      for (const label of ['invalidExpiry', 'expiredCard', 'invalidCvc'] as const) assert.ok(SANDBOX_LABELS[lang][label], `${lang} ${label}`);
    }
    assert.equal(new Set(SANDBOX_LANGUAGES.map((lang) => SANDBOX_LABELS[lang].invalidCvc)).size, 4, 'translated, not copied');
  });
});
