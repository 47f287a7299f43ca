import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';
import { loadSettings } from '../config.ts';
import { saveCursor } from '../partners/partners-repository.ts';
import { purgeRetentionJob } from './purge-retention.ts';

const SECOND_MS = 1_000;
const DAY_MS = 86_400_000;
const RECORD_TABLES = ['topups', 'receipts', 'ledger_transfers', 'ledger_accounts', 'payments', 'usage_events', 'idempotency_keys'] as const;

for (const dialect of DIALECTS) {
  describe(`retention purge [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(dialect.name);
      await t.request('POST', '/v1/lines', { body: { msisdn: '+77011234567' } });
      const topUp = await t.request('POST', '/v1/topups', { body: { msisdn: '+77011234567', amount: 100_000, currency: 'KZT' }, headers: { 'idempotency-key': 'kept-record' } });
      assert.equal(topUp.status, 201);
      t.clock.advanceDays(200);
    });
    after(async () => t?.close());

    const at = (offsetMs: number) => new Date(t.clock.now().getTime() + offsetMs).toISOString();
    const db = () => t.app.ctx.db;
    const counts = async () => Object.fromEntries(await Promise.all(RECORD_TABLES.map(async (table) => {
      const { n } = await db().selectFrom(table).select((eb) => eb.fn.countAll<bigint>().as('n')).executeTakeFirstOrThrow();
      return [table, Number(n)];
    })));

    it('deletes only what has served: one second inside a retention stays, records are never touched', async () => {
      const records = await counts();
      const outbox = (id: string, createdAt: string) => ({ id, topic: 'topup.succeeded', payload: '{}', created_at: createdAt, available_at: createdAt, attempts: 0n, processed_at: null, last_error: null });
      await db().insertInto('outbox').values([
        outbox('evt_40d', at(-40 * DAY_MS)), outbox('evt_35d', at(-35 * DAY_MS)),
        outbox('evt_30d_out', at(-30 * DAY_MS - SECOND_MS)), outbox('evt_30d_in', at(-30 * DAY_MS + SECOND_MS)),
      ]).execute();
      const delivery = (id: string, status: string, lastAttemptAt: string) => ({
        id, endpoint_id: 'whe_x', event_id: id, topic: 'topup.succeeded', payload: '{}', status, attempts: 1n, next_attempt_at: lastAttemptAt,
        last_status_code: null, last_error: null, created_at: lastAttemptAt, delivered_at: null,
      });
      await db().insertInto('webhook_deliveries').values([
        delivery('whd_out', 'delivered', at(-30 * DAY_MS - SECOND_MS)), delivery('whd_failed_out', 'failed', at(-30 * DAY_MS - SECOND_MS)),
        delivery('whd_in', 'delivered', at(-30 * DAY_MS + SECOND_MS)), delivery('whd_pending', 'pending', at(-40 * DAY_MS)),
      ]).execute();
      const inbox = (id: string, status: string, processedAt: string | null) => ({
        id, provider: 'sandbox', event_id: id, provider_reference: 'ref', payment_id: null, event_status: 'succeeded', amount: null, currency: null,
        failure_reason: null, status, raw_body: '{}', attempts: 1n, next_attempt_at: at(-100 * DAY_MS), last_error: null, received_at: at(-100 * DAY_MS), processed_at: processedAt,
      });
      await db().insertInto('webhook_inbox').values([
        inbox('whk_processed_out', 'processed', at(-90 * DAY_MS - SECOND_MS)), inbox('whk_ignored_out', 'ignored', at(-90 * DAY_MS - SECOND_MS)),
        inbox('whk_processed_in', 'processed', at(-90 * DAY_MS + SECOND_MS)), inbox('whk_received', 'received', null),
        ...['orphan', 'mismatch', 'late_success', 'failed'].map((status) => inbox(`whk_${status}`, status, at(-100 * DAY_MS))),
      ]).execute();
      const session = (token: string, expiresAt: string) => ({ token_hash: token, user_id: 'usr_x', created_at: at(-20 * DAY_MS), expires_at: expiresAt });
      await db().insertInto('sessions').values([session('expired_out', at(-DAY_MS - SECOND_MS)), session('expired_in', at(-DAY_MS + SECOND_MS)), session('live', at(DAY_MS))]).execute();
      await db().insertInto('rate_limits').values([
        { key: 'window_out', window_started_at: at(-DAY_MS - SECOND_MS), count: 3n }, { key: 'window_in', window_started_at: at(-DAY_MS + SECOND_MS), count: 3n },
      ]).execute();

      const sms = (id: string, status: string, createdAt: string) => ({
        id, event_id: `evt_${id}`, line_id: 'ln_x', msisdn: '+77011234567', topic: 'topup.succeeded', language: 'en', text: 'x', status, segments: 1n,
        attempts: 1n, next_attempt_at: createdAt, lease_until: null, last_error: null, created_at: createdAt, sent_at: null, delivered_at: null,
      });
      await db().insertInto('sms_messages').values([
        sms('sms_delivered_out', 'delivered', at(-90 * DAY_MS - SECOND_MS)), sms('sms_failed_out', 'failed', at(-90 * DAY_MS - SECOND_MS)),
        sms('sms_delivered_in', 'delivered', at(-90 * DAY_MS + SECOND_MS)), sms('sms_queued_old', 'queued', at(-100 * DAY_MS)),
      ]).execute();
      await db().insertInto('sms_segments').values(['sms_delivered_out', 'sms_delivered_in', 'sms_queued_old'].map((id) => ({
        message_id: id, segment: 1n, smsc_message_id: `smsc-${id}`, status: 'delivered', sent_at: at(-100 * DAY_MS), receipt_at: null,
      }))).execute();

      const retained = t.app.ctx.settings.idempotency.retentionHours * 3_600_000;
      const confirmation = (id: string, expiresAt: string) => ({
        id, actor_id: 'usr_x', idempotency_key: id, fingerprint: 'f', source_line_id: 'ln_a', target_line_id: 'ln_b', amount: 100_000n, code_hash: 'h',
        attempts: 0n, status: 'pending', transfer_id: null, expires_at: expiresAt, created_at: expiresAt,
      });
      await db().insertInto('transfer_confirmations').values([confirmation('tc_out', at(-retained - SECOND_MS)), confirmation('tc_in', at(-retained + SECOND_MS))]).execute();

      const ids = async (table: 'outbox' | 'webhook_deliveries' | 'webhook_inbox' | 'sms_messages' | 'transfer_confirmations') => (await db().selectFrom(table).select('id').orderBy('id').execute()).map((r) => r.id);
      const outboxBefore = await ids('outbox');
      assert.ok(outboxBefore.length > 4, 'the top-up\'s events and four');
      await purgeRetentionJob.run(t.app.ctx);
      assert.deepEqual(await ids('outbox'), outboxBefore, 'no reader has a cursor yet: it will read from the beginning, so nothing goes');
      assert.deepEqual(await ids('webhook_deliveries'), ['whd_in', 'whd_pending']);
      assert.deepEqual(await ids('webhook_inbox'), ['whk_failed', 'whk_late_success', 'whk_mismatch', 'whk_orphan', 'whk_processed_in', 'whk_received']);
      assert.deepEqual((await db().selectFrom('sessions').select('token_hash').orderBy('token_hash').execute()).map((r) => r.token_hash), ['expired_in', 'live']);
      assert.deepEqual((await db().selectFrom('rate_limits').select('key').execute()).map((r) => r.key), ['window_in']);
      assert.deepEqual(await ids('sms_messages'), ['sms_delivered_in', 'sms_queued_old'], 'a queued SMS stays, however old');
      assert.deepEqual(await ids('transfer_confirmations'), ['tc_in'], 'a confirmation stays as long as an idempotency answer');
      assert.deepEqual((await db().selectFrom('sms_segments').select('message_id').orderBy('message_id').execute()).map((r) => r.message_id), ['sms_delivered_in', 'sms_queued_old']);

      await saveCursor(t.app.ctx, 'partners', `${at(-37 * DAY_MS)}|`);
      await purgeRetentionJob.run(t.app.ctx);
      assert.deepEqual(await ids('outbox'), ['evt_30d_in', 'evt_30d_out', 'evt_35d'], 'an event the cursor has not passed stays, however old');

      // A reader that reads nothing older than a day (the renewal job's wake reader) holds events
      // a day at most, however far behind its cursor stopped.
      await saveCursor(t.app.ctx, 'partners', `${at(-15 * SECOND_MS)}|`);
      await saveCursor(t.app.ctx, 'packages.renewal_wake', `${at(-40 * DAY_MS)}|`);
      await purgeRetentionJob.run(t.app.ctx);
      assert.deepEqual(await ids('outbox'), ['evt_30d_in']);
      assert.equal(await purgeRetentionJob.run(t.app.ctx), 0, 'a second run finds nothing');
      assert.deepEqual(await counts(), records, 'records are kept');
    });

    it('refuses retentions shorter than their minimum', () => {
      assert.throws(() => loadSettings({ WEBHOOK_INBOX_RETENTION_DAYS: '29' }), /WEBHOOK_INBOX_RETENTION_DAYS/);
      assert.throws(() => loadSettings({ OUTBOX_RETENTION_DAYS: '0' }), /OUTBOX_RETENTION_DAYS/);
      assert.throws(() => loadSettings({ SMS_RETENTION_DAYS: '0' }), /SMS_RETENTION_DAYS/);
      assert.deepEqual(loadSettings({}).retention, { outboxDays: 30, webhookInboxDays: 90, smsDays: 90 });
    });
  });
}
