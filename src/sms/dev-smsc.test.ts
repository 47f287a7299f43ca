import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import smpp, { type Pdu } from 'smpp';
import { DIALECTS } from '../../test/support/databases.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';
import { runJobsOnce } from '../jobs/scheduler.ts';
import { subscriberMessage } from '../lifecycle/subscriber-messages.ts';
import { startDevSmsc, type DevSmsc, type ReceivedSms } from './dev-smsc.ts';
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
    const request = (send: (done: (pdu: Pdu) => void) => void) => new Promise<Pdu>((resolve) => send(resolve));
    const refused = await request((done) => session.bind_transceiver({ system_id: 'tolem', password: 'wrong' }, done));
    assert.notEqual(refused.command_status, 0);
    const bound = await request((done) => session.bind_transceiver({ system_id: 'tolem', password: 'tolem' }, done));
    assert.equal(bound.command_status, 0);
    const receipt = new Promise<Pdu>((resolve) => session.on('deliver_sm', (pdu: Pdu) => { session.send(pdu.response()); resolve(pdu); }));
    const submitted = await request((done) => session.submit_sm({ source_addr: 'Tolem', destination_addr: '77011234567', short_message: 'Баланс пополнен на 500 ₸.', registered_delivery: 1 }, done));
    assert.equal(submitted.command_status, 0);
    assert.deepEqual(received.map((sms) => [sms.to, sms.from, sms.text, sms.messageIds]), [['77011234567', 'Tolem', 'Баланс пополнен на 500 ₸.', [submitted.message_id]]]);
    const delivered = await receipt;
    assert.equal(delivered.esm_class & 0x04, 0x04);
    assert.match(String(delivered.short_message.message), new RegExp(`^id:${submitted.message_id} .*stat:DELIVRD`));
    session.close();
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
      for (const [msisdn, language] of [['+77014300001', 'kk'], ['+77014300002', 'en']] as const) {
        assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn, language } })).status, 201);
        assert.equal((await t.request('POST', '/v1/topups', { body: { msisdn, amount: 100_000, currency: 'KZT' }, headers: { 'idempotency-key': `dev-${msisdn}` } })).status, 201);
      }
      t.clock.advance(20_000);
      assert.equal((await runJobsOnce(t.app.ctx, [sendSmsJob])).sms, 2);
      const payloads = (await t.app.ctx.db.selectFrom('outbox').select('payload').where('topic', '=', 'topup.succeeded').orderBy('id').execute()).map((row) => JSON.parse(row.payload));
      const expected = payloads.map((payload) => textAsSent(subscriberMessage('topup.succeeded', payload)!));
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
