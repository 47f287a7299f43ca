import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';
import { seedCatalog } from '../catalog/seed-catalog.ts';
import { accountBalance, grantTestBucket } from './test-buckets.ts';

const DAY_MS = 86_400_000;

for (const dialect of DIALECTS) {
  describe(`usage recording [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let network: string;
    let keyCount = 0;
    let eventCount = 0;
    const lines = new Map<string, string>();
    before(async () => {
      t = await startTestApp(dialect.name);
      network = await t.keyFor('network');
      for (const [msisdn, amount] of [['+77012000001', 100_000], ['+77012000002', 2_000], ['+77012000003', 100_000], ['+77012000004', 0]] as const) {
        const created = await t.request('POST', '/v1/lines', { body: { msisdn } });
        lines.set(msisdn, created.body.id);
        if (amount > 0) {
          const key = `u-${++keyCount}`;
          // Small balances: top up the minimum and spend the rest on PAYG below.
          await t.request('POST', '/v1/topups', { body: { msisdn, amount: Math.max(amount, 50_000), currency: 'KZT' }, headers: { 'idempotency-key': key } });
        }
      }
    });
    after(async () => t?.close());

    const at = (days = 0) => new Date(t.clock.now().getTime() + days * DAY_MS).toISOString();
    const event = (msisdn: string, service: string, units: number, when = at()) => ({ id: `ev-${++eventCount}`, msisdn, service, units, at: when });
    const post = (events: unknown[], token: string | null = network) => t.request('POST', '/v1/usage', { body: { events }, token });
    const main = async (msisdn: string) => (await t.request('GET', `/v1/lines/${msisdn}`)).body.balance.main as number;

    it('consumes buckets of the unit earliest expiry first, only those unexpired at the event time', async () => {
      const lineId = lines.get('+77012000001')!;
      const early = await grantTestBucket(t.app.ctx, lineId, 'DATA_BYTES', 1_000n, at(1));
      const late = await grantTestBucket(t.app.ctx, lineId, 'DATA_BYTES', 5_000n, at(20));
      const voice = await grantTestBucket(t.app.ctx, lineId, 'VOICE_SECONDS', 600n, at(20));
      const start = at();
      const response = await post([event('+77012000001', 'data', 400), event('+77012000001', 'data', 300), event('+77012000001', 'voice', 60)]);
      assert.equal(response.status, 200, JSON.stringify(response.body));
      assert.deepEqual(response.body.results.map((r: any) => [r.status, r.consumed, r.charged, r.uncovered]), [['recorded', 400, 0, 0], ['recorded', 300, 0, 0], ['recorded', 60, 0, 0]]);
      assert.equal(await accountBalance(t.app.ctx, early), 300n);
      assert.equal(await accountBalance(t.app.ctx, late), 5_000n);
      // One ledger transfer per bucket for the whole request.
      const transfers = await t.app.ctx.db.selectFrom('ledger_transfers').select('debit_account_id').where('code', '=', 'usage').execute();
      assert.equal(transfers.length, 2);
      // Two days on, the early bucket has expired: an event of now draws on the later one; one
      // reported late, from before the early bucket's end, still on it first.
      t.clock.advanceDays(2);
      const later = await post([event('+77012000001', 'data', 200), event('+77012000001', 'data', 500, start)]);
      assert.deepEqual(later.body.results.map((r: any) => [r.status, r.consumed, r.charged, r.uncovered]), [['recorded', 200, 0, 0], ['recorded', 500, 0, 0]]);
      assert.equal(await accountBalance(t.app.ctx, early), 0n);
      assert.equal(await accountBalance(t.app.ctx, late), 4_600n);
      assert.equal(await accountBalance(t.app.ctx, voice), 540n);
      await t.verify();
    });

    it('announces 80% and 100% use of a bucket once each', async () => {
      const lineId = lines.get('+77012000003')!;
      const sms = await grantTestBucket(t.app.ctx, lineId, 'SMS', 10n, at(30));
      await post([event('+77012000003', 'sms', 5)]);
      await post([event('+77012000003', 'sms', 3)]);
      await post([event('+77012000003', 'sms', 1), event('+77012000003', 'sms', 1)]);
      const outbox = await t.app.ctx.db.selectFrom('outbox').select('payload').where('topic', '=', 'bucket.usage_threshold').execute();
      const mine = outbox.map((o) => JSON.parse(o.payload)).filter((p) => p.accountId === sms);
      assert.deepEqual(mine.map((p) => p.thresholdPercent), [80, 100]);
      assert.equal(mine[1].remaining, 0);
    });

    it('charges pay-as-you-go from the main balance and reports what it cannot cover', async () => {
      const before = await main('+77012000003');
      const response = await post([event('+77012000003', 'voice', 90), event('+77012000003', 'sms', 2), event('+77012000003', 'data', 1_048_576)]);
      // 90 s at 15 ₸/min = 22.50 ₸; 2 SMS beyond the bucket at 5 ₸; 1 MB at 10 ₸.
      assert.deepEqual(response.body.results.map((r: any) => [r.consumed, r.charged, r.uncovered]), [[0, 2_250, 0], [0, 1_000, 0], [0, 1_000, 0]]);
      assert.equal(before - await main('+77012000003'), 4_250);
      // Line 2 spends its balance down to 20 ₸, then a 2-minute call covers 80 s and leaves 40 s uncovered.
      const poor = '+77012000002';
      await post([event(poor, 'sms', (await main(poor) - 2_000) / 500)]);
      assert.equal(await main(poor), 2_000);
      const call = await post([event(poor, 'voice', 120), event(poor, 'sms', 1)]);
      assert.deepEqual(call.body.results.map((r: any) => [r.consumed, r.charged, r.uncovered]), [[0, 2_000, 40], [0, 0, 1]]);
      assert.equal(await main(poor), 0);
      t.app.ctx.settings.usage.paygAllowed = false;
      try {
        const noPayg = await post([event('+77012000003', 'voice', 60)]);
        assert.deepEqual(noPayg.body.results.map((r: any) => [r.status, r.charged, r.uncovered]), [['recorded', 0, 60]]);
      } finally {
        t.app.ctx.settings.usage.paygAllowed = true;
      }
      await t.verify();
    });

    it("prices what the buckets leave at the rates of the line's tariff, in the period it holds; a rate the tariff lacks is not covered", async () => {
      await seedCatalog(t.app.ctx);
      const msisdn = '+77012000009';
      const created = await t.request('POST', '/v1/lines', { body: { msisdn } });
      lines.set(msisdn, created.body.id);
      assert.equal((await t.request('POST', '/v1/topups', { body: { msisdn, amount: 1_000_000, currency: 'KZT' }, headers: { 'idempotency-key': `u-${++keyCount}` } })).status, 201);
      const tariff = await t.request('POST', '/v1/purchases', { body: { msisdn, offering: 'TARIFF_TRAVEL' }, headers: { 'idempotency-key': `u-${++keyCount}` } });
      assert.equal(tariff.status, 201, JSON.stringify(tariff.body));
      const before = await main(msisdn);
      // 50 SMS in the tariff, then 10 ₸ each (the default is 5 ₸); 100 minutes, then 20 ₸ a minute (default 15 ₸).
      const response = await post([event(msisdn, 'sms', 52), event(msisdn, 'voice', 6_060)]);
      assert.deepEqual(response.body.results.map((r: any) => [r.consumed, r.charged, r.uncovered]), [[50, 2_000, 0], [6_000, 2_000, 0]]);
      assert.equal(await main(msisdn), before - 4_000);
      // After the tariff's period (monthly) the line is on no tariff: the default rates.
      t.clock.set(new Date(Date.parse(tariff.body.expiresAt) + 1_000));
      const after = await post([event(msisdn, 'sms', 1)]);
      assert.deepEqual(after.body.results.map((r: any) => [r.consumed, r.charged, r.uncovered]), [[0, 500, 0]]);
      // A tariff that sets no SMS rate: SMS beyond its allowance are not pay-as-you-go under it.
      const admin = await t.request('POST', '/v1/admin/offerings', { body: {
        code: 'TARIFF_NO_SMS', kind: 'tariff', price: 10_000, feePeriod: 'monthly', allowances: { sms: 1 }, payAsYouGo: { perMb: 1_000, perMinute: 1_000 },
        names: { en: 'No SMS', ru: 'Без SMS', kk: 'SMS жоқ', zh: '无短信' },
      } });
      assert.equal(admin.status, 201, JSON.stringify(admin.body));
      const other = '+77012000010';
      await t.request('POST', '/v1/lines', { body: { msisdn: other } });
      await t.request('POST', '/v1/topups', { body: { msisdn: other, amount: 100_000, currency: 'KZT' }, headers: { 'idempotency-key': `u-${++keyCount}` } });
      assert.equal((await t.request('POST', '/v1/purchases', { body: { msisdn: other, offering: 'TARIFF_NO_SMS' }, headers: { 'idempotency-key': `u-${++keyCount}` } })).status, 201);
      const none = await post([event(other, 'sms', 3)]);
      assert.deepEqual(none.body.results.map((r: any) => [r.consumed, r.charged, r.uncovered]), [[1, 0, 2]]);
      await t.verify();
    });

    it('records each event id once: repeats in a request, across requests and in racing requests are duplicates with the first outcome', async () => {
      const lineId = lines.get('+77012000003')!;
      const bucket = await grantTestBucket(t.app.ctx, lineId, 'DATA_BYTES', 1_000_000n, at(30));
      const events = [event('+77012000003', 'data', 1_000), event('+77012000003', 'data', 2_000)];
      const first = await post([...events, events[0]]);
      assert.deepEqual(first.body.results.map((r: any) => [r.status, r.consumed]), [['recorded', 1_000], ['recorded', 2_000], ['duplicate', 1_000]]);
      assert.deepEqual([first.body.recorded, first.body.duplicates], [2, 1]);
      const again = await post(events);
      assert.deepEqual(again.body.results.map((r: any) => [r.status, r.consumed, r.charged, r.uncovered]), [['duplicate', 1_000, 0, 0], ['duplicate', 2_000, 0, 0]]);
      assert.equal(await accountBalance(t.app.ctx, bucket), 997_000n);
      const racing = Array.from({ length: 5 }, () => event('+77012000003', 'data', 10_000));
      const responses = await Promise.all(Array.from({ length: 4 }, () => post(racing)));
      assert.ok(responses.every((r) => r.status === 200), JSON.stringify(responses.map((r) => r.body)));
      const results = responses.flatMap((r) => r.body.results);
      assert.equal(results.filter((r: any) => r.status === 'recorded').length, 5);
      assert.ok(results.every((r: any) => (r.status === 'recorded' || r.status === 'duplicate') && r.consumed === 10_000), JSON.stringify(results));
      assert.equal(await accountBalance(t.app.ctx, bucket), 947_000n);
      await t.verify();
    });

    it('a duplicate answers what the first recording consumed, charged and left uncovered, whatever happened since', async () => {
      const msisdn = '+77012000011';
      const created = await t.request('POST', '/v1/lines', { body: { msisdn } });
      lines.set(msisdn, created.body.id);
      await t.request('POST', '/v1/topups', { body: { msisdn, amount: 50_000, currency: 'KZT' }, headers: { 'idempotency-key': `u-${++keyCount}` } });
      await grantTestBucket(t.app.ctx, created.body.id, 'VOICE_SECONDS', 30n, at(30));
      // 30 s from the bucket, 60 s at 15 ₸/min, then the balance (500 ₸) is spent and 30 s are left uncovered.
      const events = [event(msisdn, 'voice', 90), event(msisdn, 'sms', 97), event(msisdn, 'voice', 60)];
      const first = await post(events);
      const outcome = (r: any) => [r.consumed, r.charged, r.uncovered];
      assert.deepEqual(first.body.results.map(outcome), [[30, 1_500, 0], [0, 48_500, 0], [0, 0, 60]]);
      assert.equal(await main(msisdn), 0);
      // The mediation system timed out and sends the batch again, the number in another form; meanwhile the line was topped up.
      await t.request('POST', '/v1/topups', { body: { msisdn, amount: 50_000, currency: 'KZT' }, headers: { 'idempotency-key': `u-${++keyCount}` } });
      const again = await post(events.map((e) => ({ ...e, msisdn: '8 701 200 00 11' })));
      assert.deepEqual(again.body.results.map((r: any) => r.status), ['duplicate', 'duplicate', 'duplicate']);
      assert.deepEqual(again.body.results.map(outcome), first.body.results.map(outcome));
      assert.deepEqual([again.body.recorded, again.body.duplicates, again.body.rejected], [0, 3, 0]);
      // Written in another offset the time is the same instant: still the same event.
      const offset = await post([{ ...events[0]!, at: new Date(Date.parse(events[0]!.at) + 5 * 3_600_000).toISOString().replace('Z', '+05:00') }]);
      assert.deepEqual(offset.body.results.map((r: any) => [r.status, ...outcome(r)]), [['duplicate', 30, 1_500, 0]]);
      assert.equal(await main(msisdn), 50_000);
      // Terminated since: a retry still answers the recording.
      await t.app.ctx.db.updateTable('lines').set({ status: 'terminated' }).where('id', '=', created.body.id).execute();
      const late = await post([events[1]!]);
      assert.deepEqual(late.body.results.map((r: any) => [r.status, ...outcome(r)]), [['duplicate', 0, 48_500, 0]]);
      await t.verify();
    });

    it('refuses, per event, an id already recorded for another line, service, units or time; the rest of the batch is recorded', async () => {
      const msisdn = '+77012000003';
      const recorded = event(msisdn, 'sms', 1);
      assert.equal((await post([recorded])).body.results[0].status, 'recorded');
      const before = await main(msisdn);
      const other = event('+77012000001', 'sms', 1);
      const response = await post([
        { ...recorded, msisdn: '+77012000001' }, { ...recorded, service: 'voice' }, { ...recorded, units: 2 },
        { ...recorded, at: new Date(Date.parse(recorded.at) - 1_000).toISOString() }, { ...recorded, msisdn: '+77019999999' },
        other, recorded,
      ]);
      assert.equal(response.status, 200, JSON.stringify(response.body));
      assert.deepEqual(response.body.results.map((r: any) => [r.status, r.code ?? null, r.consumed, r.charged, r.uncovered]), [
        ['rejected', 'event_id_reused', 0, 0, 0], ['rejected', 'event_id_reused', 0, 0, 0], ['rejected', 'event_id_reused', 0, 0, 0],
        ['rejected', 'event_id_reused', 0, 0, 0], ['rejected', 'event_id_reused', 0, 0, 0],
        ['recorded', null, 0, 500, 0], ['duplicate', null, 0, 500, 0],
      ]);
      assert.deepEqual([response.body.recorded, response.body.duplicates, response.body.rejected], [1, 1, 5]);
      assert.equal(await main(msisdn), before);
      // Within one request: the same event again is a duplicate of its first occurrence, another under its id is refused.
      const fresh = event(msisdn, 'sms', 2);
      const within = await post([fresh, { ...fresh, units: 3 }, fresh, { ...fresh, msisdn: '+77012000001' }]);
      assert.deepEqual(within.body.results.map((r: any) => [r.status, r.code ?? null, r.charged]), [
        ['recorded', null, 1_000], ['rejected', 'event_id_reused', 0], ['duplicate', null, 1_000], ['rejected', 'event_id_reused', 0],
      ]);
      assert.equal(await main(msisdn), before - 1_000);
      // An event refused for itself leaves its id free: the one after it under that id is recorded.
      const refused = event(msisdn, 'sms', 1, at(1));
      const afterRefusal = await post([refused, { ...refused, at: at() }]);
      assert.deepEqual(afterRefusal.body.results.map((r: any) => [r.status, r.code ?? null]), [['rejected', 'event_in_future'], ['recorded', null]]);
      await t.verify();
    });

    it('a request that loses a race for an id to another process is planned again and answers that recording (or refuses another event)', async () => {
      const msisdn = '+77012000003';
      const lineId = lines.get(msisdn)!;
      const same = event(msisdn, 'sms', 1);
      const collided = event(msisdn, 'sms', 1);
      const mine = event(msisdn, 'sms', 1);
      const writer = t.app.ctx.writer;
      const submit = writer.submit;
      // Another process records two of the ids between this request's reads and its command: one
      // for the same event, one for an event of another network element whose id collides.
      writer.submit = (async (command: any) => {
        writer.submit = submit;
        const row = { line_id: lineId, service: 'sms', at: same.at, recorded_at: at() };
        await t.app.ctx.db.insertInto('usage_events').values([
          { ...row, id: same.id, units: 1n, consumed: 0n, charged: 500n, uncovered: 0n },
          { ...row, id: collided.id, units: 7n, consumed: 7n, charged: 0n, uncovered: 0n },
        ]).execute();
        return submit.call(writer, command);
      }) as typeof writer.submit;
      const before = await main(msisdn);
      const errors: unknown[] = [];
      const reportError = t.app.ctx.reportError;
      t.app.ctx.reportError = (error) => errors.push(error);
      let response;
      try {
        response = await post([same, collided, mine]);
      } finally {
        t.app.ctx.reportError = reportError;
      }
      assert.equal(writer.submit, submit);
      // The first attempt's batch failed on the primary key (reported as a failed commit), the second committed.
      assert.equal(errors.length, 1);
      assert.match(String(errors[0]), /usage_events/);
      assert.equal(response.status, 200, JSON.stringify(response.body));
      assert.deepEqual(response.body.results.map((r: any) => [r.status, r.code ?? null, r.charged]), [
        ['duplicate', null, 500], ['rejected', 'event_id_reused', 0], ['recorded', null, 500],
      ]);
      assert.equal(await main(msisdn), before - 500);
    });

    it('a request whose bucket a renewal carried over between its reads and its command is planned again: drawn from the new bucket, not paid as it goes', async () => {
      await seedCatalog(t.app.ctx);
      const msisdn = '+77012000041';
      assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn } })).status, 201);
      assert.equal((await t.request('POST', '/v1/topups', { body: { msisdn, amount: 5_000_000, currency: 'KZT' }, headers: { 'idempotency-key': `u-${++keyCount}` } })).status, 201);
      const bought = await t.request('POST', '/v1/purchases', { body: { msisdn, offering: 'TARIFF_TRAVEL' }, headers: { 'idempotency-key': `u-${++keyCount}` } });
      assert.equal(bought.status, 201, JSON.stringify(bought.body));
      assert.equal((await post([event(msisdn, 'sms', 10)])).body.results[0].consumed, 10);
      const writer = t.app.ctx.writer;
      const submit = writer.submit;
      let renewed: Awaited<ReturnType<TestApp['request']>> | undefined;
      let usageCommands = 0;
      // The subscriber renews (40 SMS carried into a bucket of 90) while the usage request is between its reads and its command.
      writer.submit = (async (command: any) => {
        if (command.name !== 'usage') return submit.call(writer, command);
        if (++usageCommands === 1) renewed = await t.request('POST', `/v1/lines/${msisdn}/packages/${bought.body.id}/renew`, { headers: { 'idempotency-key': `u-${++keyCount}` } });
        return submit.call(writer, command);
      }) as typeof writer.submit;
      const before = await main(msisdn);
      let used;
      try {
        used = await post([event(msisdn, 'sms', 5)]);
      } finally {
        writer.submit = submit;
      }
      assert.equal(renewed!.status, 201, JSON.stringify(renewed!.body));
      const sms = renewed!.body.allowances.find((a: { unit: string }) => a.unit === 'SMS');
      assert.equal(sms.carriedOver, 40);
      assert.deepEqual(used.body.results.map((r: any) => [r.status, r.consumed, r.charged]), [['recorded', 5, 0]]);
      assert.equal(usageCommands, 2, 'planned again once');
      assert.equal(await accountBalance(t.app.ctx, sms.bucketId), 85n);
      assert.equal(await main(msisdn), before - renewed!.body.paidFromMain, 'nothing paid as it goes');
      await t.verify();
    });

    it('refuses, per event, an event dated more than USAGE_FUTURE_SKEW_SECONDS ahead of the server clock; a live bucket is not charged for it', async () => {
      const msisdn = '+77012000001';
      const bucket = await grantTestBucket(t.app.ctx, lines.get(msisdn)!, 'SMS', 100n, at(30));
      const balance = await main(msisdn);
      const ahead = (seconds: number) => new Date(t.clock.now().getTime() + seconds * 1_000).toISOString();
      const nextYear = new Date(t.clock.now().getTime() + 365 * DAY_MS).toISOString();
      const events = [
        event(msisdn, 'sms', 1, ahead(300)), event(msisdn, 'sms', 1, ahead(301)), event(msisdn, 'sms', 1, nextYear),
        event(msisdn, 'sms', 1, '2199-06-01T00:00:00Z'), event(msisdn, 'sms', 1, at(-1)), event(msisdn, 'sms', 1),
      ];
      const response = await post(events);
      assert.equal(response.status, 200, JSON.stringify(response.body));
      assert.deepEqual(response.body.results.map((r: any) => [r.status, r.code ?? null, r.consumed, r.charged]), [
        ['recorded', null, 1, 0], ['rejected', 'event_in_future', 0, 0], ['rejected', 'event_in_future', 0, 0],
        ['rejected', 'event_in_future', 0, 0], ['recorded', null, 1, 0], ['recorded', null, 1, 0],
      ]);
      assert.equal(await accountBalance(t.app.ctx, bucket), 97n);
      assert.equal(await main(msisdn), balance);
      // Nothing was written for them: once its time has come, the event is recorded.
      t.clock.advance(301_000);
      const later = await post([events[1]]);
      assert.deepEqual(later.body.results.map((r: any) => [r.status, r.consumed]), [['recorded', 1]]);
      const stored = await t.app.ctx.db.selectFrom('usage_events').select('id').where('id', 'in', events.slice(2, 4).map((e) => e.id)).execute();
      assert.deepEqual(stored, []);
      // The skew is a setting; at 0 nothing after the server clock is taken.
      t.app.ctx.settings.usage.futureSkewSeconds = 0;
      try {
        const strict = await post([event(msisdn, 'sms', 1, ahead(1)), event(msisdn, 'sms', 1, ahead(0))]);
        assert.deepEqual(strict.body.results.map((r: any) => [r.status, r.code ?? null]), [['rejected', 'event_in_future'], ['recorded', null]]);
      } finally {
        t.app.ctx.settings.usage.futureSkewSeconds = 300;
      }
      await t.verify();
    });

    it('records an event of 0 units (a call of 0 s, a session of 0 bytes) with nothing consumed or charged, no transfer, no threshold', async () => {
      const msisdn = '+77012000003';
      const lineId = lines.get(msisdn)!;
      // A bucket already at 80 % and lines with and without money: none is touched.
      const bucket = await grantTestBucket(t.app.ctx, lineId, 'SMS', 10n, at(30));
      assert.equal((await post([event(msisdn, 'sms', 8)])).body.results[0].consumed, 8);
      const counts = async () => [
        (await t.app.ctx.db.selectFrom('ledger_transfers').select('id').execute()).length,
        (await t.app.ctx.db.selectFrom('outbox').select('id').where('topic', '=', 'bucket.usage_threshold').execute()).length,
      ];
      const before = await counts();
      const balance = await main(msisdn);
      const zeros = [event(msisdn, 'sms', 0), event(msisdn, 'voice', 0), event(msisdn, 'data', 0), event('+77012000002', 'voice', 0), event('+77012000011', 'data', 0)];
      const response = await post([...zeros, event('+77019999999', 'sms', 0)]);
      assert.equal(response.status, 200, JSON.stringify(response.body));
      assert.deepEqual(response.body.results.map((r: any) => [r.status, r.code ?? null, r.consumed, r.charged, r.uncovered]), [
        ['recorded', null, 0, 0, 0], ['recorded', null, 0, 0, 0], ['recorded', null, 0, 0, 0], ['recorded', null, 0, 0, 0],
        // A terminated line (above) or an unknown one is refused for 0 units as for any.
        ['rejected', 'line_terminated', 0, 0, 0], ['rejected', 'line_not_found', 0, 0, 0],
      ]);
      assert.deepEqual(await counts(), before);
      assert.equal(await accountBalance(t.app.ctx, bucket), 2n);
      assert.equal(await main(msisdn), balance);
      const rows = await t.app.ctx.db.selectFrom('usage_events').selectAll().where('id', 'in', zeros.slice(0, 4).map((e) => e.id)).execute();
      assert.deepEqual(rows.map((r) => [Number(r.units), Number(r.consumed), Number(r.charged), Number(r.uncovered)]), [[0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0], [0, 0, 0, 0]]);
      // Idempotent like any other: again a duplicate, with units under its id refused.
      const again = await post([zeros[0], { ...zeros[1]!, units: 60 }, event(msisdn, 'sms', 1)]);
      assert.deepEqual(again.body.results.map((r: any) => [r.status, r.code ?? null, r.consumed]), [['duplicate', null, 0], ['rejected', 'event_id_reused', 0], ['recorded', null, 1]]);
      await t.verify();
    });

    it('a line\'s history pages, newest first, hold every transfer of every account of the line once', async () => {
      const msisdn = '+77012000001';
      const lineId = lines.get(msisdn)!;
      // Buckets of several units and expiries, used in turn: transfers spread over many accounts and
      // both sides; an hour apart, so that a deep page passes over the buckets made after its cursor.
      for (let round = 0; round < 4; round++) {
        await grantTestBucket(t.app.ctx, lineId, round % 2 === 0 ? 'DATA_BYTES' : 'SMS', 100n, at(5 + round));
        assert.equal((await post([event(msisdn, 'data', 30), event(msisdn, 'sms', 1)])).status, 200);
        t.clock.advance(3_600_000);
      }
      const accounts = (await t.app.ctx.db.selectFrom('ledger_accounts').select('id').where('owner_id', '=', lineId).execute()).map((a) => a.id);
      const everything = await t.app.ctx.db.selectFrom('ledger_transfers').select('id')
        .where((eb) => eb.or([eb('debit_account_id', 'in', accounts), eb('credit_account_id', 'in', accounts)])).orderBy('id', 'desc').execute();
      assert.ok(everything.length > 10, `${everything.length} transfers`);
      for (const limit of [1, 3, 7, 100]) {
        const seen: string[] = [];
        let cursor: string | null = null;
        do {
          const page: { status: number; body: { data: { id: string }[]; nextCursor: string | null } } = await t.request('GET', `/v1/lines/${msisdn}/transactions?limit=${limit}${cursor ? `&cursor=${cursor}` : ''}`);
          assert.equal(page.status, 200);
          assert.ok(page.body.data.length <= limit);
          seen.push(...page.body.data.map((row) => row.id));
          cursor = page.body.nextCursor;
        } while (cursor);
        assert.deepEqual(seen, everything.map((row) => row.id), `pages of ${limit}`);
      }
    });

    it('rejects events of unknown, invalid or terminated lines alone and records the rest', async () => {
      await t.app.ctx.db.updateTable('lines').set({ status: 'terminated' }).where('msisdn', '=', '+77012000004').execute();
      const response = await post([event('+77019999999', 'sms', 1), event('8 701 200 00 03', 'sms', 1), event('+77012000004', 'sms', 1), event('+1555', 'sms', 1)]);
      assert.deepEqual(response.body.results.map((r: any) => [r.status, r.code ?? null]), [
        ['rejected', 'line_not_found'], ['recorded', null], ['rejected', 'line_terminated'], ['rejected', 'msisdn_invalid'],
      ]);
    });

    it('refuses an event dated before the line holding its number was created: a late event of the line that gave the number up is not the new subscriber\'s', async () => {
      const msisdn = '+77012000051';
      const old = await t.request('POST', '/v1/lines', { body: { msisdn } });
      assert.equal((await t.request('POST', '/v1/topups', { body: { msisdn, amount: 50_000, currency: 'KZT' }, headers: { 'idempotency-key': `u-${++keyCount}` } })).status, 201);
      const oldCall = at();
      assert.equal((await t.request('POST', `/v1/lines/${msisdn}/terminate`, { body: { reason: 'SIM handed back' } })).status, 200);
      // The quarantine over, the number goes to a new subscriber's SIM.
      t.clock.advanceDays(t.app.ctx.settings.lifecycle.quarantineDays + 1);
      const created = await t.request('POST', '/v1/lines', { body: { msisdn } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      assert.notEqual(created.body.id, old.body.id);
      assert.equal((await t.request('POST', '/v1/topups', { body: { msisdn, amount: 50_000, currency: 'KZT' }, headers: { 'idempotency-key': `u-${++keyCount}` } })).status, 201);
      const balance = await main(msisdn);
      const skew = t.app.ctx.settings.usage.futureSkewSeconds * 1_000;
      const createdAt = Date.parse(created.body.createdAt);
      const response = await post([
        event(msisdn, 'voice', 600, oldCall), event(msisdn, 'sms', 0, oldCall),
        event(msisdn, 'sms', 1, new Date(createdAt - skew - 1_000).toISOString()),
        // Within the clocks' skew of its creation, and after it: the new line's.
        event(msisdn, 'sms', 1, new Date(createdAt - skew).toISOString()), event(msisdn, 'sms', 1),
      ]);
      assert.equal(response.status, 200, JSON.stringify(response.body));
      assert.deepEqual(response.body.results.map((r: any) => [r.status, r.code ?? null, r.charged]), [
        ['rejected', 'event_before_line', 0], ['rejected', 'event_before_line', 0], ['rejected', 'event_before_line', 0],
        ['recorded', null, 500], ['recorded', null, 500],
      ]);
      assert.equal(await main(msisdn), balance - 1_000);
      // A line whose id runs ahead of its creation (ids never go back, another process's clock was
      // ahead): when it was created decides, and its first event is its own.
      const now = t.clock.now();
      t.clock.set(new Date(now.getTime() - 3_600_000));
      try {
        const behind = '+77012000052';
        assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn: behind } })).status, 201);
        assert.equal((await t.request('POST', '/v1/topups', { body: { msisdn: behind, amount: 50_000, currency: 'KZT' }, headers: { 'idempotency-key': `u-${++keyCount}` } })).status, 201);
        const first = await post([event(behind, 'sms', 1)]);
        assert.deepEqual(first.body.results.map((r: any) => [r.status, r.code ?? null, r.charged]), [['recorded', null, 500]]);
      } finally {
        t.clock.set(now);
      }
      await t.verify();
    });

    it('refuses bad input and other roles with 4xx codes and writes nothing', async () => {
      const counts = async () => [
        (await t.app.ctx.db.selectFrom('ledger_transfers').select('id').execute()).length,
        (await t.app.ctx.db.selectFrom('usage_events').select('id').execute()).length,
      ];
      const before = await counts();
      const good = () => event('+77012000001', 'data', 10);
      const cases: [unknown, string | null, number, string][] = [
        [{ events: [] }, network, 400, 'validation_failed'],
        [{ events: Array.from({ length: 1_001 }, good) }, network, 400, 'validation_failed'],
        [{ events: [{ ...good(), units: -1 }] }, network, 400, 'validation_failed'],
        [{ events: [{ ...good(), units: 1.5 }] }, network, 400, 'validation_failed'],
        [{ events: [{ ...good(), units: '10' }] }, network, 400, 'validation_failed'],
        [{ events: [{ ...good(), service: 'mms' }] }, network, 400, 'validation_failed'],
        [{ events: [{ ...good(), at: 'yesterday' }] }, network, 400, 'validation_failed'],
        [{ events: [{ ...good(), extra: 1 }] }, network, 400, 'validation_failed'],
        [{ events: [{ ...good(), id: '' }] }, network, 400, 'validation_failed'],
        [{ events: [good()], more: true }, network, 400, 'validation_failed'],
        [{ events: [good()] }, 'partner', 403, 'forbidden'],
        [{ events: [good()] }, null, 401, 'unauthenticated'],
      ];
      for (const [body, token, status, code] of cases) {
        const response = await t.request('POST', '/v1/usage', { body, token: token === 'partner' ? await t.keyFor('partner') : token });
        assert.equal(response.status, status, JSON.stringify(response.body).slice(0, 300));
        assert.equal(response.body.error.code, code);
      }
      const invalidTime = await post([{ ...good(), at: '2026-13-45T99:99:99Z' }]);
      assert.equal(invalidTime.body.results[0].code, 'validation_failed');
      // Days that do not exist, which Date.parse would roll over into March.
      const noSuchDay = await post([{ ...good(), at: '2026-02-30T00:00:00Z' }, { ...good(), at: '2026-02-31T23:00:00Z' }, { ...good(), at: '2027-02-29T10:00:00Z' }]);
      assert.deepEqual(noSuchDay.body.results.map((r: any) => r.code), ['validation_failed', 'validation_failed', 'validation_failed']);
      // Times from a broken clock, not calls: outside the years 2000–2199 (found by fuzzing: these were charged).
      // The instant's year counts, not the one written: 2000-01-01T00:00:00+05:00 is 1999 in UTC.
      const farAway = await post([{ ...good(), at: '0000-01-01T00:00:00Z' }, { ...good(), at: '9999-12-31T23:59:59Z' }, { ...good(), at: '1999-12-31T23:59:59Z' }, { ...good(), at: '2000-01-01T00:00:00+05:00' }]);
      assert.deepEqual(farAway.body.results.map((r: any) => r.code), ['validation_failed', 'validation_failed', 'validation_failed', 'validation_failed']);
      assert.deepEqual(await counts(), before);
    });

    it('takes 1,000 events in one request', async () => {
      const events = Array.from({ length: 1_000 }, (_, i) => event(`+7701200000${1 + (i % 3)}`, i % 2 ? 'sms' : 'data', 1 + (i % 5)));
      const response = await post(events);
      assert.equal(response.status, 200, JSON.stringify(response.body).slice(0, 300));
      assert.equal(response.body.recorded, 1_000);
      // Sent again (the same statement, its id list padded to 1,024), every event is a duplicate.
      const again = await post(events);
      assert.deepEqual([again.body.recorded, again.body.duplicates], [0, 1_000]);
      await t.verify();
    });
  });
}
