import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';
import { loadSettings } from '../config.ts';
import { JOBS } from '../jobs/jobs.ts';
import { runJobsOnce } from '../jobs/scheduler.ts';
import { subscriberMessage } from '../lifecycle/subscriber-messages.ts';
import { ManualClock } from '../platform/clock.ts';

const DAY_MS = 86_400_000;

/**
 * A line whose validity has ended is in grace, recorded yet or not: the lifecycle job runs once a
 * minute, and after downtime the renewal job catches up before it. A pack renewed then would be
 * paid for and run out unused (incoming calls only): the renewal is refused as in grace, nothing
 * charged, and the top-up that brings the line back lets the job try again.
 */
for (const dialect of DIALECTS) {
  describe(`a renewal due after the line's validity ended [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    after(async () => t?.close());

    it('is refused and charges nothing, though the lifecycle job has not moved the line to grace yet; a top-up brings it back', async () => {
      const clock = new ManualClock(new Date('2027-03-01T06:00:00Z'));
      t = await startTestApp(dialect.name, { topup: { ...loadSettings({}).topup, bonus: { thresholdMin: 0n, percent: 0n, validityDays: 30 } } }, clock);
      assert.equal((await t.request('POST', '/v1/admin/offerings', { body: {
        code: 'PACK_30D', kind: 'data', price: 100_000, validityDays: 30, allowances: { dataMb: 100 }, autoRenewAllowed: true, stacks: false,
        names: { en: 'Pack', ru: 'Pack', kk: 'Pack', zh: 'Pack' },
      } })).status, 201);
      const msisdn = '+77013330001';
      assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn } })).status, 201);
      assert.equal((await t.request('POST', '/v1/topups', { body: { msisdn, amount: 300_000, currency: 'KZT' }, headers: { 'idempotency-key': 'top-1' } })).status, 201);
      clock.advance(60_000);
      const bought = await t.request('POST', '/v1/purchases', { body: { msisdn, offering: 'PACK_30D', autoRenew: true }, headers: { 'idempotency-key': 'buy-1' } });
      assert.equal(bought.status, 201, JSON.stringify(bought.body));
      // Down three days across both ends (the validity's first, the pack's a minute later); the jobs catch up in their order.
      clock.set(new Date(Date.parse(bought.body.expiresAt) + 3 * DAY_MS));
      await runJobsOnce(t.app.ctx, JOBS);
      const line = (await t.request('GET', `/v1/lines/${encodeURIComponent(msisdn)}`)).body;
      assert.equal(line.status, 'grace');
      assert.equal(line.balance.main, 200_000, 'no renewal charged');
      const periods = () => t.app.ctx.db.selectFrom('package_periods').select('period').where('package_id', '=', bought.body.id).execute();
      assert.equal((await periods()).length, 1);

      assert.equal((await t.request('POST', '/v1/topups', { body: { msisdn, amount: 100_000, currency: 'KZT' }, headers: { 'idempotency-key': 'top-2' } })).status, 201);
      // The top-up's event wakes the renewal once settled (the outbox is read some seconds behind).
      for (let run = 0; run < 3; run++) {
        clock.advance(30_000);
        await runJobsOnce(t.app.ctx, JOBS);
      }
      assert.equal((await periods()).length, 2, 'renewed once the line is back');
      await t.verify();
    });

    it('a purchase after the validity ended is refused as in grace too, before the lifecycle job records it; once topped up the line buys', async () => {
      await t.close();
      const clock = new ManualClock(new Date('2027-03-01T06:00:00Z'));
      t = await startTestApp(dialect.name, { topup: { ...loadSettings({}).topup, bonus: { thresholdMin: 0n, percent: 0n, validityDays: 30 } } }, clock);
      assert.equal((await t.request('POST', '/v1/admin/offerings', { body: {
        code: 'PACK_7D', kind: 'data', price: 100_000, validityDays: 7, allowances: { dataMb: 100 },
        names: { en: 'Pack', ru: 'Pack', kk: 'Pack', zh: 'Pack' },
      } })).status, 201);
      const msisdn = '+77013330002';
      assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn } })).status, 201);
      assert.equal((await t.request('POST', '/v1/topups', { body: { msisdn, amount: 300_000, currency: 'KZT' }, headers: { 'idempotency-key': 'top-1' } })).status, 201);
      // A minute past the validity's end: the line is active in its row until the lifecycle job runs.
      clock.advance(30 * DAY_MS + 60_000);
      assert.equal((await t.request('GET', `/v1/lines/${encodeURIComponent(msisdn)}`)).body.status, 'active');
      const refused = await t.request('POST', '/v1/purchases', { body: { msisdn, offering: 'PACK_7D' }, headers: { 'idempotency-key': 'buy-1' } });
      assert.equal(refused.status, 409, JSON.stringify(refused.body));
      assert.equal(refused.body.error.code, 'line_status_invalid');
      assert.equal(refused.body.error.details.status, 'grace');
      assert.equal((await t.app.ctx.db.selectFrom('packages').select('id').execute()).length, 0, 'nothing written');
      // Topped up, the line is valid again and buys.
      assert.equal((await t.request('POST', '/v1/topups', { body: { msisdn, amount: 100_000, currency: 'KZT' }, headers: { 'idempotency-key': 'top-2' } })).status, 201);
      const bought = await t.request('POST', '/v1/purchases', { body: { msisdn, offering: 'PACK_7D' }, headers: { 'idempotency-key': 'buy-2' } });
      assert.equal(bought.status, 201, JSON.stringify(bought.body));
      await t.verify();
    });

    /**
     * A new app (its clock at 2027-03-01, no top-up bonus, promised payments from the first day)
     * with a 30-day auto-renewing pack `code` at `price`, bought by a new line topped up 3,000 ₸;
     * `owing`: the line then took a 500 ₸ promised payment and owes 50 ₸ of it after its term.
     */
    const packBought = async (code: string, price: number, msisdn: string, owing = false) => {
      await t?.close();
      const clock = new ManualClock(new Date('2027-03-01T06:00:00Z'));
      const base = loadSettings({});
      t = await startTestApp(dialect.name, { topup: { ...base.topup, bonus: { thresholdMin: 0n, percent: 0n, validityDays: 30 } }, credit: { ...base.credit, tenureDaysMin: 0 } }, clock);
      assert.equal((await t.request('POST', '/v1/admin/offerings', { body: {
        code, kind: 'data', price, validityDays: 30, allowances: { dataMb: 100 }, autoRenewAllowed: true, stacks: false,
        names: { en: 'Pack', ru: 'Pack', kk: 'Pack', zh: 'Pack' },
      } })).status, 201);
      assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn } })).status, 201);
      assert.equal((await t.request('POST', '/v1/topups', { body: { msisdn, amount: 300_000, currency: 'KZT' }, headers: { 'idempotency-key': 'top-1' } })).status, 201);
      clock.advance(60_000);
      const bought = await t.request('POST', '/v1/purchases', { body: { msisdn, offering: code, autoRenew: true }, headers: { 'idempotency-key': 'buy-1' } });
      assert.equal(bought.status, 201, JSON.stringify(bought.body));
      if (owing) {
        const credit = await t.request('POST', `/v1/lines/${encodeURIComponent(msisdn)}/promised-payment`, { body: { amount: 50_000 }, headers: { 'idempotency-key': 'credit-1' } });
        assert.equal(credit.status, 201, JSON.stringify(credit.body));
        clock.advance(4 * DAY_MS);
        await runJobsOnce(t.app.ctx, JOBS);
        assert.equal((await t.request('GET', `/v1/lines/${encodeURIComponent(msisdn)}/promised-payment`)).body.owed, 5_000);
      }
      // The validity ends, then the pack a minute later.
      clock.set(new Date(Date.parse(bought.body.expiresAt) + 10_000));
      await runJobsOnce(t.app.ctx, JOBS);
      return { clock, packageId: bought.body.id as string };
    };
    const failures = async () => (await t.app.ctx.db.selectFrom('outbox').select('payload').where('topic', '=', 'package.renewal_failed').execute())
      .map((row) => JSON.parse(row.payload) as Record<string, unknown>);
    const periodsOf = async (packageId: string) => (await t.app.ctx.db.selectFrom('package_periods').select('period').where('package_id', '=', packageId).execute()).length;
    /** A top-up, then the jobs three times 30 s apart (the renewal's retry it wakes). */
    const topUpAndRun = async (clock: ManualClock, msisdn: string, amount: number, key: string) => {
      assert.equal((await t.request('POST', '/v1/topups', { body: { msisdn, amount, currency: 'KZT' }, headers: { 'idempotency-key': key } })).status, 201);
      for (let run = 0; run < 3; run++) {
        clock.advance(30_000);
        await runJobsOnce(t.app.ctx, JOBS);
      }
    };

    it('tells a line whose balance is short of the price how much a top-up must bring, and a top-up of that much renews it', async () => {
      const msisdn = '+77013330003';
      // 500 ₸ left of a 2,500 ₸ price.
      const { clock, packageId } = await packBought('PACK_BIG', 250_000, msisdn);
      const [failure, ...others] = await failures();
      assert.equal(others.length, 0);
      assert.equal(failure!.reason, 'line_status_invalid');
      assert.deepEqual(failure!.details, { status: 'grace', shortfall: 200_000, price: 250_000 });
      // "Top up by … and it renews" would promise a renewal to any top-up: the text names the sum.
      const text = subscriberMessage('package.renewal_failed', failure!, { offeringName: 'Pack' })!;
      assert.match(text, /validity has ended\. Top up 2,000\u00a0₸ or more by .* and it renews automatically\./, text);
      // Less than told: the line is back, the pack still short, and the subscriber hears it, once.
      await topUpAndRun(clock, msisdn, 50_000, 'top-2');
      assert.equal((await t.request('GET', `/v1/lines/${encodeURIComponent(msisdn)}`)).body.status, 'active');
      assert.equal(await periodsOf(packageId), 1);
      const [, short] = await failures();
      assert.deepEqual([short?.reason, short?.details], ['balance_insufficient', { shortfall: 150_000, price: 250_000 }]);
      await topUpAndRun(clock, msisdn, 50_000, 'top-3');
      assert.equal((await failures()).length, 2, 'told once');
      // The rest of what was told: renewed.
      await topUpAndRun(clock, msisdn, 100_000, 'top-4');
      assert.equal(await periodsOf(packageId), 2, 'renewed once the line has the sum told');
      assert.equal((await failures()).length, 2);
      await t.verify();
    });

    it('tells a line that a top-up brought back but whose debt it repaid first that the pack still lacks money', async () => {
      const msisdn = '+77013330004';
      const { clock, packageId } = await packBought('PACK_ALL', 300_000, msisdn, true);
      assert.deepEqual((await failures()).map((failure) => failure.reason), ['line_status_invalid']);
      // The top-up brings the line back but repays the debt first: 50 ₸ short.
      await topUpAndRun(clock, msisdn, 300_000, 'top-2');
      assert.equal(await periodsOf(packageId), 1);
      const told = await failures();
      assert.deepEqual(told.map((failure) => failure.reason), ['line_status_invalid', 'balance_insufficient']);
      assert.match(subscriberMessage('package.renewal_failed', told[1]!, { offeringName: 'Pack' })!, /not enough balance/);
      await t.verify();
    });

    it('counts a promised-payment debt in the sum it tells a line to top up (the top-up repays it first), and a top-up of that sum renews', async () => {
      const msisdn = '+77013330005';
      const { clock, packageId } = await packBought('PACK_OWED', 300_000, msisdn, true);
      const [failure] = await failures();
      // 3,000 ₸ would repay the 50 ₸ first and leave the pack 50 ₸ short: the sum told is 3,050 ₸.
      assert.deepEqual([failure?.reason, failure?.details], ['line_status_invalid', { status: 'grace', shortfall: 305_000, price: 300_000 }]);
      assert.match(subscriberMessage('package.renewal_failed', failure!, { offeringName: 'Pack' })!, /Top up 3,050\u00a0₸ or more by/);
      await topUpAndRun(clock, msisdn, 305_000, 'top-2');
      assert.equal(await periodsOf(packageId), 2, 'renewed by the sum told');
      assert.equal((await failures()).length, 1);
      await t.verify();
    });
  });
}
