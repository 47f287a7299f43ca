import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';
import { loadSettings } from '../config.ts';
import { createContext } from '../app-context.ts';
import { seedCatalog } from '../catalog/seed-catalog.ts';
import { openStore } from '../store/open-store.ts';
import { runJobsOnce } from '../jobs/scheduler.ts';
import { activeTariffRates } from './active-tariff-rates.ts';
import { autoRenewJob } from './auto-renew-job.ts';
import { setPackageAutoRenew } from './set-auto-renew.ts';
import { SYSTEM_ACTOR } from '../auth/actor.ts';
import { expireBucketsJob } from './expire-buckets-job.ts';
import { latestPeriodsForJob, renewalRetriesDue } from './packages-repository.ts';

const GB = 1024 ** 3;
const DAY = 86_400_000;

for (const dialect of DIALECTS) {
  describe(`packages [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let keySeq = 0;
    before(async () => {
      // Top-up bonuses are promotions' subject (promotions.test.ts); here they would blur the sums.
      t = await startTestApp(dialect.name, { topup: { ...loadSettings({}).topup, validityDays: 3650, bonus: { thresholdMin: 0n, percent: 0n, validityDays: 30 } } });
      await seedCatalog(t.app.ctx);
    });
    after(async () => t?.close());

    const newLine = async (msisdn: string, tenge: number) => {
      assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn } })).status, 201);
      if (tenge > 0) await topUp(msisdn, tenge);
    };
    const topUp = async (msisdn: string, tenge: number) => {
      const r = await t.request('POST', '/v1/topups', { body: { msisdn, amount: tenge * 100, currency: 'KZT' }, headers: { 'idempotency-key': `tu-${++keySeq}` } });
      assert.equal(r.status, 201, JSON.stringify(r.body));
    };
    const buy = (body: Record<string, unknown>, key = `buy-${++keySeq}`, token?: string) =>
      t.request('POST', '/v1/purchases', { body, token, headers: { 'idempotency-key': key } });
    const balance = async (msisdn: string) => (await t.request('GET', `/v1/lines/${msisdn}`)).body.balance;
    const account = async (id: string) => {
      const row = await t.app.ctx.db.selectFrom('ledger_accounts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      return Number(row.credits_posted) - Number(row.debits_posted);
    };
    const counts = async () => ({
      transfers: (await t.app.ctx.db.selectFrom('ledger_transfers').select('id').execute()).length,
      packages: (await t.app.ctx.db.selectFrom('packages').select('id').execute()).length,
    });

    it('buys a package: money to revenue, 1 GB = 1024³ bytes into a new bucket, receipt and outbox event', async () => {
      await newLine('+77011110001', 2_000);
      const revenueBefore = await account('revenue:packages');
      const r = await buy({ msisdn: '+77011110001', offering: 'DATA_1GB_7D' });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      assert.equal(r.body.pricePaid, 149_000);
      assert.equal(r.body.offeringVersion, 1);
      assert.match(r.body.receiptNumber, /^R-\d{4}-\d{8}$/);
      assert.equal(r.body.allowances.length, 1);
      assert.equal(r.body.allowances[0].unit, 'DATA_BYTES');
      assert.equal(r.body.allowances[0].amount, GB);
      assert.equal(r.body.expiresAt, new Date(t.clock.now().getTime() + 7 * DAY).toISOString());
      assert.equal(r.body.balanceAfter.main, 200_000 - 149_000);
      assert.equal(await account('revenue:packages') - revenueBefore, 149_000);
      const bucket = await t.app.ctx.db.selectFrom('ledger_accounts').selectAll().where('id', '=', r.body.allowances[0].bucketId).executeTakeFirstOrThrow();
      assert.equal(bucket.kind, 'bucket');
      assert.equal(bucket.expires_at, r.body.expiresAt);
      // Named after the (time-ordered) package, owned by the line.
      assert.equal(bucket.id, `${r.body.id}.0.DATA_BYTES`);
      assert.match(bucket.id, /^pkg_[0-9A-HJKMNP-TV-Z]{26}\./);
      assert.equal(bucket.owner_id, (await t.app.ctx.db.selectFrom('lines').select('id').where('msisdn', '=', '+77011110001').executeTakeFirstOrThrow()).id);
      const list = await t.request('GET', '/v1/lines/+77011110001/packages');
      assert.equal(list.status, 200);
      assert.equal(list.body.data.length, 1);
      assert.equal(list.body.data[0].status, 'active');
      assert.equal(list.body.data[0].allowances[0].remaining, GB);
      const events = await t.app.ctx.db.selectFrom('outbox').select('topic').where('topic', '=', 'package.purchased').execute();
      assert.ok(events.length >= 1);
    });

    it('refuses balance_insufficient with the shortfall and writes nothing; unknown and terminated are refused too', async () => {
      await newLine('+77011110002', 1_000);
      const before = await counts();
      const r = await buy({ msisdn: '+77011110002', offering: 'DATA_5GB_30D' });
      assert.equal(r.status, 422);
      assert.equal(r.body.error.code, 'balance_insufficient');
      assert.equal(r.body.error.details.shortfall, 399_000 - 100_000);
      assert.deepEqual(await counts(), before);
      assert.equal((await buy({ msisdn: '+77011110002', offering: 'NOPE' })).body.error.code, 'offering_not_found');
      await t.app.ctx.db.updateTable('lines').set({ status: 'terminated' }).where('msisdn', '=', '+77011110002').execute();
      assert.equal((await buy({ msisdn: '+77011110002', offering: 'DATA_1GB_7D' })).body.error.code, 'line_terminated');
      assert.deepEqual(await counts(), before);
    });

    it('100 concurrent purchases with one key buy once and answer alike', async () => {
      await newLine('+77011110003', 10_000);
      const responses = await Promise.all(Array.from({ length: 100 }, () => buy({ msisdn: '+77011110003', offering: 'DATA_1GB_7D' }, 'same-key')));
      assert.ok(responses.every((r) => r.status === 201), JSON.stringify(responses.find((r) => r.status !== 201)?.body));
      assert.equal(new Set(responses.map((r) => r.body.id)).size, 1);
      assert.equal((await balance('+77011110003')).main, 1_000_000 - 149_000);
      assert.equal((await buy({ msisdn: '+77011110003', offering: 'DATA_5GB_30D' }, 'same-key')).body.error.code, 'idempotency_key_reused');
    });

    it('a subscriber buys for their own line only; an agent may not buy', async () => {
      const agent = await t.keyFor('agent');
      const denied = await buy({ msisdn: '+77011110003', offering: 'DATA_1GB_7D' }, undefined, agent);
      assert.equal(denied.status, 403);
    });

    it('spends the bonus balance first, then main', async () => {
      await newLine('+77011110004', 2_000);
      const line = await t.app.ctx.db.selectFrom('lines').select('id').where('msisdn', '=', '+77011110004').executeTakeFirstOrThrow();
      const { applyTopUpBonus, topUpBonusLocks } = await import('../promotions/top-up-bonus.ts');
      const granted = await t.app.ctx.writer.submit({
        name: 'bonus', lock: topUpBonusLocks(line.id), execute: (tx) => applyTopUpBonus(tx, { lineId: line.id, topUpId: 'tu_test', amount: 500_000n }),
      });
      assert.ok(granted.ok && granted.value.value.bonus === 50_000);
      const r = await buy({ msisdn: '+77011110004', offering: 'DATA_1GB_7D' });
      assert.equal(r.body.paidFromBonus, 50_000);
      assert.equal(r.body.paidFromMain, 99_000);
      assert.deepEqual(await balance('+77011110004'), { main: 200_000 - 99_000, bonus: 0 });
    });

    it('books a discount: the line pays less, revenue gets list price, expense:promotions the difference; quote equals charge', async () => {
      await newLine('+77011110005', 10_000);
      const promo = await t.request('POST', '/v1/admin/promotions', { body: {
        code: 'SPRING25', offerings: ['DATA_5GB_30D'], discountKind: 'percent', discountValue: 25,
        startsAt: t.clock.now().toISOString(), endsAt: new Date(t.clock.now().getTime() + 30 * DAY).toISOString(),
      } });
      assert.equal(promo.status, 201, JSON.stringify(promo.body));
      const quote = await t.request('GET', '/v1/offerings/DATA_5GB_30D/quote?msisdn=%2B77011110005&promoCode=SPRING25');
      assert.equal(quote.status, 200, JSON.stringify(quote.body));
      assert.equal(quote.body.price, 399_000 - 99_750);
      const revenue = await account('revenue:packages');
      const expense = await account('expense:promotions');
      const r = await buy({ msisdn: '+77011110005', offering: 'DATA_5GB_30D', promoCode: 'SPRING25' });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      assert.equal(r.body.pricePaid, quote.body.price);
      assert.equal(r.body.discount, 99_750);
      assert.equal(await account('revenue:packages') - revenue, 399_000);
      assert.equal(await account('expense:promotions') - expense, -99_750);
      assert.equal((await balance('+77011110005')).main, 1_000_000 - quote.body.price);
      assert.equal((await buy({ msisdn: '+77011110005', offering: 'DATA_1GB_7D', promoCode: 'SPRING25' })).body.error.code, 'promo_code_invalid');
    });

    it('promo code limits hold under concurrency: 3 uses in total, 1 per line', async () => {
      const msisdns = ['+77011110010', '+77011110011', '+77011110012', '+77011110013', '+77011110014'];
      for (const m of msisdns) await newLine(m, 20_000);
      const promo = await t.request('POST', '/v1/admin/promotions', { body: {
        code: 'FIRST3', discountKind: 'fixed', discountValue: 10_000, usesMax: 3, usesPerLineMax: 1,
        startsAt: t.clock.now().toISOString(), endsAt: new Date(t.clock.now().getTime() + DAY).toISOString(),
      } });
      assert.equal(promo.status, 201);
      const responses = await Promise.all(msisdns.flatMap((msisdn) => [0, 1].map(() => buy({ msisdn, offering: 'DATA_1GB_7D', promoCode: 'FIRST3' }))));
      const okCount = responses.filter((r) => r.status === 201).length;
      assert.equal(okCount, 3, JSON.stringify(responses.map((r) => r.body.error?.code ?? r.status)));
      const codes = new Set(responses.filter((r) => r.status !== 201).map((r) => r.body.error.code));
      for (const code of codes) assert.ok(['promo_code_exhausted', 'promo_code_line_limit'].includes(code), code);
      const perLine = new Map<string, number>();
      for (const r of responses.filter((r) => r.status === 201)) perLine.set(r.body.msisdn, (perLine.get(r.body.msisdn) ?? 0) + 1);
      assert.ok([...perLine.values()].every((n) => n === 1));
    });

    it('a renewal racing a purchase: with money for one, exactly one succeeds', async () => {
      await newLine('+77011110020', 3_000);
      const first = await buy({ msisdn: '+77011110020', offering: 'DATA_1GB_7D' });
      // 3,000 − 1,490 = 1,510 ₸ left: enough for one more 1,490 ₸ pack, not two.
      const [renewal, purchase] = await Promise.all([
        t.request('POST', `/v1/lines/+77011110020/packages/${first.body.id}/renew`, { headers: { 'idempotency-key': 'race-renew' } }),
        buy({ msisdn: '+77011110020', offering: 'DATA_1GB_7D' }),
      ]);
      assert.deepEqual([renewal.status, purchase.status].sort(), [201, 422]);
      assert.equal((await balance('+77011110020')).main, 300_000 - 2 * 149_000);
      if (renewal.status === 201) {
        assert.equal(renewal.body.period, 1);
        // A stacking pack renewed early: a second bucket beside the first, each with its own expiry.
        const list = await t.request('GET', '/v1/lines/+77011110020/packages');
        const data = list.body.data.find((p: { id: string }) => p.id === first.body.id).allowances[0];
        assert.equal(data.buckets.length, 2);
        assert.equal(data.remaining, 2 * GB);
        const replay = await t.request('POST', `/v1/lines/+77011110020/packages/${first.body.id}/renew`, { headers: { 'idempotency-key': 'race-renew' } });
        assert.equal(replay.body.receiptNumber, renewal.body.receiptNumber);
      }
    });

    it('renewals of one package at once, each with its own key, all go through while the money lasts: none ends in a conflict', async () => {
      await newLine('+77011110021', 15_000);
      const first = await buy({ msisdn: '+77011110021', offering: 'DATA_1GB_7D' });
      // 15,000 − 1,490 = 13,510 ₸: nine more 1,490 ₸ periods (13,410 ₸), not ten.
      const renewals = await Promise.all(Array.from({ length: 12 }, (_, i) =>
        t.request('POST', `/v1/lines/+77011110021/packages/${first.body.id}/renew`, { headers: { 'idempotency-key': `many-renew-${i}` } })));
      const codes = renewals.map((r) => (r.status === 201 ? 'renewed' : r.body.error.code)).sort();
      assert.deepEqual(codes, [...Array(3).fill('balance_insufficient'), ...Array(9).fill('renewed')]);
      assert.deepEqual(renewals.filter((r) => r.status === 201).map((r) => r.body.period).sort((a, b) => a - b), [1, 2, 3, 4, 5, 6, 7, 8, 9]);
      assert.equal((await balance('+77011110021')).main, 1_500_000 - 10 * 149_000);
      await t.verify();
    });

    it('a renewal with the price shown is refused, writing nothing, when the price is another', async () => {
      await newLine('+77011110025', 5_000);
      const first = await buy({ msisdn: '+77011110025', offering: 'DATA_1GB_7D' });
      const renew = (body: unknown, key: string) => t.request('POST', `/v1/lines/+77011110025/packages/${first.body.id}/renew`, { body, headers: { 'idempotency-key': key } });
      const before = await balance('+77011110025');
      const stale = await renew({ expectedPrice: 99_000 }, 'shown-1');
      assert.deepEqual([stale.status, stale.body.error.code, stale.body.error.details], [409, 'price_changed', { price: 149_000 }]);
      assert.deepEqual(await balance('+77011110025'), before);
      assert.equal((await renew({ expectedPrice: 149_000.5 }, 'shown-2')).body.error.code, 'validation_failed');
      assert.equal((await renew({ price: 149_000 }, 'shown-3')).body.error.code, 'validation_failed');
      const renewed = await renew({ expectedPrice: 149_000 }, 'shown-4');
      assert.equal(renewed.status, 201, JSON.stringify(renewed.body));
      assert.equal((await balance('+77011110025')).main, before.main - 149_000);
      assert.equal((await renew({ expectedPrice: 149_000 }, 'shown-4')).headers['idempotent-replayed'], 'true');
      assert.equal((await renew({}, 'shown-4')).body.error.code, 'idempotency_key_reused');
    });

    it('renewing a non-stacking pack extends it and carries the unused units over', async () => {
      await newLine('+77011110030', 10_000);
      const first = await buy({ msisdn: '+77011110030', offering: 'TARIFF_TRAVEL' });
      assert.equal(first.status, 201, JSON.stringify(first.body));
      assert.equal(first.body.autoRenew, true);
      const again = await buy({ msisdn: '+77011110030', offering: 'TARIFF_TRAVEL' });
      assert.equal(again.body.error.code, 'package_already_active');
      t.clock.advanceDays(10);
      const renewal = await t.request('POST', `/v1/lines/+77011110030/packages/${first.body.id}/renew`, { headers: { 'idempotency-key': 'extend-1' } });
      assert.equal(renewal.status, 201, JSON.stringify(renewal.body));
      const data = renewal.body.allowances.find((a: { unit: string }) => a.unit === 'DATA_BYTES');
      assert.equal(data.carriedOver, 3 * GB);
      assert.equal(data.amount, 6 * GB);
      assert.equal(renewal.body.startsAt, first.body.expiresAt);
      assert.equal(await account(first.body.allowances[0].bucketId), 0);
      const list = await t.request('GET', '/v1/lines/+77011110030/packages');
      assert.equal(list.body.data[0].allowances.find((a: { unit: string }) => a.unit === 'DATA_BYTES').remaining, 6 * GB);
      const rates = await activeTariffRates(t.app.ctx, renewal.body.lineId);
      assert.deepEqual([rates?.perMb, rates?.perMinute, rates?.perSms], [1_500n, 2_000n, 1_000n]);
      t.clock.advanceDays(-10);
    });

    it('renews a package by the rule it was bought under: an offering made stacking since still extends a one-at-a-time pack from its end', async () => {
      await newLine('+77011110031', 20_000);
      const bought = await buy({ msisdn: '+77011110031', offering: 'MESSENGERS_30D' });
      assert.equal(bought.status, 201, JSON.stringify(bought.body));
      assert.equal((await t.request('PATCH', '/v1/admin/offerings/MESSENGERS_30D', { body: { stacks: true } })).status, 200);
      try {
        t.clock.advanceDays(10);
        const renewed = await t.request('POST', `/v1/lines/+77011110031/packages/${bought.body.id}/renew`, { headers: { 'idempotency-key': 'stacks-changed-1' } });
        assert.equal(renewed.status, 201, JSON.stringify(renewed.body));
        assert.deepEqual([renewed.body.startsAt, Date.parse(renewed.body.expiresAt)], [bought.body.expiresAt, Date.parse(bought.body.expiresAt) + 30 * 86_400_000], 'no paid day lost');
        const listed = (await t.request('GET', '/v1/lines/+77011110031/packages')).body.data;
        assert.deepEqual(listed.map((p: { stacks: boolean; expiresAt: string }) => [p.stacks, p.expiresAt]), [[false, renewed.body.expiresAt]]);
      } finally {
        t.clock.advanceDays(-10);
        assert.equal((await t.request('PATCH', '/v1/admin/offerings/MESSENGERS_30D', { body: { stacks: false } })).status, 200);
      }
    });

    it('auto-renews with money, lapses without, and retries after a top-up; two runs at once charge once', async () => {
      await newLine('+77011110040', 3_000);
      const first = await buy({ msisdn: '+77011110040', offering: 'DATA_1GB_7D', autoRenew: true });
      assert.equal(first.status, 201);
      t.clock.advanceDays(7);
      // Other tests' packs end too (auto-renew is on by default where allowed): this one's periods are what counts.
      const periodsOf = async (packageId: string) => (await t.app.ctx.db.selectFrom('package_periods').select('id').where('package_id', '=', packageId).execute()).length;
      await Promise.all([runJobsOnce(t.app.ctx, [autoRenewJob]), runJobsOnce(t.app.ctx, [autoRenewJob])]);
      assert.equal(await periodsOf(first.body.id), 2, 'renewed once by two runs at once');
      assert.equal((await balance('+77011110040')).main, 300_000 - 2 * 149_000);
      const waiting = async () => latestPeriodsForJob(t.app.ctx, (await renewalRetriesDue(t.app.ctx, t.clock.now().toISOString(), 100)).filter((pkg) => pkg.id === first.body.id));
      assert.deepEqual(await waiting(), [], 'its first period ended and was renewed: nothing waits for a retry');
      // Next period: 2,000 tiyn left, not enough; the pack lapses and an event says so, once.
      t.clock.advanceDays(7);
      await runJobsOnce(t.app.ctx, [autoRenewJob]);
      await runJobsOnce(t.app.ctx, [autoRenewJob]);
      const failed = await t.app.ctx.db.selectFrom('outbox').select('payload').where('topic', '=', 'package.renewal_failed').execute();
      assert.equal(failed.filter((e) => e.payload.includes(first.body.id)).length, 1);
      assert.deepEqual((await waiting()).map((found) => Number(found.latest.period)), [1], 'awaiting funds: queued once, read by its latest period (they count from 0)');
      let list = await t.request('GET', '/v1/lines/+77011110040/packages');
      assert.equal(list.body.data[0].status, 'awaiting_funds');
      t.clock.advanceDays(2);
      await topUp('+77011110040', 2_000);
      await runJobsOnce(t.app.ctx, [autoRenewJob]);
      list = await t.request('GET', '/v1/lines/+77011110040/packages');
      assert.equal(list.body.data[0].status, 'active');
      assert.equal(list.body.data[0].periods, 3);
      assert.equal((await balance('+77011110040')).main, 2_000 + 200_000 - 149_000);
      t.clock.advanceDays(-16);
    });

    it('auto-renewal turned off while the job is renewing the pack is not charged', async () => {
      await newLine('+77011110046', 5_000);
      const first = await buy({ msisdn: '+77011110046', offering: 'DATA_1GB_7D', autoRenew: true });
      assert.equal(first.status, 201);
      const writer = t.app.ctx.writer;
      const submit = writer.submit.bind(writer);
      let patched: { status: number } | null = null;
      // The subscriber turns auto-renewal off after the job read the pack as auto-renewing, before its command commits.
      writer.submit = (async (command: { name: string }) => {
        if (command.name === 'package_auto_renewal' && patched === null) {
          patched = await t.request('PATCH', `/v1/lines/+77011110046/packages/${first.body.id}`, { body: { autoRenew: false } });
        }
        return submit(command as never);
      }) as typeof writer.submit;
      try {
        t.clock.advanceDays(7);
        await runJobsOnce(t.app.ctx, [autoRenewJob]);
      } finally {
        writer.submit = submit;
      }
      assert.equal(patched!.status, 200);
      await runJobsOnce(t.app.ctx, [autoRenewJob]);
      const periods = await t.app.ctx.db.selectFrom('package_periods').select('id').where('package_id', '=', first.body.id).execute();
      assert.equal(periods.length, 1, 'not renewed: auto-renewal was off when the renewal was charged');
      assert.equal((await balance('+77011110046')).main, 500_000 - 149_000);
      t.clock.advanceDays(-7);
    });

    it('auto-renewal turned off in one process and on in another at the same moment: the pack is told auto-renewing only if it renews', async () => {
      await newLine('+77011110047', 5_000);
      const first = await buy({ msisdn: '+77011110047', offering: 'DATA_1GB_7D', autoRenew: true });
      assert.equal(first.status, 201);
      const store = await openStore(t.app.ctx.settings.databaseUrl);
      const other = createContext(t.app.ctx.settings, store, { clock: t.clock });
      const writer = t.app.ctx.writer;
      const submit = writer.submit.bind(writer);
      let turnedOn = false;
      // This process turns it off: its row is written; before its counter is, the other process turns it on, whole.
      writer.submit = (async (command: { name: string }) => {
        if (command.name === 'package_auto_renew' && !turnedOn) {
          turnedOn = true;
          const on = await setPackageAutoRenew(other, SYSTEM_ACTOR, '+77011110047', first.body.id, true);
          assert.ok(on.ok);
        }
        return submit(command as never);
      }) as typeof writer.submit;
      try {
        assert.equal((await t.request('PATCH', `/v1/lines/+77011110047/packages/${first.body.id}`, { body: { autoRenew: false } })).status, 200);
      } finally {
        writer.submit = submit;
        await other.writer.close();
        await store.close();
      }
      assert.ok(turnedOn);
      const shown = (await t.request('GET', '/v1/lines/+77011110047/packages')).body.data.find((p: { id: string }) => p.id === first.body.id);
      t.clock.advanceDays(7);
      try {
        await runJobsOnce(t.app.ctx, [autoRenewJob]);
        const periods = await t.app.ctx.db.selectFrom('package_periods').select('id').where('package_id', '=', first.body.id).execute();
        assert.equal(periods.length === 2, shown.autoRenew, `shown autoRenew ${shown.autoRenew}, ${periods.length} period(s): the answer and the renewal agree`);
      } finally {
        t.clock.advanceDays(-7);
      }
    });

    it('two processes running the renewal job at the same instant charge once', async () => {
      await newLine('+77011110045', 5_000);
      const first = await buy({ msisdn: '+77011110045', offering: 'DATA_1GB_7D', autoRenew: true });
      assert.equal(first.status, 201);
      const store = await openStore(t.app.ctx.settings.databaseUrl);
      const other = createContext(t.app.ctx.settings, store, { clock: t.clock });
      try {
        t.clock.advanceDays(7);
        await Promise.all([runJobsOnce(t.app.ctx, [autoRenewJob]), runJobsOnce(other, [autoRenewJob]), runJobsOnce(other, [autoRenewJob])]);
        const periods = await t.app.ctx.db.selectFrom('package_periods').select('id').where('package_id', '=', first.body.id).execute();
        assert.equal(periods.length, 2, 'renewed once by three runs in two processes');
        assert.equal((await balance('+77011110045')).main, 500_000 - 2 * 149_000);
      } finally {
        t.clock.advanceDays(-7);
        await other.writer.close();
        await store.close();
      }
    });

    it('a subscriber buys for their own line; another line is line_not_found', async () => {
      await newLine('+77011110070', 2_000);
      await t.request('POST', '/v1/users', { body: { login: '+77011110070', password: 'correct horse', role: 'subscriber' } });
      const login = await t.request('POST', '/v1/auth/login', { token: null, body: { login: '+77011110070', password: 'correct horse' } });
      const token = login.body.token;
      assert.equal((await buy({ msisdn: '+77011110070', offering: 'DATA_1GB_7D' }, undefined, token)).status, 201);
      assert.equal((await buy({ msisdn: '+77011110001', offering: 'DATA_1GB_7D' }, undefined, token)).body.error.code, 'line_not_found');
      const mine = await t.request('GET', '/v1/lines/+77011110070/packages?language=ru', { token });
      assert.equal(mine.body.data[0].name, '1 ГБ на 7 дней');
    });

    it('toggles auto-renew where the offering allows it; unknown packages and promo codes are refused', async () => {
      await newLine('+77011110080', 2_000);
      const created = await t.request('POST', '/v1/admin/offerings', { body: {
        code: 'ONE_OFF_SMS', kind: 'sms', price: 10_000, validityDays: 3, allowances: { sms: 20 }, autoRenewAllowed: false,
        names: { en: '20 SMS', ru: '20 SMS', kk: '20 SMS', zh: '20 条短信' },
      } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.equal((await buy({ msisdn: '+77011110080', offering: 'ONE_OFF_SMS', autoRenew: true })).body.error.code, 'auto_renew_not_allowed');
      const sms = await buy({ msisdn: '+77011110080', offering: 'ONE_OFF_SMS' });
      assert.equal(sms.status, 201);
      assert.equal(sms.body.autoRenew, false, 'off by default where the offering does not allow it');
      assert.equal((await t.request('PATCH', `/v1/lines/+77011110080/packages/${sms.body.id}`, { body: { autoRenew: true } })).body.error.code, 'auto_renew_not_allowed');
      const data = await buy({ msisdn: '+77011110080', offering: 'DATA_1GB_7D', autoRenew: false });
      assert.equal(data.body.autoRenew, false);
      const on = await t.request('PATCH', `/v1/lines/+77011110080/packages/${data.body.id}`, { body: { autoRenew: true } });
      assert.deepEqual(on.body, { id: data.body.id, autoRenew: true });
      assert.equal((await t.request('PATCH', '/v1/lines/+77011110080/packages/pkg_nope', { body: { autoRenew: true } })).body.error.code, 'package_not_found');
      assert.equal((await t.request('POST', '/v1/lines/+77011110080/packages/pkg_nope/renew', { headers: { 'idempotency-key': 'nope' } })).body.error.code, 'package_not_found');
      assert.equal((await t.request('GET', '/v1/offerings/DATA_1GB_7D/quote?promoCode=NOSUCH', { token: null })).body.error.code, 'promo_code_invalid');
      const quote = await t.request('GET', '/v1/offerings/DATA_1GB_7D/quote?msisdn=%2B77011110080');
      assert.deepEqual(quote.body.payment, { fromBonus: 0, fromMain: 149_000, shortfall: 149_000 - (200_000 - 10_000 - 149_000) });
      // An offering that does not say: auto-renewal allowed, and on for a purchase that does not say either.
      await t.request('POST', '/v1/admin/offerings', { body: { code: 'RENEWING_SMS', kind: 'sms', price: 1_000, validityDays: 3, allowances: { sms: 5 }, names: { en: '5 SMS', ru: '5 SMS', kk: '5 SMS', zh: '5 条短信' } } });
      const byDefault = await buy({ msisdn: '+77011110080', offering: 'RENEWING_SMS', autoRenew: undefined });
      assert.equal(byDefault.body.autoRenew, true, 'on by default where the offering allows it');
    });

    it('a renewal never revives a non-stacking pack whose slot another pack of the kind took', async () => {
      const activeTariffs = async (msisdn: string) =>
        (await t.request('GET', `/v1/lines/${msisdn}/packages`)).body.data.filter((p: { status: string; kind: string }) => p.status === 'active' && p.kind === 'tariff');
      // By hand: A ends, B of the same tariff is bought, then A is renewed.
      await newLine('+77011119001', 20_000);
      const a = await buy({ msisdn: '+77011119001', offering: 'TARIFF_TRAVEL', autoRenew: false });
      assert.equal(a.status, 201, JSON.stringify(a.body));
      t.clock.set(new Date(new Date(a.body.expiresAt).getTime() + 60_000));
      assert.equal((await buy({ msisdn: '+77011119001', offering: 'TARIFF_TRAVEL' })).status, 201);
      const renew = await t.request('POST', `/v1/lines/+77011119001/packages/${a.body.id}/renew`, { headers: { 'idempotency-key': `renew-${++keySeq}` } });
      assert.equal(renew.status, 409);
      assert.equal(renew.body.error.code, 'package_already_active');
      assert.equal((await activeTariffs('+77011119001')).length, 1);
      // By the job: A lapses for want of money, the line buys B, then tops up within the retry window.
      await newLine('+77011119002', 3_000);
      const lapsing = await buy({ msisdn: '+77011119002', offering: 'TARIFF_TRAVEL' });
      assert.equal(lapsing.body.autoRenew, true);
      t.clock.set(new Date(new Date(lapsing.body.expiresAt).getTime() + 1_000));
      await runJobsOnce(t.app.ctx, [autoRenewJob]);
      await topUp('+77011119002', 3_000);
      assert.equal((await buy({ msisdn: '+77011119002', offering: 'TARIFF_TRAVEL' })).status, 201);
      const mainBefore = (await balance('+77011119002')).main;
      t.clock.set(new Date(t.clock.now().getTime() + 2 * DAY));
      await topUp('+77011119002', 3_000);
      await runJobsOnce(t.app.ctx, [autoRenewJob]);
      assert.equal((await activeTariffs('+77011119002')).length, 1);
      assert.equal((await balance('+77011119002')).main, mainBefore + 300_000, 'nothing more was charged');
      await t.verify();
    });

    it('a retried purchase replays its first answer even when that purchase used up the promo code or the price changed since', async () => {
      const now = t.clock.now().getTime();
      const promo = await t.request('POST', '/v1/admin/promotions', { body: { code: 'ONCEONLY', discountKind: 'percent', discountValue: 50, startsAt: new Date(now - 1000).toISOString(), endsAt: new Date(now + DAY).toISOString(), usesPerLineMax: 1 } });
      assert.equal(promo.status, 201, JSON.stringify(promo.body));
      await newLine('+77011118001', 5_000);
      const withCode = { msisdn: '+77011118001', offering: 'DATA_1GB_7D', promoCode: 'ONCEONLY' };
      const first = await buy(withCode, 'retry-promo');
      assert.equal(first.status, 201, JSON.stringify(first.body));
      const retry = await buy(withCode, 'retry-promo');
      assert.equal(retry.status, 201, JSON.stringify(retry.body));
      assert.equal(retry.headers['idempotent-replayed'], 'true');
      assert.equal(retry.body.id, first.body.id);
      assert.equal((await buy({ ...withCode, offering: 'DATA_5GB_30D' }, 'retry-promo')).body.error.code, 'idempotency_key_reused');
      await newLine('+77011118002', 5_000);
      const priced = { msisdn: '+77011118002', offering: 'MESSENGERS_30D', expectedPrice: (await t.request('GET', '/v1/offerings')).body.data.find((o: { code: string }) => o.code === 'MESSENGERS_30D').price };
      const bought = await buy(priced, 'retry-price');
      assert.equal(bought.status, 201, JSON.stringify(bought.body));
      assert.equal((await t.request('PATCH', '/v1/admin/offerings/MESSENGERS_30D', { body: { price: priced.expectedPrice + 10_000 } })).status, 200);
      const again = await buy(priced, 'retry-price');
      assert.equal(again.status, 201, JSON.stringify(again.body));
      assert.equal(again.body.id, bought.body.id);
      await t.verify();
    });

    it('forfeits what is left in expired buckets, once', async () => {
      await newLine('+77011110050', 2_000);
      const r = await buy({ msisdn: '+77011110050', offering: 'DATA_1GB_7D', autoRenew: false });
      t.clock.advanceDays(8);
      // Expiry takes the periods the renewal job has looked at (an automatic renewal may carry their units over).
      await runJobsOnce(t.app.ctx, [autoRenewJob]);
      await Promise.all([runJobsOnce(t.app.ctx, [expireBucketsJob]), runJobsOnce(t.app.ctx, [expireBucketsJob])]);
      assert.equal(await account(r.body.allowances[0].bucketId), 0);
      const forfeits = await t.app.ctx.db.selectFrom('ledger_transfers').select('id').where('code', '=', 'expiry').where('debit_account_id', '=', r.body.allowances[0].bucketId).execute();
      assert.equal(forfeits.length, 1);
      t.clock.advanceDays(-8);
    });

    it('a price change makes a new version; past purchases keep theirs', async () => {
      await newLine('+77011110060', 20_000);
      const before = await buy({ msisdn: '+77011110060', offering: 'VOICE_100MIN_30D' });
      const patched = await t.request('PATCH', '/v1/admin/offerings/VOICE_100MIN_30D', { body: { price: 139_000 } });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      assert.equal(patched.body.version, 2);
      const renamed = await t.request('PATCH', '/v1/admin/offerings/VOICE_100MIN_30D', { body: { names: { en: 'Talk 100', ru: 'Разговор 100', kk: 'Сөйлесу 100', zh: '通话100' } } });
      assert.equal(renamed.body.version, 2);
      const stale = await buy({ msisdn: '+77011110060', offering: 'VOICE_100MIN_30D', expectedPrice: 129_000 });
      assert.deepEqual([stale.status, stale.body.error.code, stale.body.error.details.price], [409, 'price_changed', 139_000]);
      const afterBuy = await buy({ msisdn: '+77011110060', offering: 'VOICE_100MIN_30D', expectedPrice: 139_000 });
      assert.equal(afterBuy.body.offeringVersion, 2);
      assert.equal(afterBuy.body.pricePaid, 139_000);
      const old = await t.app.ctx.db.selectFrom('packages').innerJoin('offering_versions', 'offering_versions.id', 'packages.offering_version_id')
        .select(['packages.price_paid', 'offering_versions.price', 'offering_versions.version']).where('packages.id', '=', before.body.id).executeTakeFirstOrThrow();
      assert.deepEqual([Number(old.price_paid), Number(old.price), Number(old.version)], [129_000, 129_000, 1]);
      const zh = await t.request('GET', '/v1/offerings?language=zh', { token: null });
      assert.equal(zh.status, 200);
      assert.equal(zh.body.data.find((o: { code: string }) => o.code === 'VOICE_100MIN_30D').name, '通话100');
    });
  });
}
