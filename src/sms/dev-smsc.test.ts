import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connect } from 'node:net';
import smpp, { type Pdu as PackagePdu } from 'smpp';
import { DIALECTS } from '../../test/support/databases.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';
import { runJobsOnce } from '../jobs/scheduler.ts';
import { subscriberMessage } from '../lifecycle/subscriber-messages.ts';
import { startDevSmsc, type DevSmsc, type ReceivedSms } from './dev-smsc.ts';
import { bindTransceiverBody, COMMAND, encodePdu, PduReader, STATUS, type Pdu } from './smpp-pdu.ts';
import { sendSmsJob } from './send-sms-job.ts';
import { textAsSent } from './sms-encoding.ts';
import { loadSmsSettings } from './sms-settings.ts';

describe('development SMSC (tolem smsc) with an independent ESME', () => {
  let smsc: DevSmsc;
  const received: ReceivedSms[] = [];
  before(async () => { smsc = await startDevSmsc({ host: '127.0.0.1', port: 0, systemId: 'tolem', password: 'tolem', onSms: (sms) => received.push(sms), receiptDelayMs: 10 }); });
  after(async () => smsc?.close());

  it('binds, decodes what the smpp package sends, and sends it a receipt; a wrong password is refused', async () => {
    const session = smpp.connect({ url: `smpp://127.0.0.1:${smsc.port}` });
    session.on('error', () => undefined);
    const request = (send: (done: (pdu: PackagePdu) => void) => void) => new Promise<PackagePdu>((resolve) => send(resolve));
    const refused = await request((done) => session.bind_transceiver({ system_id: 'tolem', password: 'wrong' }, done));
    assert.notEqual(refused.command_status, 0);
    const bound = await request((done) => session.bind_transceiver({ system_id: 'tolem', password: 'tolem' }, done));
    assert.equal(bound.command_status, 0);
    const receipt = new Promise<PackagePdu>((resolve) => session.on('deliver_sm', (pdu: PackagePdu) => { session.send(pdu.response()); resolve(pdu); }));
    const submitted = await request((done) => session.submit_sm({ source_addr: 'Tolem', destination_addr: '77011234567', short_message: 'Баланс пополнен на 500 ₸.', registered_delivery: 1 }, done));
    assert.equal(submitted.command_status, 0);
    assert.deepEqual(received.map((sms) => [sms.to, sms.from, sms.text, sms.messageIds]), [['77011234567', 'Tolem', 'Баланс пополнен на 500 ₸.', [submitted.message_id]]]);
    const delivered = await receipt;
    assert.equal(delivered.esm_class & 0x04, 0x04);
    assert.match(String(delivered.short_message.message), new RegExp(`^id:${submitted.message_id} .*stat:DELIVRD`));
    session.close();
  });
});

describe('development SMSC: bind modes, header forms and addresses it cannot answer', () => {
  let smsc: DevSmsc;
  const received: ReceivedSms[] = [];
  before(async () => { smsc = await startDevSmsc({ host: '127.0.0.1', port: 0, systemId: 'tolem', password: 'tolem', onSms: (sms) => received.push(sms), receiptDelayMs: 10 }); });
  after(async () => smsc?.close());

  /** A raw ESME session: send PDUs, read the ones that come back. */
  async function session() {
    const socket = connect(smsc.port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    const reader = new PduReader();
    const inbox: Pdu[] = [];
    socket.on('data', (chunk: Buffer) => inbox.push(...reader.push(chunk)));
    let sequence = 0;
    const next = async (commandId: number) => {
      for (let tries = 0; tries < 100; tries++) {
        const index = inbox.findIndex((pdu) => pdu.commandId === commandId);
        if (index >= 0) return inbox.splice(index, 1)[0]!;
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return null;
    };
    const send = (commandId: number, body: Buffer) => socket.write(encodePdu({ commandId, status: 0, sequence: ++sequence, body }));
    return { socket, send, next, inbox };
  }
  /** A submit_sm body written byte by byte, so that an address may be what submitSmBody would refuse. */
  const submitBody = (source: Buffer, destination: string, esmClass: number, shortMessage: Buffer) => Buffer.concat([
    Buffer.from([0, 5, 0]), source, Buffer.from([1, 1]), Buffer.from(`${destination}\0`, 'latin1'),
    Buffer.from([esmClass, 0, 0, 0, 0, 1, 0, 8, 0, shortMessage.length]), shortMessage,
  ]);

  it('refuses an address it could not answer instead of crashing, joins 16-bit-reference segments, and keeps receipts off a transmitter', async () => {
    const esme = await session();
    esme.send(0x00000002, bindTransceiverBody({ systemId: 'tolem', password: 'tolem', systemType: '' })); // bind_transmitter
    assert.equal((await esme.next(0x80000002))!.status, 0);
    esme.send(COMMAND.submit_sm, submitBody(Buffer.from('Tölem\0', 'latin1'), '77011234567', 0, Buffer.from('hi', 'utf16le').swap16()));
    assert.equal((await esme.next(COMMAND.submit_sm_resp))!.status, STATUS.invalidSourceAddress);
    const text = 'Балансыңыз толықтырылды.';
    const units = Buffer.from(text, 'utf16le').swap16();
    const half = 24;
    for (const [number, part] of [[1, units.subarray(0, half)], [2, units.subarray(half)]] as const) {
      esme.send(COMMAND.submit_sm, submitBody(Buffer.from('Tolem\0'), '77011234568', 0x40, Buffer.concat([Buffer.from([0x06, 0x08, 0x04, 0x12, 0x34, 2, number]), part])));
      assert.equal((await esme.next(COMMAND.submit_sm_resp))!.status, 0);
    }
    assert.deepEqual(received.map((sms) => [sms.to, sms.text, sms.messageIds.length]), [['77011234568', text, 2]]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(esme.inbox.filter((pdu) => pdu.commandId === COMMAND.deliver_sm).length, 0, 'a transmitter takes no receipts');
    esme.socket.destroy();

    const receiver = await session();
    receiver.send(0x00000001, bindTransceiverBody({ systemId: 'tolem', password: 'tolem', systemType: '' })); // bind_receiver
    assert.equal((await receiver.next(0x80000001))!.status, 0);
    receiver.send(COMMAND.submit_sm, submitBody(Buffer.from('Tolem\0'), '77011234567', 0, Buffer.from('x')));
    assert.equal((await receiver.next(COMMAND.submit_sm_resp))!.status, 0x04, 'a receiver may not submit');
    receiver.socket.destroy();
  });
});

for (const dialect of DIALECTS) {
  describe(`development SMSC with Tolem's SMS worker [${dialect.name}]`, { skip: dialect.skip }, () => {
    let smsc: DevSmsc;
    let t: TestApp;
    const received: ReceivedSms[] = [];
    before(async () => {
      smsc = await startDevSmsc({ host: '127.0.0.1', port: 0, systemId: 'tolem', password: 'tolem', onSms: (sms) => received.push(sms), receiptDelayMs: 10 });
      t = await startTestApp(dialect.name, { sms: loadSmsSettings({ SMPP_URL: `smpp://tolem:tolem@127.0.0.1:${smsc.port}` }) });
    });
    after(async () => {
      await t?.close();
      await smsc?.close();
    });

    it('prints each SMS whole, a two-part Kazakh one joined, and its receipts mark it delivered', async () => {
      const kazakh = await t.request('POST', '/v1/lines', { body: { msisdn: '+77014300001', language: 'kk' } });
      assert.equal(kazakh.status, 201);
      // A Kazakh promised-payment text takes two UCS-2 segments (a top-up text fits one).
      const promised = { lineId: kazakh.body.id, msisdn: '+77014300001', amount: 50_000, fee: 5_000, dueAt: '2026-02-18T20:00:00Z', language: 'kk' };
      const now = t.clock.now().toISOString();
      await t.app.ctx.db.insertInto('outbox').values({ id: t.app.ctx.ids.next('evt'), topic: 'credit.granted', payload: JSON.stringify(promised), created_at: now, available_at: now, attempts: 0n, processed_at: null, last_error: null }).execute();
      const msisdn = '+77014300002';
      assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn, language: 'en' } })).status, 201);
      assert.equal((await t.request('POST', '/v1/topups', { body: { msisdn, amount: 100_000, currency: 'KZT' }, headers: { 'idempotency-key': `dev-${msisdn}` } })).status, 201);
      t.clock.advance(20_000);
      assert.equal((await runJobsOnce(t.app.ctx, [sendSmsJob])).sms, 2);
      const [topUpPayload] = (await t.app.ctx.db.selectFrom('outbox').select('payload').where('topic', '=', 'topup.succeeded').execute()).map((row) => JSON.parse(row.payload));
      const expected = [textAsSent(subscriberMessage('credit.granted', promised)!), textAsSent(subscriberMessage('topup.succeeded', topUpPayload)!)];
      // Sent at once, so in either order.
      assert.deepEqual(received.map((sms) => [sms.to, sms.text, sms.messageIds.length]).sort(), [['77014300001', expected[0], 2], ['77014300002', expected[1], 1]]);
      let statuses: string[] = [];
      for (let tries = 0; tries < 100; tries++) {
        statuses = (await t.app.ctx.db.selectFrom('sms_messages').select('status').orderBy('id').execute()).map((row) => row.status);
        if (statuses.every((status) => status === 'delivered')) break;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.deepEqual(statuses, ['delivered', 'delivered']);
    });
  });
}
