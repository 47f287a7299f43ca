import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { almatyDateTimeIn, almatyDayIn } from './local-time.ts';
import { almatyDate } from './time.ts';

describe('almatyDayIn and almatyDateTimeIn', () => {
  it('show UTC+5 for any instant, the days the ledger counts by, whatever the time-zone data says of Asia/Almaty', () => {
    // Asia/Almaty was UTC+6 until 2024-03-01, and stays so in time-zone data older than 2024a: an
    // instant shown by it would fall an hour late, on another day than the ledger's (almatyDate).
    for (const at of ['2023-06-01T18:30:00Z', '2026-06-01T18:30:00Z']) {
      assert.equal(almatyDateTimeIn('en', at).slice(-5), '23:30', at);
      assert.equal(almatyDayIn('ru', at), almatyDate(new Date(at)).split('-').reverse().join('.'), at);
    }
  });
});
