import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';
import { seedCatalog } from '../catalog/seed-catalog.ts';
import { runJobsOnce } from '../jobs/scheduler.ts';
import { subscriberMessage } from '../lifecycle/subscriber-messages.ts';
import { remindersJob } from './reminders-job.ts';
import { RENEWAL_LIMITS, renewDue } from '../packages/auto-renew-job.ts';
import { linesEndingQuery, periodsEndingQuery } from './reminders-repository.ts';
import { explainPlan } from '../../test/support/query-plans.ts';
import { loadSettings } from '../config.ts';

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

for (const dialect of DIALECTS) {
  describe(`reminders [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let network: string;
    let start = 0;
    let keys = 0;
    let eventIds = 0;
    before(async () => {
      t = await startTestApp(dialect.name);
      network = await t.keyFor('network');
      await seedCatalog(t.app.ctx);
      start = t.clock.now().getTime();
    });
    after(async () => t?.close());

    const at = (days: number) => t.clock.set(new Date(start + days * DAY_MS));
    const run = async () => (await runJobsOnce(t.app.ctx, [remindersJob])).reminders!;
    const line = async (msisdn: string, language = 'en') => (await t.request('POST', '/v1/lines', { body: { msisdn, language } })).body.id as string;
    const topUp = async (msisdn: string, amount: number) => assert.equal((await t.request('POST', '/v1/topups', { body: { msisdn, amount, currency: 'KZT' }, headers: { 'idempotency-key': `rm-${++keys}` } })).status, 201);
    const events = async (topic: string, lineId: string) => (await t.app.ctx.db.selectFrom('outbox').select('payload').where('topic', '=', topic).orderBy('id').execute())
      .map((row) => JSON.parse(row.payload)).filter((payload) => payload.lineId === lineId);

    it("reminds of a line's validity end once, days ahead; a later end after a top-up gets its own", async () => {
      at(0);
      const first = await line('+77014100001', 'kk');
      const later = await line('+77014100002');
      await line('+77014100003');
      await topUp('+77014100001', 100_000);
      at(10);
      await topUp('+77014100002', 100_000);

      at(26.9);
      assert.equal(await run(), 0, 'more than 3 days ahead');
      at(27.5);
      assert.equal(await run(), 1);
      assert.equal(await run(), 0, 'once');
      const [told] = await events('line.validity_expiring', first);
      assert.deepEqual({ ...told, validUntil: undefined }, { lineId: first, msisdn: '+77014100001', validUntil: undefined, balance: 100_000, language: 'kk' });
      assert.equal(told.validUntil, new Date(start + 30 * DAY_MS).toISOString());
      assert.match(subscriberMessage('line.validity_expiring', told)!, /1\s000\s₸/);
      // A top-up before the end moves it 30 days on (the lifecycle index's copy stays behind).
      at(28);
      await topUp('+77014100001', 50_000);

      // Two processes at the same instant: the second line is told once.
      at(37.5);
      const [a, b] = await Promise.all([run(), run()]);
      assert.equal(a + b, 1);
      assert.equal((await events('line.validity_expiring', later)).length, 1);

      // The new end gets a reminder of its own.
      at(57.5);
      assert.equal(await run(), 1);
      assert.deepEqual((await events('line.validity_expiring', first)).map((e) => e.validUntil), [new Date(start + 30 * DAY_MS).toISOString(), new Date(start + 60 * DAY_MS).toISOString()]);
      // Long after, the records of reminders sent are deleted, and nothing is sent again for ends passed.
      at(100);
      assert.equal(await run(), 0);
      assert.equal((await t.app.ctx.db.selectFrom('reminders').select('key').execute()).length, 0);
      await t.verify();
    });

    it("reminds of a package's end once, hours ahead, saying whether it renews; not for a period already renewed", async () => {
      at(200);
      const lineId = await line('+77014100010', 'ru');
      await topUp('+77014100010', 1_000_000);
      const bought = await t.request('POST', '/v1/purchases', { body: { msisdn: '+77014100010', offering: 'DATA_1GB_7D', autoRenew: false }, headers: { 'idempotency-key': `rm-${++keys}` } });
      assert.equal(bought.status, 201, JSON.stringify(bought.body));
      const renewing = await t.request('POST', '/v1/purchases', { body: { msisdn: '+77014100010', offering: 'DATA_20GB_30D' }, headers: { 'idempotency-key': `rm-${++keys}` } });
      assert.equal(renewing.status, 201, JSON.stringify(renewing.body));
      assert.deepEqual([bought.body.autoRenew, renewing.body.autoRenew], [false, true]);
      const ends = Date.parse(bought.body.expiresAt);
      t.clock.set(new Date(ends - 25 * HOUR_MS));
      assert.equal(await run(), 0, 'more than 24 hours ahead');
      t.clock.set(new Date(ends - 23 * HOUR_MS));
      assert.equal(await run(), 1, 'the 7-day pack; the 30-day one is not ending yet');
      const [pack] = await events('package.expiring', lineId);
      assert.deepEqual([pack.packageId, pack.offering, pack.period, pack.autoRenew, pack.language, pack.expiresAt], [bought.body.id, 'DATA_1GB_7D', 0, false, 'ru', bought.body.expiresAt]);
      assert.match(subscriberMessage('package.expiring', pack, { offeringName: '1 ГБ на 7 дней' })!, /«1 ГБ на 7 дней» заканчивается/);
      assert.equal(await run(), 0, 'once');
      // Renewed now, the period that was ending is no longer the package's last: the new one is reminded of before its own end.
      const renewed = await t.request('POST', `/v1/lines/+77014100010/packages/${bought.body.id}/renew`, { headers: { 'idempotency-key': `rm-${++keys}` } });
      assert.equal(renewed.status, 201, JSON.stringify(renewed.body));
      t.clock.set(new Date(Date.parse(renewed.body.expiresAt) - 2 * HOUR_MS));
      assert.equal(await run(), 1);
      assert.deepEqual((await events('package.expiring', lineId)).filter((e) => e.packageId === bought.body.id).map((e) => e.period), [0, 1]);
      // The auto-renewing pack, on a line topped up since (valid beyond the pack's end): told that it renews.
      await topUp('+77014100010', 50_000);
      t.clock.set(new Date(Date.parse(renewing.body.expiresAt) - HOUR_MS));
      assert.equal(await run(), 1);
      assert.equal((await events('line.validity_expiring', lineId)).length, 0);
      const renews = (await events('package.expiring', lineId)).find((e) => e.packageId === renewing.body.id);
      assert.equal(renews.autoRenew, true);
      assert.equal(renews.renewalPrice, 799_000);
      assert.match(subscriberMessage('package.expiring', renews, { offeringName: '20 ГБ' })!, /«20 ГБ» продлится автоматически .* за 7\s990\s₸/);
      await t.verify();
    });

    it('tells a suspended line its auto-renewing pack ends, since its renewal would be refused', async () => {
      at(400);
      const lineId = await line('+77014100011', 'en');
      await topUp('+77014100011', 1_000_000);
      const bought = await t.request('POST', '/v1/purchases', { body: { msisdn: '+77014100011', offering: 'DATA_20GB_30D' }, headers: { 'idempotency-key': `rm-${++keys}` } });
      assert.equal(bought.body.autoRenew, true, JSON.stringify(bought.body));
      assert.equal((await t.request('POST', '/v1/lines/+77014100011/suspend', { body: { reason: 'lost SIM' } })).status, 200);
      t.clock.set(new Date(Date.parse(bought.body.expiresAt) - HOUR_MS));
      await run();
      const told = (await events('package.expiring', lineId)).find((e) => e.packageId === bought.body.id);
      assert.deepEqual([told.autoRenew, told.renewalPrice], [false, null]);
      assert.match(subscriberMessage('package.expiring', told)!, /ends on/);
      await t.verify();
    });

    it("quotes the renewal as the pack's end will charge it: not a promotion's price that ends before, not a renewal of an offering off sale by then", async () => {
      at(500);
      const lineId = await line('+77014100012', 'en');
      await topUp('+77014100012', 1_000_000);
      const bought = await t.request('POST', '/v1/purchases', { body: { msisdn: '+77014100012', offering: 'DATA_1GB_7D' }, headers: { 'idempotency-key': `rm-${++keys}` } });
      const last = await t.request('POST', '/v1/purchases', { body: { msisdn: '+77014100012', offering: 'VOICE_100MIN_30D' }, headers: { 'idempotency-key': `rm-${++keys}` } });
      assert.deepEqual([bought.status, last.status, bought.body.autoRenew, last.body.autoRenew], [201, 201, true, true]);
      const ends = Date.parse(bought.body.expiresAt);
      // Half price until two hours before the 1 GB pack's end; the minutes go off sale an hour before theirs.
      const promotion = await t.request('POST', '/v1/admin/promotions', { body: { offerings: ['DATA_1GB_7D'], discountKind: 'percent', discountValue: 50, startsAt: t.clock.now().toISOString(), endsAt: new Date(ends - 2 * HOUR_MS).toISOString() } });
      assert.equal(promotion.status, 201, JSON.stringify(promotion.body));
      const lastEnds = Date.parse(last.body.expiresAt);
      assert.equal((await t.request('PATCH', '/v1/admin/offerings/VOICE_100MIN_30D', { body: { availableUntil: new Date(lastEnds - HOUR_MS).toISOString() } })).status, 200);
      t.clock.set(new Date(ends - 20 * HOUR_MS));
      await run();
      const renews = (await events('package.expiring', lineId)).find((e) => e.packageId === bought.body.id);
      assert.deepEqual([renews.autoRenew, renews.renewalPrice], [true, 149_000]);
      assert.match(subscriberMessage('package.expiring', renews)!, /for 1,490\u00a0₸/);
      t.clock.set(new Date(lastEnds - 20 * HOUR_MS));
      await run();
      const ending = (await events('package.expiring', lineId)).find((e) => e.packageId === last.body.id);
      assert.deepEqual([ending.autoRenew, ending.renewalPrice], [false, null]);
      assert.match(subscriberMessage('package.expiring', ending)!, /ends on/);
      await t.verify();
    });

    it("tells a line whose validity ends by its auto-renewing pack's end that the pack ends: the renewal would find the line in grace", async () => {
      at(600);
      const lineId = await line('+77014100013', 'ru');
      await topUp('+77014100013', 1_000_000);
      // Bought a minute after the top-up: the 30-day pack outlives the line's 30 days of validity by that minute.
      t.clock.advance(60_000);
      const bought = await t.request('POST', '/v1/purchases', { body: { msisdn: '+77014100013', offering: 'DATA_20GB_30D' }, headers: { 'idempotency-key': `rm-${++keys}` } });
      assert.equal(bought.body.autoRenew, true, JSON.stringify(bought.body));
      t.clock.set(new Date(Date.parse(bought.body.expiresAt) - HOUR_MS));
      assert.equal(await run(), 2, 'the validity and the pack');
      const told = (await events('package.expiring', lineId)).find((e) => e.packageId === bought.body.id);
      assert.deepEqual([told.autoRenew, told.renewalPrice], [false, null]);
      assert.match(subscriberMessage('package.expiring', told)!, /заканчивается/);
      // Indeed: at the pack's end the line's validity is over and the renewal is refused.
      t.clock.set(new Date(Date.parse(bought.body.expiresAt) + 5_000));
      await renewDue(t.app.ctx, RENEWAL_LIMITS);
      const [failed] = await events('package.renewal_failed', lineId);
      assert.equal(failed.reason, 'line_status_invalid');
      await t.verify();
    });

    it('finds what ends soon through indexes, not by reading every line or period', async () => {
      const now = t.clock.now().toISOString();
      const horizon = new Date(t.clock.now().getTime() + 3 * DAY_MS).toISOString();
      for (const after of [null, { at: now, id: 'ln_0' }]) {
        const lines = await explainPlan(t.app.ctx, linesEndingQuery(t.app.ctx, now, horizon, after, 500));
        assert.match(lines, /lines_status_indexed_valid_until_id/, lines);
        assert.doesNotMatch(lines, /USE TEMP B-TREE|Sort/, lines);
        const periods = await explainPlan(t.app.ctx, periodsEndingQuery(t.app.ctx, now, horizon, after, 500));
        assert.match(periods, /package_periods_renewal_unexamined/, periods);
        assert.doesNotMatch(periods, /SCAN pp|USE TEMP B-TREE|Sort/, periods);
      }
    });

    it('tells once when a charge takes the main balance below the threshold, again only after it went back above', async () => {
      at(300);
      const lineId = await line('+77014100020', 'zh');
      await topUp('+77014100020', 160_000);
      // 1,600 ₸ less the 1,490 ₸ pack: 110 ₸ left, below 300 ₸.
      const bought = await t.request('POST', '/v1/purchases', { body: { msisdn: '+77014100020', offering: 'DATA_1GB_7D' }, headers: { 'idempotency-key': `rm-${++keys}` } });
      assert.equal(bought.status, 201, JSON.stringify(bought.body));
      let told = await events('balance.low', lineId);
      assert.deepEqual(told, [{ lineId, msisdn: '+77014100020', balance: 11_000, threshold: 30_000, language: 'zh' }]);
      assert.match(subscriberMessage('balance.low', told[0]!)!, /余额不足：110\u00a0₸/);
      // Spending further below it tells nothing more.
      const usage = (units: number) => t.request('POST', '/v1/usage', { token: network, body: { events: [{ id: `rm-ev-${++eventIds}`, msisdn: '+77014100020', service: 'sms', units, at: t.clock.now().toISOString() }] } });
      assert.equal((await usage(2)).status, 200);
      assert.equal((await events('balance.low', lineId)).length, 1);
      // Topped up above it, then pay-as-you-go SMS take it below again: told a second time.
      await topUp('+77014100020', 50_000);
      const sms = await usage(70);
      assert.equal(sms.status, 200, JSON.stringify(sms.body));
      told = await events('balance.low', lineId);
      assert.equal(told.length, 2);
      assert.ok(told[1].balance < 30_000 && told[1].balance >= 0, JSON.stringify(told[1]));
      await t.verify();
    });
  });

  describe(`reminders a run at most [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(dialect.name, { reminders: { ...loadSettings({}).reminders, perRunMax: 2 } });
    });
    after(async () => t?.close());

    it('sends no more than REMINDERS_PER_RUN_MAX a run; the next runs send the rest, each once', async () => {
      const start = t.clock.now().getTime();
      for (let i = 1; i <= 5; i++) {
        const msisdn = `+7701410010${i}`;
        assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn, language: 'en' } })).status, 201);
        assert.equal((await t.request('POST', '/v1/topups', { body: { msisdn, amount: 100_000, currency: 'KZT' }, headers: { 'idempotency-key': `rm-max-${i}` } })).status, 201);
      }
      t.clock.set(new Date(start + 27.5 * DAY_MS));
      const run = async () => (await runJobsOnce(t.app.ctx, [remindersJob])).reminders!;
      assert.deepEqual([await run(), await run(), await run(), await run()], [2, 2, 1, 0]);
      const told = await t.app.ctx.db.selectFrom('outbox').select('payload').where('topic', '=', 'line.validity_expiring').execute();
      assert.equal(new Set(told.map((row) => JSON.parse(row.payload).lineId)).size, 5);
    });
  });
}
