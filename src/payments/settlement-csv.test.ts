import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseSettlementCsv } from './import-settlement.ts';

describe('settlement files (RFC 4180)', () => {
  it('takes quoted cells with commas, quotes and line breaks, a BOM, CRLF and empty rows as spreadsheets write them', () => {
    const csv = '\uFEFFreference,amount,currency,description\r\n'
      + 'pay_1,500000,KZT,"Top-up, card"\r\n'
      + 'pay_2,100000,KZT,"two\r\nlines, and a ""quote"""\r\n'
      + ',,,\r\n'
      + '\r\n'
      + '"pay_3",250000,KZT,\r\n';
    const parsed = parseSettlementCsv(csv);
    assert.ok(parsed.ok, !parsed.ok ? JSON.stringify(parsed.error) : '');
    assert.deepEqual(parsed.value, [
      { reference: 'pay_1', amount: 500_000n, currency: 'KZT' },
      { reference: 'pay_2', amount: 100_000n, currency: 'KZT' },
      { reference: 'pay_3', amount: 250_000n, currency: 'KZT' },
    ]);
  });

  it('takes a double quote inside an unquoted cell as a character, never swallowing the rows after it', () => {
    const csv = 'reference,amount,currency,description\npay_A,100000,KZT,Phone 5" screen\npay_B,200000,KZT,Top-up\npay_C,300000,KZT,Tablet 7" case\npay_D,400000,KZT,Top-up\n';
    const parsed = parseSettlementCsv(csv);
    assert.deepEqual(parsed.ok && parsed.value.map((row) => row.reference), ['pay_A', 'pay_B', 'pay_C', 'pay_D']);
  });

  it('names the line a bad row starts on, counting blank lines and line breaks inside quotes', () => {
    const csv = 'reference,amount,currency,note\n\npay_1,500000,KZT,"a\nb"\n\npay_2,12.5,KZT,\n';
    const parsed = parseSettlementCsv(csv);
    assert.deepEqual(!parsed.ok && [parsed.error.code, parsed.error.details], ['settlement_file_invalid', { reason: 'row', line: 6 }]);
    const open = parseSettlementCsv('reference,amount,currency\npay_1,500000,"KZT\n');
    assert.deepEqual(!open.ok && open.error.details, { reason: 'row', line: 2 }, 'a quote never closed');
    assert.deepEqual(((r) => !r.ok && r.error.details)(parseSettlementCsv(',,\n\n')), { reason: 'empty' });
    const nul = parseSettlementCsv('reference,amount,currency\npay_1,500000,KZT\npay\u00002,100000,KZT\n');
    assert.deepEqual(!nul.ok && nul.error.details, { reason: 'row', line: 3 }, 'a NUL in a reference (PostgreSQL refuses it in text)');
  });
});
