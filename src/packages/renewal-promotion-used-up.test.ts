import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';
import { seedCatalog } from '../catalog/seed-catalog.ts';
import { RENEWAL_LIMITS, renewDue } from './auto-renew-job.ts';

/**
 * Renewals due together are priced from the same counters: an automatic promotion one of them
 * uses up must not fail the others (a "could not be renewed" SMS to subscribers with the money);
 * they are planned again at the price of then.
 */
for (const dialect of DIALECTS) {
  describe(`auto-renewals and an automatic promotion used up among them [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let keys = 0;
    before(async () => {
      t = await startTestApp(dialect.name);
      await seedCatalog(t.app.ctx);
    });
    after(async () => t?.close());

    it('renews every pack, one at the discount, none failed', async () => {
      const numbers = ['+77053910001', '+77053910002', '+77053910003'];
      for (const msisdn of numbers) {
        assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn } })).status, 201);
        assert.equal((await t.request('POST', '/v1/topups', { body: { msisdn, amount: 2_000_000, currency: 'KZT' }, headers: { 'idempotency-key': `tu-${++keys}` } })).status, 201);
        const bought = await t.request('POST', '/v1/purchases', { body: { msisdn, offering: 'DATA_20GB_30D', autoRenew: true }, headers: { 'idempotency-key': `p-${++keys}` } });
        assert.equal(bought.status, 201, JSON.stringify(bought.body));
      }
      const promotion = await t.request('POST', '/v1/admin/promotions', { body: { offerings: ['DATA_20GB_30D'], discountKind: 'percent', discountValue: 10, startsAt: '2020-01-01T00:00:00Z', endsAt: '2099-01-01T00:00:00Z', usesMax: 1 } });
      assert.equal(promotion.status, 201, JSON.stringify(promotion.body));
      // Topped up on day 20 to stay valid past the packs' end.
      t.clock.advanceDays(20);
      for (const msisdn of numbers) assert.equal((await t.request('POST', '/v1/topups', { body: { msisdn, amount: 50_000, currency: 'KZT' }, headers: { 'idempotency-key': `tu-${++keys}` } })).status, 201);
      t.clock.advanceDays(10);
      t.clock.advance(5_000);
      await renewDue(t.app.ctx, RENEWAL_LIMITS);
      t.clock.advance(10_000);
      await renewDue(t.app.ctx, RENEWAL_LIMITS);
      const renewed = await t.app.ctx.db.selectFrom('package_periods').select(['price_paid', 'discount']).where('period', '=', 1n).execute();
      assert.equal(renewed.length, 3, 'all three renewed');
      assert.equal(renewed.filter((period) => BigInt(period.discount) > 0n).length, 1, 'one at the discount');
      assert.equal((await t.app.ctx.db.selectFrom('outbox').select('id').where('topic', '=', 'package.renewal_failed').execute()).length, 0);
      await t.verify();
    });
  });
}
