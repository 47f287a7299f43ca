import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadSettings } from '../config.ts';
import { DIALECTS } from '../../test/support/databases.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';

for (const dialect of DIALECTS) {
  describe(`top-up validity far ahead [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    const msisdn = '+77011234500';
    before(async () => {
      // The longest validity a top-up may add (TOPUP_VALIDITY_DAYS at its maximum, 100 years).
      const defaults = loadSettings({});
      t = await startTestApp(dialect.name, { topup: { ...defaults.topup, validityDays: 36_500 } });
      assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn } })).status, 201);
    });
    after(async () => t?.close());

    it('many small top-ups keep the validity a time Tolem can store, compare and extend: at most 100 years ahead', async () => {
      const ceiling = new Date(t.clock.now().getTime() + 36_500 * 86_400_000).toISOString();
      let last: { status: number; body: any } | undefined;
      // 90 top-ups of 500 ₸ (45,000 ₸, within the daily limit) once added 9,000 years: validity in
      // year 11026 was written '+011026-…', which sorts before every time of this era.
      for (let i = 0; i < 90; i++) {
        last = await t.request('POST', '/v1/topups', { body: { msisdn, amount: 50_000, currency: 'KZT' }, headers: { 'idempotency-key': `far-${i}` } });
        assert.equal(last.status, 201, JSON.stringify(last.body));
      }
      const purchase = async (key: string) => t.request('POST', '/v1/purchases', { body: { msisdn, offering: 'FAR_1GB' }, headers: { 'idempotency-key': key } });
      assert.equal((await t.request('POST', '/v1/admin/offerings', { body: { code: 'FAR_1GB', kind: 'data', price: 100_000, validityDays: 7, allowances: { dataGb: 1 }, names: { en: '1 GB', ru: '1 ГБ', kk: '1 ГБ', zh: '1 GB' } } })).status, 201);
      // An active line with money: the rules that compare validity as text see it active.
      const bought = await purchase('far-buy');
      assert.equal(bought.status, 201, JSON.stringify(bought.body));
      assert.match(last!.body.line.validUntil, /^\d{4}-\d{2}-\d{2}T/);
      assert.equal(last!.body.line.validUntil, ceiling);
      assert.equal(last!.body.line.status, 'active');
      const line = await t.request('GET', `/v1/lines/${msisdn}`);
      assert.equal(line.body.validUntil, ceiling);
      assert.equal(line.body.balance.main, 90 * 50_000 - 100_000);
      await t.verify();
    });
  });
}
