import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';
import { startFakeSmsc, type FakeSmsc } from '../../test/fakes/smsc-server.ts';
import { seedCatalog } from '../catalog/seed-catalog.ts';
import { runJobsOnce } from '../jobs/scheduler.ts';
import { remindersJob } from '../reminders/reminders-job.ts';
import { lifecycleJob } from '../lifecycle/lifecycle-job.ts';
import { subscriberMessage } from '../lifecycle/subscriber-messages.ts';
import { cursorOf, saveCursor } from '../partners/partners-repository.ts';
import { sendSmsJob } from './send-sms-job.ts';
import { DATA_CODING, textAsSent } from './sms-encoding.ts';
import { loadSmsSettings } from './sms-settings.ts';
import { loadSettings } from '../config.ts';
import { insertSegment, recordReceipt, recordSent } from './sms-repository.ts';

const SETTLED_MS = 20_000;
const MINUTE_MS = 60_000;

for (const dialect of DIALECTS) {
  describe(`SMS to subscribers over SMPP [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let smsc: FakeSmsc;
    let keys = 0;
    before(async () => {
      smsc = await startFakeSmsc();
      // No quarantine: a closed line's number may go to a new SIM at once (a transfer's SMS read after that).
      t = await startTestApp(dialect.name, { sms: loadSmsSettings({ SMPP_URL: smsc.url, SMS_ATTEMPTS_MAX: '3' }), lifecycle: loadSettings({ LIFECYCLE_QUARANTINE_DAYS: '0' }).lifecycle });
      await seedCatalog(t.app.ctx);
    });
    after(async () => {
      await t?.close();
      await smsc?.close();
    });

    const run = async () => (await runJobsOnce(t.app.ctx, [sendSmsJob])).sms!;
    const settle = () => t.clock.advance(SETTLED_MS);
    const line = async (msisdn: string, language: string) => {
      const created = await t.request('POST', '/v1/lines', { body: { msisdn, language } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      return created.body.id as string;
    };
    const topUp = async (msisdn: string, amount = 100_000) => {
      const done = await t.request('POST', '/v1/topups', { body: { msisdn, amount, currency: 'KZT' }, headers: { 'idempotency-key': `sms-${++keys}` } });
      assert.equal(done.status, 201, JSON.stringify(done.body));
    };
    const lastPayload = async (topic: string, lineId: string) => (await t.app.ctx.db.selectFrom('outbox').select('payload').where('topic', '=', topic).orderBy('id', 'desc').execute())
      .map((row) => JSON.parse(row.payload)).find((payload) => payload.lineId === lineId);
    const messagesOf = (lineId: string) => t.app.ctx.db.selectFrom('sms_messages').selectAll().where('line_id', '=', lineId).orderBy('id').execute();
    const emit = (topic: string, payload: Record<string, unknown>) => {
      const now = t.clock.now().toISOString();
      return t.app.ctx.db.insertInto('outbox').values({ id: t.app.ctx.ids.next('evt'), topic, payload: JSON.stringify(payload), created_at: now, available_at: now, attempts: 0n, processed_at: null, last_error: null }).execute();
    };
    const textsTo = (number: string) => smsc.texts().filter((text) => text.destination === number);
    /** A promised payment told in Kazakh: a text of two UCS-2 segments. */
    const PROMISED = { amount: 50_000, fee: 5_000, dueAt: '2026-02-18T20:00:00Z', language: 'kk' };

    it("sends a top-up's SMS once, in the line's language, bound as a transceiver", async () => {
      const lineId = await line('+77014200001', 'ru');
      await topUp('+77014200001');
      assert.equal(await run(), 0, 'events are read once settled');
      settle();
      assert.equal(await run(), 1);
      assert.deepEqual(smsc.binds, [{ systemId: 'tolem', password: 'secret', systemType: '', interfaceVersion: 0x34 }]);
      const [sm] = smsc.submits;
      assert.deepEqual([sm!.sourceTon, sm!.sourceNpi, sm!.source, sm!.destinationTon, sm!.destinationNpi, sm!.destination, sm!.registeredDelivery, sm!.esmClass], [5, 0, 'Tolem', 1, 1, '77014200001', 1, 0]);
      const expected = subscriberMessage('topup.succeeded', await lastPayload('topup.succeeded', lineId))!;
      assert.match(expected, /^Баланс пополнен на 1\s000\s₸/);
      assert.deepEqual(textsTo('77014200001'), [{ destination: '77014200001', dataCoding: DATA_CODING.ucs2, text: expected }]);
      // Read again (a new run, a run of another process): nothing more.
      t.clock.advance(MINUTE_MS);
      assert.equal(await run(), 0);
      assert.equal(smsc.submits.length, 1);
      const [row] = await messagesOf(lineId);
      assert.deepEqual([row!.status, row!.topic, row!.language, Number(row!.segments), Number(row!.attempts), row!.text], ['sent', 'topup.succeeded', 'ru', 1, 1, expected]);
    });

    it('names the pack whose allowance a usage threshold is about, in the line language', async () => {
      const lineId = await line('+77014200040', 'ru');
      await topUp('+77014200040', 500_000);
      const bought = await t.request('POST', '/v1/purchases', { body: { msisdn: '+77014200040', offering: 'DATA_1GB_7D' }, headers: { 'idempotency-key': `sms-${++keys}` } });
      assert.equal(bought.status, 201, JSON.stringify(bought.body));
      settle();
      await run();
      const usage = await t.request('POST', '/v1/usage', { token: await t.keyFor('network'), body: { events: [{ id: 'sms-threshold-1', msisdn: '+77014200040', service: 'data', units: 900 * 1_048_576, at: t.clock.now().toISOString() }] } });
      assert.equal(usage.status, 200, JSON.stringify(usage.body));
      settle();
      assert.equal(await run(), 1);
      const [threshold] = (await messagesOf(lineId)).filter((row) => row.topic === 'bucket.usage_threshold');
      const name = JSON.parse((await t.app.ctx.db.selectFrom('offerings').select('names').where('code', '=', 'DATA_1GB_7D').executeTakeFirstOrThrow()).names).ru;
      assert.equal(threshold?.text, `Израсходовано 80% интернета из «${name}».`);
    });

    it('names a package in the line language from the catalog, and sends GSM 03.38 where the text fits it', async () => {
      const chinese = await line('+77014200002', 'zh');
      await topUp('+77014200002', 500_000);
      const bought = await t.request('POST', '/v1/purchases', { body: { msisdn: '+77014200002', offering: 'DATA_1GB_7D', autoRenew: false }, headers: { 'idempotency-key': `sms-${++keys}` } });
      assert.equal(bought.status, 201, JSON.stringify(bought.body));
      const english = await line('+77014200003', 'en');
      await topUp('+77014200003');
      settle();
      await run();
      for (const action of ['suspend', 'reactivate']) {
        assert.equal((await t.request('POST', `/v1/lines/+77014200003/${action}`, { body: { reason: 'test' } })).status, 200);
      }
      settle();
      assert.equal(await run(), 2);
      const purchase = subscriberMessage('package.purchased', await lastPayload('package.purchased', chinese), { offeringName: '7天 1 GB 流量包' })!;
      assert.ok(textsTo('77014200002').some((text) => text.text === purchase && text.dataCoding === DATA_CODING.ucs2), JSON.stringify(textsTo('77014200002')));
      assert.deepEqual(textsTo('77014200003').slice(1), [
        { destination: '77014200003', dataCoding: DATA_CODING.gsm, text: 'Your number has been suspended by the operator. Contact customer service to restore it.' },
        { destination: '77014200003', dataCoding: DATA_CODING.gsm, text: 'Your number is active again.' },
      ]);
      assert.deepEqual((await messagesOf(english)).map((row) => row.topic), ['topup.succeeded', 'line.status_changed', 'line.status_changed']);
    });

    it('sends a long text as segments with a concatenation header that join back in order', async () => {
      const lineId = await line('+77014200004', 'kk');
      await emit('package.renewal_failed', { packageId: 'pkg_x', lineId, msisdn: '+77014200004', offering: 'DATA_20GB_30D', reason: 'balance_insufficient', retryUntil: '2026-02-01T10:00:00Z', language: 'kk' });
      settle();
      assert.equal(await run(), 1);
      const expected = subscriberMessage('package.renewal_failed', { offering: 'DATA_20GB_30D', reason: 'balance_insufficient', retryUntil: '2026-02-01T10:00:00Z', language: 'kk' }, { offeringName: '30 күнге 20 ГБ' })!;
      const segments = smsc.submits.filter((sm) => sm.destination === '77014200004');
      assert.ok(segments.length >= 2 && segments.every((sm) => sm.esmClass === 0x40 && sm.dataCoding === DATA_CODING.ucs2), JSON.stringify(segments));
      assert.deepEqual(segments.map((sm) => [sm.concatenation!.total, sm.concatenation!.number]), segments.map((_, index) => [segments.length, index + 1]));
      assert.equal(new Set(segments.map((sm) => sm.concatenation!.reference)).size, 1);
      assert.deepEqual(textsTo('77014200004').map((text) => text.text), [expected]);
      const [row] = await messagesOf(lineId);
      assert.equal(Number(row!.segments), segments.length);
      // Each segment's receipt: delivered once all are.
      const ids = (await t.app.ctx.db.selectFrom('sms_segments').select(['segment', 'smsc_message_id']).where('message_id', '=', row!.id).orderBy('segment').execute()).map((s) => s.smsc_message_id);
      assert.deepEqual(ids, segments.map((sm) => sm.messageId));
      assert.equal(await smsc.sendReceipt(ids[0]!, 'DELIVRD'), 0);
      assert.equal((await messagesOf(lineId))[0]!.status, 'sent', 'one segment of several');
      for (const id of ids.slice(1)) assert.equal(await smsc.sendReceipt(id, 'DELIVRD'), 0);
      const delivered = (await messagesOf(lineId))[0]!;
      assert.deepEqual([delivered.status, delivered.delivered_at], ['delivered', t.clock.now().toISOString()]);
    });

    it('records receipts: delivered, undeliverable (also from optional parameters), and asks again for an id it does not know', async () => {
      const first = await line('+77014200005', 'kk');
      const second = await line('+77014200006', 'kk');
      await emit('credit.granted', { ...PROMISED, lineId: first, msisdn: '+77014200005' });
      await emit('credit.granted', { ...PROMISED, lineId: second, msisdn: '+77014200006' });
      settle();
      assert.equal(await run(), 2);
      // A Kazakh promised-payment text takes two UCS-2 segments: each segment has its receipt.
      const smscIdsOf = async (lineId: string) => (await t.app.ctx.db.selectFrom('sms_segments').select('smsc_message_id').where('message_id', '=', (await messagesOf(lineId))[0]!.id).orderBy('segment').execute()).map((row) => row.smsc_message_id);
      const [firstIds, secondIds] = [await smscIdsOf(first), await smscIdsOf(second)];
      assert.deepEqual([firstIds.length, secondIds.length], [2, 2]);
      assert.equal(await smsc.sendReceipt(firstIds[0]!, 'ENROUTE'), 0);
      assert.equal((await messagesOf(first))[0]!.status, 'sent', 'an intermediate state changes nothing');
      for (const id of firstIds) assert.equal(await smsc.sendReceipt(id, 'DELIVRD'), 0);
      assert.equal(await smsc.sendReceipt(secondIds[1]!, 'UNDELIV', { tlvs: true }), 0);
      assert.deepEqual([(await messagesOf(first))[0]!.status, (await messagesOf(second))[0]!.status], ['delivered', 'undeliverable']);
      assert.equal(await smsc.sendReceipt(secondIds[0]!, 'DELIVRD'), 0);
      assert.equal((await messagesOf(second))[0]!.status, 'undeliverable', 'one segment lost loses the text');
      assert.equal(await smsc.sendReceipt('nobody-knows', 'DELIVRD'), 0x64);
    });

    it('sends each event once when two runs go at once', async () => {
      const numbers = ['+77014200007', '+77014200008', '+77014200009'];
      for (const number of numbers) await emit('credit.granted', { ...PROMISED, lineId: await line(number, 'kk'), msisdn: number });
      settle();
      const before = smsc.submits.length;
      // Each (Kazakh) text takes two segments.
      const [a, b] = await Promise.all([run(), run()]);
      assert.equal(a + b, 3);
      assert.equal(await run(), 0);
      const destinations = numbers.map((n) => n.slice(1));
      assert.deepEqual(smsc.submits.slice(before).map((sm) => `${sm.destination}/${sm.concatenation?.number}`).sort(), destinations.flatMap((d) => [`${d}/1`, `${d}/2`]));
      assert.deepEqual(smsc.texts().filter((text) => destinations.includes(text.destination)).map((text) => text.destination).sort(), destinations);
    });

    it('waits and tries again when the SMSC throttles, without counting it as an attempt', async () => {
      const lineId = await line('+77014200010', 'en');
      await topUp('+77014200010');
      settle();
      const first = smsc.submits.length;
      smsc.answer = (index) => (index < first + 2 ? 0x58 : 0);
      try {
        assert.equal(await run(), 0);
        let [row] = await messagesOf(lineId);
        assert.deepEqual([row!.status, Number(row!.attempts), row!.next_attempt_at], ['queued', 0, new Date(t.clock.now().getTime() + 10_000).toISOString()]);
        assert.match(row!.last_error!, /0x58/);
        assert.equal(await run(), 0, 'not due yet');
        assert.equal(smsc.submits.length, first + 1);
        t.clock.advance(10_000);
        assert.equal(await run(), 0);
        t.clock.advance(10_000);
        assert.equal(await run(), 1);
        [row] = await messagesOf(lineId);
        assert.deepEqual([row!.status, Number(row!.attempts)], ['sent', 1]);
        assert.equal(textsTo('77014200010').length, 1);
      } finally {
        smsc.answer = () => 0;
      }
    });

    /** Lines for `a` and `b`: one SMS queued for `a` (reactivated), `count` for `b` (balance low), all settled. */
    const oneSmsForAManyForB = async (a: string, b: string, count: number) => {
      const lineA = await line(a, 'en');
      const lineB = await line(b, 'en');
      await emit('line.status_changed', { lineId: lineA, msisdn: a, from: 'suspended', to: 'active', language: 'en' });
      for (let i = 0; i < count; i++) await emit('balance.low', { lineId: lineB, msisdn: b, balance: 100 + i, language: 'en' });
      settle();
      return [lineA, lineB] as const;
    };

    it('takes a full message queue (ESME_RMSGQFUL, 0x14) as a throttle: tried again soon, never failed for it, the run stopped', async () => {
      const [a, b] = ['+77014200033', '+77014200034'];
      const [lineA, lineB] = await oneSmsForAManyForB(a, b, 3);
      // The SMSC's queue stays full for 20 minutes: longer than the backoff of SMS_ATTEMPTS_MAX (3) attempts.
      smsc.answer = () => 0x14;
      try {
        const before = smsc.submits.length;
        await run();
        assert.ok(smsc.submits.length - before <= 2, `${smsc.submits.length - before} submits after the queue was full`);
        for (let minute = 0; minute < 20; minute++) {
          t.clock.advance(MINUTE_MS);
          await run();
        }
        for (const row of [...await messagesOf(lineA), ...await messagesOf(lineB)]) {
          assert.deepEqual([row.status, Number(row.attempts)], ['queued', 0], 'not failed, no attempt counted');
          assert.match(row.last_error!, /0x14/);
        }
      } finally {
        smsc.answer = () => 0;
      }
      t.clock.advance(10_000);
      while (await run() > 0) t.clock.advance(10_000);
      assert.equal(textsTo(a.slice(1)).length, 1);
      assert.equal(textsTo(b.slice(1)).length, 3);
      assert.deepEqual((await messagesOf(lineB)).map((row) => row.status), ['sent', 'sent', 'sent']);
    });

    it("stops every number's queue once the SMSC throttles one, giving their messages back untried", async () => {
      const [a, b] = ['+77014200031', '+77014200032'];
      const [lineA, lineB] = await oneSmsForAManyForB(a, b, 5);
      smsc.answer = (_index, destination) => (destination === a.slice(1) ? 0x58 : 0);
      try {
        const before = smsc.submits.length;
        await run();
        const submits = smsc.submits.slice(before);
        const throttledAt = submits.findIndex((submit) => submit.destination === a.slice(1));
        assert.ok(throttledAt >= 0);
        // A submit of B's already on its way when A's answer came goes on; none starts after it.
        const afterThrottle = submits.slice(throttledAt + 1).filter((submit) => submit.destination === b.slice(1)).length;
        assert.ok(afterThrottle <= 1, `B sent ${afterThrottle} after the throttle`);
        const rows = await messagesOf(lineB);
        const queued = rows.filter((row) => row.status === 'queued');
        assert.equal(queued.length + rows.filter((row) => row.status === 'sent').length, 5);
        assert.ok(queued.length >= 5 - (throttledAt + 1 + afterThrottle), 'the rest given back');
        assert.ok(queued.every((row) => Number(row.attempts) === 0 && row.lease_until === null), 'untried, no lease');
      } finally {
        smsc.answer = () => 0;
      }
      t.clock.advance(10_000);
      while (await run() > 0) t.clock.advance(10_000);
      assert.equal(textsTo(b.slice(1)).length, 5, 'each sent once in the end');
      assert.equal(textsTo(a.slice(1)).length, 1);
    });

    it('keeps to its time budget within one number\'s queue on a slow SMSC, giving the rest back for the next run, each sent once', async () => {
      const number = '+77014200019';
      const lineId = await line(number, 'en');
      for (let i = 0; i < 4; i++) await topUp(number, 100_000 + i);
      settle();
      smsc.answer = () => {
        t.clock.advance(2_000); // each submit takes 2 s
        return 0;
      };
      try {
        assert.equal(await run(), 2, 'two messages within the 3 s budget, the other two given back');
        assert.deepEqual((await messagesOf(lineId)).map((m) => [m.status, m.lease_until]), [['sent', null], ['sent', null], ['queued', null], ['queued', null]]);
        assert.equal(await run(), 2);
        assert.equal(await run(), 0);
        assert.equal(textsTo('77014200019').length, 4);
        assert.deepEqual((await messagesOf(lineId)).map((m) => [m.status, Number(m.attempts)]), Array(4).fill(['sent', 1]));
      } finally {
        smsc.answer = () => 0;
      }
    });

    it('holds reminders in the quiet hours until 09:00 Almaty, not a top-up', async () => {
      // 22:30 in Almaty.
      t.clock.set('2026-01-20T17:30:00.000Z');
      const reminded = await line('+77014200011', 'en');
      await line('+77014200012', 'en');
      // An active line whose validity the reminder announces (one that no longer holds at 09:00 is not sent: the test below).
      await topUp('+77014200011');
      settle();
      assert.equal(await run(), 1);
      const validUntil = (await t.request('GET', '/v1/lines/+77014200011')).body.validUntil as string;
      await emit('line.validity_expiring', { lineId: reminded, msisdn: '+77014200011', validUntil, balance: 100_000, language: 'en' });
      await topUp('+77014200012');
      settle();
      assert.equal(await run(), 1);
      assert.equal(textsTo('77014200012').length, 1);
      const reminderOf = async () => (await messagesOf(reminded)).filter((message) => message.topic === 'line.validity_expiring');
      let [reminder] = await reminderOf();
      assert.deepEqual([reminder!.status, reminder!.next_attempt_at], ['queued', '2026-01-21T04:00:00.000Z']);
      t.clock.set('2026-01-21T03:59:00.000Z');
      assert.equal(await run(), 0);
      t.clock.set('2026-01-21T04:00:00.000Z');
      assert.equal(await run(), 1);
      [reminder] = await reminderOf();
      assert.equal(reminder!.status, 'sent');
      // In GSM: the tenge sign as KZT.
      const told = textsTo('77014200011').slice(1);
      assert.deepEqual(told.map((text) => text.text), [textAsSent(subscriberMessage('line.validity_expiring', { validUntil, balance: 100_000, language: 'en' })!)]);
      assert.match(told[0]!.text, /Balance 1,000 KZT\./);
    });

    it('holds until 09:00 Almaty a reminder queued before 22:00 and claimed again after it (given back untried by a slow SMSC)', async () => {
      // 21:59:30 in Almaty: a top-up and the validity reminder, both due before the quiet hours.
      t.clock.set('2026-02-10T16:59:30.000Z');
      const number = '+77014200082';
      const lineId = await line(number, 'en');
      await topUp(number);
      const validUntil = (await t.request('GET', `/v1/lines/${number}`)).body.validUntil as string;
      await emit('line.validity_expiring', { lineId, msisdn: number, validUntil, balance: 100_000, language: 'en' });
      settle();
      // Each submit takes 15 s: the top-up's goes, the reminder is given back untried at 22:00:05.
      smsc.answer = () => {
        t.clock.advance(15_000);
        return 0;
      };
      try {
        assert.equal(await run(), 1);
      } finally {
        smsc.answer = () => 0;
      }
      assert.equal(await run(), 0, 'no reminder at 22:00');
      const [reminder] = (await messagesOf(lineId)).filter((message) => message.topic === 'line.validity_expiring');
      assert.deepEqual([reminder!.status, reminder!.next_attempt_at, Number(reminder!.attempts)], ['queued', '2026-02-11T04:00:00.000Z', 0]);
      t.clock.set('2026-02-11T04:00:00.000Z');
      assert.equal(await run(), 1);
      assert.equal(textsTo(number.slice(1)).filter((text) => /valid until/.test(text.text)).length, 1);
    });

    it('does not send in the morning a reminder held through the night that no longer holds: topped up, or the line closed, meanwhile', async () => {
      // Top-ups at 22:00 Almaty: the validity ends at 22:00 thirty days on, and its reminder is made three days before, at night.
      t.clock.set('2026-03-01T17:00:00.000Z');
      const toppedUp = await line('+77014200071', 'ru');
      const closed = await line('+77014200072', 'en');
      const kept = await line('+77014200073', 'en');
      for (const number of ['+77014200071', '+77014200072', '+77014200073']) await topUp(number);
      t.clock.set('2026-03-28T17:30:00.000Z');
      assert.ok(await runJobsOnce(t.app.ctx, [remindersJob]));
      settle();
      await run();
      for (const lineId of [toppedUp, closed, kept]) {
        const [reminder] = (await messagesOf(lineId)).filter((message) => message.topic === 'line.validity_expiring');
        assert.deepEqual([reminder!.status, reminder!.next_attempt_at], ['queued', '2026-03-29T04:00:00.000Z']);
      }
      // Late that evening one subscriber tops up (the validity moves 30 days on), another line is closed.
      t.clock.set('2026-03-28T18:00:00.000Z');
      await topUp('+77014200071', 200_000);
      assert.equal((await t.request('POST', '/v1/lines/+77014200072/terminate', { body: { reason: 'SIM handed back' } })).status, 200);
      settle();
      await run();
      t.clock.set('2026-03-29T04:00:00.000Z');
      await run();
      const reminders = (number: string) => textsTo(number).filter((text) => /valid until|действует до/i.test(text.text));
      assert.deepEqual(reminders('77014200071'), [], 'no "valid until 30.03, top up" after the top-up that moved it to 28.04');
      assert.deepEqual(reminders('77014200072'), [], 'no "top up to keep it active" to a number closed since');
      assert.equal(reminders('77014200073').length, 1, 'a reminder that still holds goes at 09:00');
      for (const lineId of [toppedUp, closed]) {
        const [reminder] = (await messagesOf(lineId)).filter((message) => message.topic === 'line.validity_expiring');
        assert.equal(reminder!.status, 'canceled');
      }
    });

    it('does not tell in the morning that a pack renews automatically once auto-renewal was turned off in the night', async () => {
      // A 7-day pack bought at 22:00 Almaty: its end, and its reminder a day before, fall at night.
      t.clock.set('2026-04-01T17:00:00.000Z');
      await line('+77014200074', 'en');
      await topUp('+77014200074', 500_000);
      const bought = await t.request('POST', '/v1/purchases', { body: { msisdn: '+77014200074', offering: 'DATA_1GB_7D', autoRenew: true }, headers: { 'idempotency-key': `sms-${++keys}` } });
      assert.equal(bought.status, 201, JSON.stringify(bought.body));
      t.clock.set('2026-04-07T17:30:00.000Z');
      await runJobsOnce(t.app.ctx, [remindersJob]);
      settle();
      await run();
      assert.equal((await t.request('PATCH', `/v1/lines/+77014200074/packages/${bought.body.id}`, { body: { autoRenew: false } })).status, 200);
      t.clock.set('2026-04-08T04:00:00.000Z');
      await run();
      assert.deepEqual(textsTo('77014200074').filter((text) => /renews automatically/.test(text.text)), []);
    });

    /** A transfer's 5-minute code to `msisdn`, tried twice (now and a minute on) while the SMSC is stopped; the SMSC stays stopped. */
    async function codeTriedTwiceWhileSmscIsDown(msisdn: string): Promise<{ lineId: string; expiresAt: string }> {
      const lineId = await line(msisdn, 'en');
      await smsc.stop();
      const expiresAt = new Date(t.clock.now().getTime() + 5 * MINUTE_MS).toISOString();
      await emit('transfer.confirmation_requested', { lineId, msisdn, language: 'en', to: '+77014200076', amount: 100_000, fee: 2_000, code: '493817', expiresAt });
      settle();
      await run();
      t.clock.advance(MINUTE_MS);
      await run();
      return { lineId, expiresAt };
    }

    it("does not send a transfer's code, tried again after the SMSC failed, once the code has expired", async () => {
      const { lineId, expiresAt } = await codeTriedTwiceWhileSmscIsDown('+77014200075');
      const [tried] = await messagesOf(lineId);
      assert.deepEqual([tried!.status, Number(tried!.attempts)], ['queued', 2]);
      await smsc.start();
      // Its next try comes after the code's five minutes.
      t.clock.set(expiresAt);
      t.clock.advance(MINUTE_MS);
      await run();
      assert.deepEqual(textsTo('77014200075'), [], 'no expired code');
      const [row] = await messagesOf(lineId);
      assert.deepEqual([row!.status, row!.last_error], ['canceled', 'the code has expired']);
    });

    it("tells the minutes a transfer's code has left when it is sent, also on a try again after the SMSC failed", async () => {
      const { lineId, expiresAt } = await codeTriedTwiceWhileSmscIsDown('+77014200078');
      await smsc.start();
      // The third try, two minutes after the second: 1 min 40 s of the code's five minutes are left.
      t.clock.advance(2 * MINUTE_MS);
      assert.equal(await run(), 1);
      const sent = textsTo('77014200078').map((text) => text.text);
      assert.deepEqual(sent, ['Code 493817 confirms sending 1,000 KZT (fee 20 KZT) to +77014200076. Valid 2 min. Never share it.'], 'not the "Valid 5 min" of when it was queued');
      const [row] = await messagesOf(lineId);
      assert.deepEqual([row!.status, row!.text], ['sent', 'Code 493817 confirms sending 1,000\u00a0₸ (fee 20\u00a0₸) to +77014200076. Valid 2 min. Never share it.']);
    });

    it('after downtime, a line taken through grace, suspension and termination in one run is told it was closed, not to top up to restore service', async () => {
      t.clock.set('2026-05-01T06:00:00.000Z');
      const lineId = await line('+77014200077', 'en');
      await topUp('+77014200077');
      settle();
      await run();
      // The jobs were down for 200 days: the lifecycle catches up in one run, each step recorded.
      t.clock.set('2026-11-17T06:00:00.000Z');
      await runJobsOnce(t.app.ctx, [lifecycleJob]);
      const steps = (await t.app.ctx.db.selectFrom('line_events').select('to_status').where('line_id', '=', lineId).orderBy('id').execute()).map((e) => e.to_status);
      assert.deepEqual(steps, ['active', 'grace', 'suspended', 'terminated']);
      settle();
      await run();
      const texts = textsTo('77014200077').slice(1).map((text) => text.text);
      assert.deepEqual(texts, ['Your number has been closed and its balance forfeited.'], 'no "top up to restore service" to a line closed in the same run');
    });

    it('tells in the morning the balance of then in a validity reminder held through the night, not the one of when it was made', async () => {
      // A top-up at 22:00 Almaty: the validity ends at 22:00 thirty days on, and its reminder is made three days before, at night.
      t.clock.set('2026-12-01T17:00:00.000Z');
      const lineId = await line('+77014200079', 'en');
      await topUp('+77014200079', 500_000);
      t.clock.set('2026-12-28T17:30:00.000Z');
      assert.ok(await runJobsOnce(t.app.ctx, [remindersJob]));
      settle();
      await run();
      const [queued] = (await messagesOf(lineId)).filter((message) => message.topic === 'line.validity_expiring');
      assert.deepEqual([queued!.status, queued!.next_attempt_at], ['queued', '2026-12-29T04:00:00.000Z']);
      assert.match(queued!.text, /Balance 5,000\u00a0₸\./);
      // In the night a package takes most of the 5,000 ₸ (the validity stays where it was).
      t.clock.set('2026-12-28T19:00:00.000Z');
      const bought = await t.request('POST', '/v1/purchases', { body: { msisdn: '+77014200079', offering: 'DATA_5GB_30D' }, headers: { 'idempotency-key': `sms-${++keys}` } });
      assert.equal(bought.status, 201, JSON.stringify(bought.body));
      const left = (await t.request('GET', '/v1/lines/+77014200079')).body.balance.main as number;
      assert.ok(left < 500_000, String(left));
      t.clock.set('2026-12-29T04:00:00.000Z');
      await run();
      const reminders = textsTo('77014200079').filter((text) => /valid until/.test(text.text)).map((text) => text.text);
      assert.deepEqual(reminders, [textAsSent(subscriberMessage('line.validity_expiring', { validUntil: '2026-12-31T17:00:00.000Z', balance: left, language: 'en' })!)]);
    });

    it('retries with backoff while the SMSC is down, fails after the maximum, and binds again once it is back', async () => {
      const lineId = await line('+77014200013', 'en');
      await smsc.stop();
      await topUp('+77014200013');
      settle();
      const binds = smsc.binds.length;
      assert.equal(await run(), 0);
      const state = async () => {
        const [row] = await messagesOf(lineId);
        return [row!.status, Number(row!.attempts), row!.next_attempt_at];
      };
      const inMinutes = (minutes: number) => new Date(t.clock.now().getTime() + minutes * MINUTE_MS).toISOString();
      assert.deepEqual(await state(), ['queued', 1, inMinutes(1)]);
      assert.match((await messagesOf(lineId))[0]!.last_error!, /ECONNREFUSED/);
      assert.equal(await run(), 0);
      assert.deepEqual(await state(), ['queued', 1, inMinutes(1)], 'not due before its backoff');
      t.clock.advance(MINUTE_MS);
      await run();
      assert.deepEqual(await state(), ['queued', 2, inMinutes(2)]);
      t.clock.advance(2 * MINUTE_MS);
      await run();
      assert.deepEqual((await state()).slice(0, 2), ['failed', 3]);
      t.clock.advance(60 * MINUTE_MS);
      await run();
      assert.deepEqual((await state()).slice(0, 2), ['failed', 3], 'given up');
      await smsc.start();
      await topUp('+77014200013');
      settle();
      assert.equal(await run(), 1);
      assert.equal(smsc.binds.length, binds + 1, 'bound again after the drop');
      assert.equal(textsTo('77014200013').length, 1);
    });

    it('binds again when the SMSC answers a submit ESME_RINVBNDSTS (it no longer holds the bind, the connection still up), and sends', async () => {
      const lineId = await line('+77014200035', 'en');
      await topUp('+77014200035');
      settle();
      assert.equal(await run(), 1, 'bound and sending');
      const binds = smsc.binds.length;
      smsc.forgetBinds();
      await topUp('+77014200035');
      settle();
      assert.equal(await run(), 0);
      let [, row] = await messagesOf(lineId);
      assert.deepEqual([row!.status, Number(row!.attempts)], ['queued', 1]);
      assert.match(row!.last_error!, /0x4\b/);
      t.clock.advance(MINUTE_MS);
      assert.equal(await run(), 1, 'sent on a new bind');
      assert.equal(smsc.binds.length, binds + 1);
      [, row] = await messagesOf(lineId);
      assert.deepEqual([row!.status, Number(row!.attempts)], ['sent', 2]);
      assert.equal(textsTo('77014200035').length, 2);
    });

    it('gives back, untried and uncounted and behind the one on its way, the messages a run had not started when the SMSC dropped the connection', async () => {
      const number = '+77014200036';
      const lineId = await line(number, 'en');
      for (let i = 0; i < 3; i++) await topUp(number, 100_000 + i);
      settle();
      const first = smsc.submits.length;
      // The SMSC restarts while it takes the first submit: that one may or may not have gone.
      smsc.answer = (index) => {
        if (index === first) smsc.drop();
        return 0;
      };
      try {
        assert.equal(await run(), 0);
      } finally {
        smsc.answer = () => 0;
      }
      const rows = await messagesOf(lineId);
      assert.deepEqual([rows[0]!.status, Number(rows[0]!.attempts)], ['queued', 1], 'the one on its way counts an attempt');
      // The number's later ones wait for it, so as not to overtake it on the phone.
      for (const row of rows.slice(1)) assert.deepEqual([row.status, Number(row.attempts), row.lease_until, row.next_attempt_at], ['queued', 0, null, rows[0]!.next_attempt_at], 'never tried');
      const texts = rows.map((row) => textAsSent(row.text));
      assert.equal(await run(), 0);
      t.clock.advance(MINUTE_MS);
      assert.equal(await run(), 3, 'sent on a new bind');
      assert.deepEqual((await messagesOf(lineId)).map((row) => [row.status, Number(row.attempts)]), [['sent', 2], ['sent', 1], ['sent', 1]]);
      assert.deepEqual(textsTo(number.slice(1)).slice(-3).map((text) => text.text), texts, 'in order');
    });

    it('fails at once a message the SMSC refuses for its length or its esm_class (the same text is refused again), and tries others again', async () => {
      const numbers = ['+77014200037', '+77014200038', '+77014200039'];
      const lineIds: string[] = [];
      for (const number of numbers) {
        lineIds.push(await line(number, 'en'));
        await topUp(number);
      }
      settle();
      const statuses: Record<string, number> = { '77014200037': 0x01, '77014200038': 0x43, '77014200039': 0x08 };
      smsc.answer = (_index, destination) => statuses[destination] ?? 0;
      try {
        assert.equal(await run(), 0);
      } finally {
        smsc.answer = () => 0;
      }
      const rows = await Promise.all(lineIds.map(async (lineId) => (await messagesOf(lineId))[0]!));
      assert.deepEqual(rows.map((row) => [row.status, Number(row.attempts)]), [['failed', 1], ['failed', 1], ['queued', 1]], 'a system error is tried again');
    });

    it("lists a line's SMS to staff and its subscriber, newest first with a cursor; others are refused", async () => {
      const lineId = await line('+77014200014', 'en');
      await line('+77014200015', 'en');
      for (let i = 0; i < 3; i++) await topUp('+77014200014');
      settle();
      assert.equal(await run(), 3);
      const rows = (await messagesOf(lineId)).reverse();
      const first = await t.request('GET', '/v1/lines/8 701 420 00 14/messages?limit=2');
      assert.equal(first.status, 200, JSON.stringify(first.body));
      assert.deepEqual(first.body.data.map((m: { id: string }) => m.id), rows.slice(0, 2).map((row) => row.id));
      assert.deepEqual(Object.keys(first.body.data[0]).sort(), ['attempts', 'createdAt', 'deliveredAt', 'id', 'language', 'segments', 'sentAt', 'status', 'text', 'topic']);
      assert.equal(first.body.data[0].status, 'sent');
      assert.equal(first.body.data[0].text, rows[0]!.text);
      const second = await t.request('GET', `/v1/lines/+77014200014/messages?limit=2&cursor=${first.body.nextCursor}`);
      assert.deepEqual([second.body.data.map((m: { id: string }) => m.id), second.body.nextCursor], [[rows[2]!.id], null]);
      // The cursor of one line's list is no cursor of another's.
      const foreign = await t.request('GET', `/v1/lines/+77014200015/messages?cursor=${first.body.nextCursor}`);
      assert.deepEqual([foreign.status, foreign.body.error.code, foreign.body.error.details], [400, 'validation_failed', { field: 'cursor' }]);

      const clerk = await t.keyFor('clerk');
      assert.equal((await t.request('GET', '/v1/lines/+77014200014/messages', { token: clerk })).body.data.length, 3);
      await t.request('POST', '/v1/users', { body: { login: '+77014200014', password: 'correct horse', role: 'subscriber' } });
      const login = await t.request('POST', '/v1/auth/login', { token: null, body: { login: '+77014200014', password: 'correct horse' } });
      const token = login.body.token as string;
      assert.equal((await t.request('GET', '/v1/lines/+77014200014/messages', { token })).body.data.length, 3);
      const others = await t.request('GET', '/v1/lines/+77014200015/messages', { token });
      assert.deepEqual([others.status, others.body.error.code], [404, 'line_not_found']);
      const agent = await t.request('GET', '/v1/lines/+77014200014/messages', { token: await t.keyFor('agent') });
      assert.deepEqual([agent.status, agent.body.error.code], [403, 'forbidden']);
      assert.equal((await t.request('GET', '/v1/lines/+77014200014/messages', { token: null })).status, 401);

      for (const [query, code] of [['cursor=nope', 'validation_failed'], ['limit=0', 'validation_failed'], ['limit=101', 'validation_failed'], ['extra=1', 'validation_failed']]) {
        const refused = await t.request('GET', `/v1/lines/+77014200014/messages?${query}`);
        assert.deepEqual([refused.status, refused.body.error.code], [400, code], query);
      }
      assert.equal((await t.request('GET', '/v1/lines/123/messages')).body.error.code, 'msisdn_invalid');
      assert.equal((await t.request('GET', '/v1/lines/+77019999999/messages')).body.error.code, 'line_not_found');
      const doc = await t.request('GET', '/openapi.json');
      assert.ok(doc.body.paths['/v1/lines/{msisdn}/messages']?.get, 'in the OpenAPI document');
    });

    it('settles a message delivered when its segments\' receipts, or a receipt and the send, are recorded at once', async () => {
      const now = t.clock.now().toISOString();
      const lineId = await line('+77014200030', 'ru');
      const message = (id: string, status: string, segments: bigint) => ({
        id, event_id: `evt_${id}`, line_id: lineId, msisdn: '+77014200030', topic: 'topup.succeeded', language: 'ru', text: 'x', status, segments,
        attempts: status === 'sent' ? 1n : 0n, next_attempt_at: now, lease_until: null, last_error: null, created_at: now, sent_at: status === 'sent' ? now : null, delivered_at: null,
      });
      const segment = (messageId: string, number: bigint, smscId: string) => ({ message_id: messageId, segment: number, smsc_message_id: smscId, status: 'sent', sent_at: now, receipt_at: null });
      const statusOf = async (id: string) => (await t.app.ctx.db.selectFrom('sms_messages').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;
      for (let round = 0; round < 15; round++) {
        // Two segments' receipts handled at once (the SMPP client answers each deliver_sm as it comes).
        const both = `sms_RACE0000000000000000000${String(round).padStart(3, '0')}`;
        await t.app.ctx.db.insertInto('sms_messages').values(message(both, 'sent', 2n)).execute();
        for (const number of [1n, 2n]) await insertSegment(t.app.ctx, segment(both, number, `race-${round}-${number}`));
        await Promise.all([recordReceipt(t.app.ctx, `race-${round}-1`, 'delivered', now), recordReceipt(t.app.ctx, `race-${round}-2`, 'delivered', now)]);
        assert.equal(await statusOf(both), 'delivered', `round ${round}: two receipts at once`);
        // The last segment's receipt while the send itself is being recorded.
        const sending = `sms_SEND0000000000000000000${String(round).padStart(3, '0')}`;
        await t.app.ctx.db.insertInto('sms_messages').values(message(sending, 'queued', 1n)).execute();
        await insertSegment(t.app.ctx, segment(sending, 1n, `send-${round}`));
        await Promise.all([recordSent(t.app.ctx, sending, 1n, now), recordReceipt(t.app.ctx, `send-${round}`, 'delivered', now)]);
        assert.equal(await statusOf(sending), 'delivered', `round ${round}: a receipt against the send`);
      }
    });

    it('does not send, on a try again, a message of a line that has since given its number to a new line: the new owner is not told the old one\'s top-up', async () => {
      const msisdn = '+77014200093';
      const oldLine = await line(msisdn, 'en');
      await smsc.stop();
      try {
        await topUp(msisdn);
        settle();
        assert.equal(await run(), 0);
        assert.deepEqual((await messagesOf(oldLine)).map((row) => row.status), ['queued'], 'to be tried again');
        // Meanwhile the line is closed and (LIFECYCLE_QUARANTINE_DAYS=0) its number goes to a new SIM.
        assert.equal((await t.request('POST', `/v1/lines/${msisdn}/terminate`, { body: { reason: 'SIM handed back' } })).status, 200);
        assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn, language: 'en' } })).status, 201);
      } finally {
        await smsc.start();
      }
      t.clock.advance(MINUTE_MS);
      await run();
      assert.deepEqual(textsTo('77014200093'), [], 'nothing of the old owner\'s to the number');
      assert.deepEqual((await messagesOf(oldLine)).map((row) => row.status), ['canceled']);
    });

    it("tells a transfer's receiver by the line it credited, not by its number: once the number has gone to a new line, its new owner hears nothing", async () => {
      // LIFECYCLE_QUARANTINE_DAYS=0: the number goes to a new SIM the same day, before the SMS job reads the transfer.
      const sender = '+77014200090';
      const receiver = '+77014200091';
      await line(sender, 'en');
      await topUp(sender, 500_000);
      const oldLine = await line(receiver, 'en');
      await topUp(receiver);
      settle();
      await run();
      const textsBefore = textsTo('77014200091').length;
      const sent = await t.request('POST', '/v1/transfers', { body: { from: sender, to: receiver, amount: 100_000 }, headers: { 'idempotency-key': `sms-${++keys}` } });
      assert.equal(sent.status, 201, JSON.stringify(sent.body));
      const kept = await line('+77014200092', 'en');
      assert.equal((await t.request('POST', '/v1/transfers', { body: { from: sender, to: '+77014200092', amount: 100_000 }, headers: { 'idempotency-key': `sms-${++keys}` } })).status, 201);
      assert.equal((await t.request('POST', `/v1/lines/${receiver}/terminate`, { body: { reason: 'SIM handed back' } })).status, 200);
      const newLine = await line(receiver, 'en');
      assert.notEqual(newLine, oldLine);
      settle();
      await run();
      assert.deepEqual((await messagesOf(newLine)).map((row) => row.topic), [], 'nothing of the old owner\'s transfer to the new owner');
      assert.deepEqual((await messagesOf(kept)).map((row) => row.topic), ['transfer.completed'], 'a receiver that keeps its number is told');
      assert.deepEqual(textsTo('77014200091').slice(textsBefore), [], 'no text to the number: the old line gave it up, the new one received nothing');
    });
  });

  describe(`SMS without SMPP_URL [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(dialect.name);
    });
    after(async () => t?.close());

    it('reads and writes nothing, and lets go of a cursor left from when SMS were on', async () => {
      assert.equal(t.app.ctx.settings.sms.smpp, null);
      await saveCursor(t.app.ctx, 'sms', `${t.clock.now().toISOString()}|`);
      await t.request('POST', '/v1/lines', { body: { msisdn: '+77014200020', language: 'en' } });
      const topUp = await t.request('POST', '/v1/topups', { body: { msisdn: '+77014200020', amount: 100_000, currency: 'KZT' }, headers: { 'idempotency-key': 'sms-off' } });
      assert.equal(topUp.status, 201);
      t.clock.advance(SETTLED_MS);
      assert.equal((await runJobsOnce(t.app.ctx, [sendSmsJob])).sms, 0);
      assert.deepEqual(await t.app.ctx.db.selectFrom('sms_messages').select('id').execute(), []);
      assert.equal(await cursorOf(t.app.ctx, 'sms'), null);
    });
  });
}
