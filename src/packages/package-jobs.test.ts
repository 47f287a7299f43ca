import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';
import type { AppContext } from '../app-context.ts';
import { loadSettings } from '../config.ts';
import { ok } from '../domain/result.ts';
import { clearingAccountId, consumptionAccountId, lineMainAccountId } from '../ledger/accounts.ts';
import { autoRenewJob, RENEWAL_LIMITS, renewDue, type RenewalLimits } from './auto-renew-job.ts';
import { expireBuckets } from './expire-buckets-job.ts';
import { expiredPeriodsToClose } from './packages-repository.ts';
import { lifecycleJob } from '../lifecycle/lifecycle-job.ts';
import { runJobsOnce } from '../jobs/scheduler.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** The packages jobs with small limits, each in a database of its own so that nothing else is due. */
for (const dialect of DIALECTS) {
  describe(`packages jobs [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let keySeq = 0;
    before(async () => {
      t = await startTestApp(dialect.name, { topup: { ...loadSettings({}).topup, bonus: { thresholdMin: 0n, percent: 0n, validityDays: 30 } } });
      const offering = await t.request('POST', '/v1/admin/offerings', { body: {
        code: 'DAY_PASS', kind: 'data', price: 60_000, validityDays: 1, allowances: { dataMb: 100 }, autoRenewAllowed: true,
        names: { en: 'Day pass', ru: 'Day pass', kk: 'Day pass', zh: 'Day pass' },
      } });
      assert.equal(offering.status, 201, JSON.stringify(offering.body));
    });
    after(async () => t?.close());

    const newLine = async (msisdn: string, tenge: number) => {
      assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn } })).status, 201);
      if (tenge > 0) await topUp(msisdn, tenge);
      return (await t.app.ctx.db.selectFrom('lines').select('id').where('msisdn', '=', msisdn).executeTakeFirstOrThrow()).id;
    };
    const topUp = async (msisdn: string, tenge: number) => {
      const r = await t.request('POST', '/v1/topups', { body: { msisdn, amount: tenge * 100, currency: 'KZT' }, headers: { 'idempotency-key': `tu-${++keySeq}` } });
      assert.equal(r.status, 201, JSON.stringify(r.body));
    };
    const buy = async (msisdn: string, autoRenew: boolean) => {
      const r = await t.request('POST', '/v1/purchases', { body: { msisdn, offering: 'DAY_PASS', autoRenew }, headers: { 'idempotency-key': `buy-${++keySeq}` } });
      assert.equal(r.status, 201, JSON.stringify(r.body));
      return r.body as { id: string; expiresAt: string; allowances: { bucketId: string }[] };
    };
    const held = async (bucketId: string) => {
      const row = await t.app.ctx.db.selectFrom('ledger_accounts').selectAll().where('id', '=', bucketId).executeTakeFirstOrThrow();
      return Number(row.credits_posted) - Number(row.debits_posted) - Number(row.debits_pending);
    };
    const periodsOf = async (packageId: string) => (await t.app.ctx.db.selectFrom('package_periods').select('id').where('package_id', '=', packageId).execute()).length;
    const moveUnits = (bucketId: string, amount: bigint, pending: boolean) => t.app.ctx.writer.submit({
      name: 'test-usage', lock: { accounts: [bucketId, consumptionAccountId('DATA_BYTES')] },
      execute: (tx) => {
        const moved = tx.transfer({ debitAccountId: bucketId, creditAccountId: consumptionAccountId('DATA_BYTES'), amount, unit: 'DATA_BYTES', code: 'usage', pending });
        return moved.ok ? ok(moved.id) : { ok: false as const, error: { code: moved.code } };
      },
    });
    // Jobs read through ctx.db: on SQLite, readDb is the main thread's connection, which a job's scan would hold up.
    const jobContext = (): AppContext => ({ ...t.app.ctx, store: { ...t.app.ctx.store, readDb: new Proxy({}, { get: () => { throw new Error('a job read through readDb'); } }) as never } });

    it('bucket expiry reads only periods it has not closed, latest end first: a live bucket behind more than a run\'s reads of dead ones is forfeited on the next run, a reserved one once released', async () => {
      await newLine('+77012220001', 4_000);
      const live = await buy('+77012220001', false);
      t.clock.advance(HOUR);
      // Four packs used up before they end: dead when they expire, and read before the live one (they end later).
      const dead = [];
      for (let index = 0; index < 4; index++) dead.push(await buy('+77012220001', false));
      for (const pack of dead) assert.ok((await moveUnits(pack.allowances[0]!.bucketId, 100n * 1024n * 1024n, false)).ok);
      t.clock.advance(2 * DAY);
      // Expiry takes the periods the renewal job has looked at (none of these auto-renews).
      await renewDue(t.app.ctx, RENEWAL_LIMITS);
      const limits = { periodsPerQueryMax: 2, queriesPerRunMax: 2, commandsPerRunMax: 1 };
      const open = async () => (await expiredPeriodsToClose(t.app.ctx, t.clock.now().toISOString(), null, 100)).length;
      assert.equal(await open(), 5);
      assert.deepEqual(await expireBuckets(jobContext(), limits), { handled: 0, more: true }, 'two reads of two dead periods each, then the limit');
      assert.equal(await open(), 1, 'the dead ones are closed and never read again');
      assert.deepEqual(await expireBuckets(jobContext(), limits), { handled: 1, more: false }, 'the last one read: caught up');
      assert.equal(await held(live.allowances[0]!.bucketId), 0);
      assert.equal(await open(), 0);
      assert.equal((await expireBuckets(jobContext(), limits)).handled, 0);
      // Units reserved at expiry stay until the reservation is voided, then a later run forfeits them.
      const reserved = await buy('+77012220001', false);
      const bucketId = reserved.allowances[0]!.bucketId;
      const pending = await moveUnits(bucketId, 1_000n, true);
      assert.ok(pending.ok);
      t.clock.advance(2 * DAY);
      await renewDue(t.app.ctx, RENEWAL_LIMITS);
      assert.equal((await expireBuckets(jobContext(), limits)).handled, 1);
      assert.equal((await expireBuckets(jobContext(), limits)).handled, 0);
      assert.equal(await open(), 1, 'a reservation keeps its period open');
      const voided = await t.app.ctx.writer.submit({
        name: 'test-void', lock: { accounts: [bucketId, consumptionAccountId('DATA_BYTES')], pending: [pending.value.value] },
        execute: (tx) => {
          const released = tx.resolvePending(pending.value.value, 'void', 'usage');
          return released.ok ? ok(0) : { ok: false as const, error: { code: released.code } };
        },
      });
      assert.ok(voided.ok);
      assert.equal(await held(bucketId), 1_000);
      assert.equal((await expireBuckets(jobContext(), limits)).handled, 1);
      assert.equal(await held(bucketId), 0);
      assert.equal(await open(), 0);
      const forfeits = await t.app.ctx.db.selectFrom('ledger_transfers').select('amount').where('code', '=', 'expiry').where('debit_account_id', '=', bucketId).execute();
      assert.deepEqual(forfeits.map((f) => Number(f.amount)), [100 * 1024 * 1024 - 1_000, 1_000]);
    });

    it('a newly due renewal is reached although more lapsed packages wait than a run retries; a top-up revives one within a run or two; the window ends the retries', async () => {
      const limits: RenewalLimits = { periodsPerQueryMax: 100, queriesPerRunMax: 1, packagesPerRunMax: 2, retriesPerRunMax: 2, retiredPerRunMax: 10, inFlightMax: 4 };
      const lapsed = [];
      for (let index = 0; index < 3; index++) {
        await newLine(`+7701222010${index}`, 600);
        lapsed.push(await buy(`+7701222010${index}`, true));
      }
      await newLine('+77012220110', 1_200);
      t.clock.advance(HOUR);
      const due = await buy('+77012220110', true);
      t.clock.set(new Date(new Date(lapsed[0]!.expiresAt).getTime() + 60_000));
      assert.equal((await renewDue(t.app.ctx, limits)).handled, 0);
      assert.equal((await renewDue(t.app.ctx, limits)).handled, 0);
      const waiting = async () => (await t.app.ctx.db.selectFrom('packages').select('id').where('renewal_retry_at', 'is not', null).execute()).map((row) => row.id).sort();
      assert.deepEqual(await waiting(), lapsed.map((pack) => pack.id).sort());
      t.clock.set(new Date(new Date(due.expiresAt).getTime() + 60_000));
      assert.equal((await renewDue(t.app.ctx, limits)).handled, 1, 'the newly due one comes before the three lapsed ones');
      assert.equal(await periodsOf(due.id), 2);
      assert.equal((await t.request('PATCH', `/v1/lines/+77012220110/packages/${due.id}`, { body: { autoRenew: false } })).status, 200);
      // Each lapse is told once, however many runs retry it.
      assert.equal((await renewDue(t.app.ctx, limits)).handled, 0);
      const events = await t.app.ctx.db.selectFrom('outbox').select('payload').where('topic', '=', 'package.renewal_failed').execute();
      for (const pack of lapsed) assert.equal(events.filter((event) => JSON.parse(event.payload).packageId === pack.id).length, 1);
      t.clock.advance(DAY);
      await topUp('+77012220102', 600);
      let renewed = 0;
      for (let run = 0; run < 2; run++) renewed += (await renewDue(t.app.ctx, limits)).handled;
      assert.equal(renewed, 1);
      assert.equal(await periodsOf(lapsed[2]!.id), 2);
      assert.deepEqual(await waiting(), lapsed.slice(0, 2).map((pack) => pack.id).sort());
      const list = await t.request('GET', '/v1/lines/+77012220100/packages');
      assert.equal(list.body.data[0].status, 'awaiting_funds');
      // Seven days after its end a lapsed package leaves the queue without being charged.
      t.clock.set(new Date(new Date(lapsed[0]!.expiresAt).getTime() + 7 * DAY + 60_000));
      (await renewDue(t.app.ctx, limits)).handled;
      assert.deepEqual(await waiting(), [lapsed[2]!.id], 'the revived one lapsed again a day later: its window has days to run');
      assert.equal(await periodsOf(lapsed[0]!.id), 1);
      assert.equal((await t.request('GET', '/v1/lines/+77012220100/packages')).body.data.length, 0);
    });

    it('money reaching a line (a top-up, a transfer received) wakes its lapsed package at the next run, however long the queue ahead of it', async () => {
      const limits: RenewalLimits = { periodsPerQueryMax: 100, queriesPerRunMax: 1, packagesPerRunMax: 10, retriesPerRunMax: 1, retiredPerRunMax: 10, inFlightMax: 4 };
      const numbers = ['+77012220401', '+77012220402', '+77012220403', '+77012220404'];
      const packs = [];
      for (const msisdn of numbers) {
        await newLine(msisdn, 600);
        packs.push(await buy(msisdn, true));
      }
      await newLine('+77012220409', 3_000);
      t.clock.set(new Date(new Date(packs.at(-1)!.expiresAt).getTime() + 60_000));
      assert.deepEqual(await renewDue(t.app.ctx, limits), { handled: 0, more: false }, 'four lapse; the queue is no backlog to work off at once');
      // The last two in the queue: one topped up, one sent money by another line; the queue's one retry a run goes to the first.
      await topUp(numbers[3]!, 600);
      const sent = await t.request('POST', '/v1/transfers', { body: { from: '+77012220409', to: numbers[2], amount: 60_000 }, headers: { 'idempotency-key': 'wake-transfer' } });
      assert.equal(sent.status, 201, JSON.stringify(sent.body));
      t.clock.advance(60_000);
      assert.equal((await renewDue(t.app.ctx, limits)).handled, 2);
      assert.deepEqual([await periodsOf(packs[2]!.id), await periodsOf(packs[3]!.id)], [2, 2]);
      assert.deepEqual([await periodsOf(packs[0]!.id), await periodsOf(packs[1]!.id)], [1, 1]);
      // Read once: the next run wakes nothing again.
      t.clock.advance(60_000);
      assert.equal((await renewDue(t.app.ctx, limits)).handled, 0);
    });

    it('a pack ending while its line is in grace is not renewed (nothing charged, the failure told); the top-up that brings the line back renews it', async () => {
      const limits: RenewalLimits = { periodsPerQueryMax: 100, queriesPerRunMax: 1, packagesPerRunMax: 10, retriesPerRunMax: 10, retiredPerRunMax: 10, inFlightMax: 4 };
      const start = t.clock.now().getTime();
      const lineId = await newLine('+77012220701', 2_000);
      const validUntil = (await t.app.ctx.db.selectFrom('lines').select('valid_until').where('id', '=', lineId).executeTakeFirstOrThrow()).valid_until!;
      // Bought half a day before validity runs out: the pack outlives it by half a day.
      t.clock.set(new Date(new Date(validUntil).getTime() - 12 * HOUR));
      const pack = await buy('+77012220701', true);
      t.clock.set(new Date(new Date(validUntil).getTime() + 60_000));
      await runJobsOnce(t.app.ctx, [lifecycleJob]);
      assert.equal((await t.request('GET', '/v1/lines/+77012220701')).body.status, 'grace');
      t.clock.set(new Date(new Date(pack.expiresAt).getTime() + 60_000));
      await renewDue(t.app.ctx, limits);
      assert.equal(await periodsOf(pack.id), 1, 'not renewed in grace');
      assert.equal((await t.request('GET', '/v1/lines/+77012220701')).body.balance.main, 140_000, 'nothing charged');
      const failed = await t.app.ctx.db.selectFrom('outbox').select('payload').where('topic', '=', 'package.renewal_failed').execute();
      assert.ok(failed.some((e) => JSON.parse(e.payload).packageId === pack.id && JSON.parse(e.payload).reason === 'line_status_invalid'));
      // Buying in grace is refused the same way.
      const bought = await t.request('POST', '/v1/purchases', { body: { msisdn: '+77012220701', offering: 'DAY_PASS' }, headers: { 'idempotency-key': `buy-${++keySeq}` } });
      assert.deepEqual([bought.status, bought.body.error.code, bought.body.error.details.status], [409, 'line_status_invalid', 'grace']);
      await topUp('+77012220701', 500);
      t.clock.advance(60_000);
      await renewDue(t.app.ctx, limits);
      assert.equal(await periodsOf(pack.id), 2, 'renewed once the line is active again');
      assert.ok(t.clock.now().getTime() > start);
    });

    it('the automatic renewal carries unused units over as an early renewal does, and however late the jobs ran (downtime); bucket expiry waits for it; after a lapse nothing carries', async () => {
      const limits: RenewalLimits = { periodsPerQueryMax: 100, queriesPerRunMax: 1, packagesPerRunMax: 10, retriesPerRunMax: 10, retiredPerRunMax: 10, inFlightMax: 4 };
      const expiryLimits = { periodsPerQueryMax: 100, queriesPerRunMax: 10, commandsPerRunMax: 100 };
      const MB = 1_048_576n;
      const latestBucket = async (packageId: string) => (JSON.parse((await t.app.ctx.db.selectFrom('package_periods').select('bucket_ids').where('package_id', '=', packageId).orderBy('period', 'desc').executeTakeFirstOrThrow()).bucket_ids) as string[])[0]!;
      const extending = await t.request('POST', '/v1/admin/offerings', { body: {
        code: 'DAY_EXTEND', kind: 'data', price: 60_000, validityDays: 1, allowances: { dataMb: 100 }, autoRenewAllowed: true, stacks: false,
        names: { en: 'Day pass', ru: 'Day pass', kk: 'Day pass', zh: 'Day pass' },
      } });
      assert.equal(extending.status, 201, JSON.stringify(extending.body));
      const buyExtending = async (msisdn: string) => {
        const r = await t.request('POST', '/v1/purchases', { body: { msisdn, offering: 'DAY_EXTEND', autoRenew: true }, headers: { 'idempotency-key': `buy-${++keySeq}` } });
        assert.equal(r.status, 201, JSON.stringify(r.body));
        return r.body as { id: string; expiresAt: string; allowances: { bucketId: string }[] };
      };
      await newLine('+77012220801', 2_000);
      const onTime = await buyExtending('+77012220801');
      assert.ok((await moveUnits(onTime.allowances[0]!.bucketId, 40n * MB, false)).ok);
      // Just after the end: expiry leaves the ended bucket to the renewal, which carries its 60 MB over.
      t.clock.set(new Date(new Date(onTime.expiresAt).getTime() + 30_000));
      await expireBuckets(jobContext(), expiryLimits);
      assert.equal(await held(onTime.allowances[0]!.bucketId), Number(60n * MB), 'not forfeited within the grace');
      await renewDue(t.app.ctx, limits);
      assert.equal(await periodsOf(onTime.id), 2);
      assert.equal(await held(await latestBucket(onTime.id)), Number(160n * MB), '100 MB new and 60 MB carried over');
      assert.equal(await held(onTime.allowances[0]!.bucketId), 0);

      // Another line's renewal comes two hours late (the jobs were down): expiry waits until the
      // renewal job has looked, and the first attempt carries the 60 MB over however late; its
      // period starts now, so no paid day is lost to the delay.
      await newLine('+77012220802', 2_000);
      const late = await buyExtending('+77012220802');
      assert.ok((await moveUnits(late.allowances[0]!.bucketId, 40n * MB, false)).ok);
      const lateAt = new Date(new Date(late.expiresAt).getTime() + 2 * HOUR);
      t.clock.set(lateAt);
      await expireBuckets(jobContext(), expiryLimits);
      assert.equal(await held(late.allowances[0]!.bucketId), Number(60n * MB), 'not forfeited before the renewal job has looked');
      await renewDue(t.app.ctx, limits);
      assert.equal(await periodsOf(late.id), 2);
      assert.equal(await held(await latestBucket(late.id)), Number(160n * MB), 'a late first attempt carries the units over');
      const latePeriod = await t.app.ctx.db.selectFrom('package_periods').select(['starts_at', 'expires_at']).where('package_id', '=', late.id).orderBy('period', 'desc').executeTakeFirstOrThrow();
      assert.equal(latePeriod.starts_at, lateAt.toISOString(), 'the period starts when it is paid for, not at the old end');
      await expireBuckets(jobContext(), expiryLimits);
      assert.equal(await held(late.allowances[0]!.bucketId), 0);
      assert.equal((await t.app.ctx.db.selectFrom('ledger_transfers').select('id').where('debit_account_id', '=', late.allowances[0]!.bucketId).where('code', '=', 'expiry').execute()).length, 0, 'nothing forfeited');

      // A third line has no money at its end: the renewal fails (told once), expiry forfeits after
      // the grace, to breakage; the top-up days later renews from then on, carrying nothing.
      await newLine('+77012220803', 600);
      const lapsed = await buyExtending('+77012220803');
      assert.ok((await moveUnits(lapsed.allowances[0]!.bucketId, 40n * MB, false)).ok);
      t.clock.set(new Date(new Date(lapsed.expiresAt).getTime() + 30_000));
      await renewDue(t.app.ctx, limits);
      assert.equal(await periodsOf(lapsed.id), 1, 'no money: not renewed');
      // Still held an hour after the grace, for a late event from before the end (USAGE_LATE_EVENT_HOURS, 24).
      t.clock.set(new Date(new Date(lapsed.expiresAt).getTime() + 2 * HOUR));
      await expireBuckets(jobContext(), expiryLimits);
      assert.equal(await held(lapsed.allowances[0]!.bucketId), Number(60n * MB), 'kept for late events');
      t.clock.set(new Date(new Date(lapsed.expiresAt).getTime() + 24 * HOUR));
      await expireBuckets(jobContext(), expiryLimits);
      assert.equal(await held(lapsed.allowances[0]!.bucketId), 0, 'forfeited after the grace');
      const forfeited = await t.app.ctx.db.selectFrom('ledger_transfers').select(['credit_account_id', 'amount']).where('debit_account_id', '=', lapsed.allowances[0]!.bucketId).where('code', '=', 'expiry').execute();
      assert.deepEqual(forfeited.map((row) => [row.credit_account_id, Number(row.amount)]), [['breakage:DATA_BYTES', Number(60n * MB)]], 'unused allowance is breakage, not consumption');
      t.clock.set(new Date(new Date(lapsed.expiresAt).getTime() + 3 * 24 * HOUR));
      await topUp('+77012220803', 1_000);
      await renewDue(t.app.ctx, { ...limits, retriesPerRunMax: 10 });
      assert.equal(await periodsOf(lapsed.id), 2, 'renewed after the top-up');
      assert.equal(await held(await latestBucket(lapsed.id)), Number(100n * MB), 'a renewal after a lapse carries nothing');
      await t.verify();
    });

    it('a run that reaches its limit of packages says more is due; the next takes the rest', async () => {
      const limits: RenewalLimits = { periodsPerQueryMax: 100, queriesPerRunMax: 10, packagesPerRunMax: 2, retriesPerRunMax: 10, retiredPerRunMax: 10, inFlightMax: 4 };
      const packs = [];
      for (const msisdn of ['+77012220501', '+77012220502', '+77012220503']) {
        await newLine(msisdn, 1_200);
        packs.push(await buy(msisdn, true));
      }
      t.clock.set(new Date(new Date(packs.at(-1)!.expiresAt).getTime() + 60_000));
      // Earlier tests' lapsed packages may be due too: the first run takes two of all that are due and says more are.
      assert.equal((await renewDue(t.app.ctx, limits)).more, true);
      let runs = 1;
      while ((await renewDue(t.app.ctx, limits)).more) assert.ok(++runs < 10);
      for (const pack of packs) assert.equal(await periodsOf(pack.id), 2);
      assert.equal((await renewDue(t.app.ctx, limits)).more, false, 'caught up');
    });

    it('the job runs every 10 seconds but goes round the lapsed packages once a minute: money that came some other way renews at the next round', async () => {
      assert.equal(autoRenewJob.intervalMs, 10_000);
      const lineId = await newLine('+77012220601', 600);
      const pack = await buy('+77012220601', true);
      t.clock.set(new Date(new Date(pack.expiresAt).getTime() + 60_000));
      const ctx = { ...t.app.ctx };
      await autoRenewJob.run(ctx);
      assert.equal(await periodsOf(pack.id), 1, 'lapsed: no money');
      // Money with no event a reader wakes on (a ledger adjustment): only the round of the queue finds it.
      const credited = await t.app.ctx.writer.submit({
        name: 'test-adjustment', lock: { accounts: [clearingAccountId('api'), lineMainAccountId(lineId)] },
        execute: (tx) => {
          const moved = tx.transfer({ debitAccountId: clearingAccountId('api'), creditAccountId: lineMainAccountId(lineId), amount: 60_000n, unit: 'KZT', code: 'topup' });
          return moved.ok ? ok(moved.id) : { ok: false as const, error: { code: moved.code } };
        },
      });
      assert.ok(credited.ok);
      t.clock.advance(10_000);
      await autoRenewJob.run(ctx);
      assert.equal(await periodsOf(pack.id), 1, 'ten seconds later: not its round');
      t.clock.advance(50_000);
      await autoRenewJob.run(ctx);
      assert.equal(await periodsOf(pack.id), 2, 'a minute after the last round');
    });

    it('auto-renewal turned on after the job has examined a lapsed end renews within the window; periods before the window leave the queue a bounded number a run', async () => {
      const limits: RenewalLimits = { periodsPerQueryMax: 100, queriesPerRunMax: 1, packagesPerRunMax: 10, retriesPerRunMax: 10, retiredPerRunMax: 2, inFlightMax: 4 };
      await newLine('+77012220201', 1_500);
      const pack = await buy('+77012220201', false);
      t.clock.set(new Date(new Date(pack.expiresAt).getTime() + 60_000));
      (await renewDue(t.app.ctx, limits)).handled;
      assert.equal(await periodsOf(pack.id), 1);
      const patched = await t.request('PATCH', `/v1/lines/+77012220201/packages/${pack.id}`, { body: { autoRenew: true } });
      assert.equal(patched.status, 200, JSON.stringify(patched.body));
      assert.equal((await renewDue(t.app.ctx, limits)).handled, 1);
      assert.equal(await periodsOf(pack.id), 2);
      // Periods written before migration 017 were never examined: those past the window are marked without a look.
      await t.app.ctx.db.updateTable('package_periods').set({ renewal_examined_at: null }).execute();
      const unexamined = async () => (await t.app.ctx.db.selectFrom('package_periods').select('id').where('renewal_examined_at', 'is', null)
        .where('expires_at', '<=', new Date(t.clock.now().getTime() - 7 * DAY).toISOString()).execute()).length;
      t.clock.advanceDays(30);
      const before = await unexamined();
      assert.ok(before > 2, String(before));
      (await renewDue(t.app.ctx, limits)).handled;
      assert.equal(await unexamined(), before - 2);
    });

    it('a pack whose offering went off sale is not listed as awaiting funds: no top-up renews it', async () => {
      const created = await t.request('POST', '/v1/admin/offerings', { body: {
        code: 'GONE_PASS', kind: 'data', price: 50_000, validityDays: 1, allowances: { dataMb: 100 }, autoRenewAllowed: true,
        names: { en: 'Gone pass', ru: 'Gone pass', kk: 'Gone pass', zh: 'Gone pass' },
      } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      await newLine('+77012229901', 2_000);
      const bought = await t.request('POST', '/v1/purchases', { body: { msisdn: '+77012229901', offering: 'GONE_PASS', autoRenew: true }, headers: { 'idempotency-key': `buy-${++keySeq}` } });
      assert.equal(bought.status, 201, JSON.stringify(bought.body));
      // Taken off sale before the pack's end: its renewal is refused.
      assert.equal((await t.request('PATCH', '/v1/admin/offerings/GONE_PASS', { body: { availableUntil: new Date(t.clock.now().getTime() + HOUR).toISOString() } })).status, 200);
      t.clock.set(new Date(Date.parse(bought.body.expiresAt) + 5_000));
      await renewDue(t.app.ctx, RENEWAL_LIMITS);
      const failed = (await t.app.ctx.db.selectFrom('outbox').select('payload').where('topic', '=', 'package.renewal_failed').execute()).map((e) => JSON.parse(e.payload)).filter((e) => e.packageId === bought.body.id);
      assert.deepEqual(failed.map((e) => e.reason), ['offering_unavailable']);
      const all = await t.request('GET', '/v1/lines/+77012229901/packages?include=all');
      assert.deepEqual(all.body.data.map((p: { id: string; status: string }) => [p.id, p.status]), [[bought.body.id, 'expired']]);
      assert.deepEqual((await t.request('GET', '/v1/lines/+77012229901/packages')).body.data, []);
    });

    it('a line\'s packages list what is live or ended within 90 days, with the live buckets only', async () => {
      await newLine('+77012220301', 3_000);
      const old = await buy('+77012220301', false);
      t.clock.advanceDays(100);
      // Topped up: a line whose validity ended is in grace and buys nothing.
      await topUp('+77012220301', 1_000);
      const recent = await buy('+77012220301', false);
      t.clock.advanceDays(2);
      const current = await buy('+77012220301', false);
      const all = await t.request('GET', '/v1/lines/+77012220301/packages?include=all');
      assert.deepEqual(all.body.data.map((p: { id: string; status: string }) => [p.id, p.status]), [[current.id, 'active'], [recent.id, 'expired']]);
      assert.deepEqual(all.body.data[0].allowances[0].buckets.map((b: { id: string }) => b.id), [current.allowances[0]!.bucketId]);
      assert.deepEqual(all.body.data[1].allowances, []);
      const active = await t.request('GET', '/v1/lines/+77012220301/packages');
      assert.deepEqual(active.body.data.map((p: { id: string }) => p.id), [current.id]);
      assert.ok(!all.body.data.some((p: { id: string }) => p.id === old.id));
    });
  });
}
