import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';
import { ok } from '../domain/result.ts';
import { receiptCounterFor } from './allocate-receipt.ts';
import { receiptToken } from './receipt-link.ts';

/**
 * Numbers are padded to 8 digits, not cut to them: a year's 100,000,000th receipt (a large
 * operator's daily renewals reach it) is R-2026-100000000, and it is read, printed and verified
 * like any other.
 */
for (const dialect of DIALECTS) {
  describe(`receipts past 99,999,999 in a year [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(dialect.name, { publicUrl: 'https://pay.example.kz', secretKey: 'receipt-test-secret' });
      assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn: '+77011234568' } })).status, 201);
    });
    after(async () => t?.close());

    it('renders, reprints and verifies the 100,000,000th receipt of a year', async () => {
      const key = receiptCounterFor(t.clock.now());
      const moved = await t.app.ctx.writer.submit({ name: 'test_receipt_counter', lock: { counters: [key] }, execute: (tx) => { tx.increment(key, 99_999_999n - tx.counter(key)); return ok(null); } });
      assert.ok(moved.ok);
      const topUp = await t.request('POST', '/v1/topups', { body: { msisdn: '+77011234568', amount: 100_000, currency: 'KZT' }, headers: { 'idempotency-key': 'wide-1' } });
      assert.equal(topUp.status, 201, JSON.stringify(topUp.body));
      const number = topUp.body.receiptNumber as string;
      assert.match(number, /^R-\d{4}-100000000$/);
      const slip = await t.request('GET', `/v1/receipts/${number}/slip?language=en`);
      assert.equal(slip.status, 200, JSON.stringify(slip.body));
      assert.ok(slip.text.includes(number));
      const pdf = await t.app.server.inject({ method: 'GET', url: `/v1/receipts/${number}.pdf?language=en`, headers: { authorization: `Bearer ${t.adminKey}` } });
      assert.ok(pdf.statusCode === 200 || pdf.statusCode === 503, `${pdf.statusCode} ${pdf.body}`);
      const verified = await t.request('GET', `/receipts/verify/${receiptToken('receipt-test-secret', number)}`, { token: null, headers: { accept: 'application/json' } });
      assert.equal(verified.status, 200, JSON.stringify(verified.body));
      assert.equal(verified.body.genuine, true);
      assert.equal(verified.body.number, number);
    });
  });
}
