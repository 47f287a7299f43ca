import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseInstant } from './time.ts';

describe('parseInstant', () => {
  it('takes RFC 3339 times with their offset and dates alone, never a time read in the server\'s own zone', () => {
    assert.equal(parseInstant('2027-06-01T00:00:00Z'), Date.UTC(2027, 5, 1));
    assert.equal(parseInstant('2027-06-01T05:00:00+05:00'), Date.UTC(2027, 5, 1));
    assert.equal(parseInstant('2027-06-01T00:00:00.250z'), Date.UTC(2027, 5, 1) + 250);
    assert.equal(parseInstant('2027-06-01'), Date.UTC(2027, 5, 1), 'a date alone: that day in UTC');
    for (const text of ['2027-06-01T00:00:00', '2027-06-01T00:00', '2027-06-01 00:00:00Z', '2027-06-01T00:00:00+0500', 'June 1, 2027', '2027-02-30T00:00:00Z', '1999-12-31T23:59:59Z']) {
      assert.equal(parseInstant(text), null, text);
    }
  });
});
