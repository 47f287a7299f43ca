import assert from 'node:assert/strict';
import { subscriberMessage } from './subscriber-messages.ts';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';
import { runJobsOnce } from '../jobs/scheduler.ts';
import { seedCatalog } from '../catalog/seed-catalog.ts';
import { BREAKAGE_ACCOUNT_ID } from '../ledger/accounts.ts';
import { verifyLedger } from '../ledger/verify-ledger.ts';
import { accountBalance, grantTestBucket } from '../usage/test-buckets.ts';
import { checkNumberReusable } from './check-number-reusable.ts';
import { advanceLineLifecycle } from './advance-line-lifecycle.ts';
import { lifecycleJob } from './lifecycle-job.ts';
import { reindexLineValidity } from './catch-up-indexed-validity.ts';
import { findDueLines } from './lifecycle-repository.ts';
import { unitBreakageAccountId } from './forfeit-line-balances.ts';

const DAY_MS = 86_400_000;

for (const dialect of DIALECTS) {
  describe(`line lifecycle [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let keyCount = 0;
    before(async () => { t = await startTestApp(dialect.name); });
    after(async () => t?.close());

    const createLine = async (msisdn: string) => {
      const response = await t.request('POST', '/v1/lines', { body: { msisdn } });
      assert.equal(response.status, 201, JSON.stringify(response.body));
      return response.body.id as string;
    };
    const topUp = (msisdn: string, amount: number) => t.request('POST', '/v1/topups', { body: { msisdn, amount, currency: 'KZT' }, headers: { 'idempotency-key': `lc-${++keyCount}` } });
    const line = async (msisdn: string) => (await t.request('GET', `/v1/lines/${msisdn}`)).body;
    const run = async () => (await runJobsOnce(t.app.ctx, [lifecycleJob]))['line-lifecycle'];
    const events = (lineId: string) => t.app.ctx.db.selectFrom('line_events').selectAll().where('line_id', '=', lineId).orderBy('id').execute();

    it('travels a line through top-ups, grace, reactivation, suspension and termination with breakage', async () => {
      const start = t.clock.now().getTime();
      const at = (day: number) => t.clock.set(new Date(start + day * DAY_MS));
      const msisdn = '+77011000001';
      const lineId = await createLine(msisdn);
      assert.equal((await topUp(msisdn, 100_000)).status, 201);
      const bucketId = await grantTestBucket(t.app.ctx, lineId, 'DATA_BYTES', 1_000_000n, new Date(start + 400 * DAY_MS).toISOString());
      assert.equal(await run(), 0);

      at(29);
      assert.equal(await run(), 0);
      assert.equal((await line(msisdn)).status, 'active');
      at(30);
      assert.equal(await run(), 1);
      assert.equal(await run(), 0, 'a second run at the same instant is a no-op');
      assert.equal((await line(msisdn)).status, 'grace');
      await t.verify();

      at(35);
      const reactivated = await topUp(msisdn, 50_000);
      assert.equal(reactivated.body.line.status, 'active');
      assert.equal(reactivated.body.line.validUntil, new Date(start + 65 * DAY_MS).toISOString());
      assert.equal(await run(), 0);

      at(65);
      assert.equal(await run(), 1);
      assert.equal((await line(msisdn)).status, 'grace');
      at(94);
      assert.equal(await run(), 0);
      at(95);
      assert.equal(await run(), 1);
      assert.equal((await line(msisdn)).status, 'suspended');
      const refused = await t.request('POST', `/v1/lines/${msisdn}/reactivate`, { body: { reason: 'customer asked' } });
      assert.equal(refused.status, 409);
      assert.equal(refused.body.error.code, 'line_validity_expired');
      await t.verify();

      at(154);
      assert.equal(await run(), 0);
      assert.equal((await line(msisdn)).balance.main, 150_000);
      const breakageBefore = await accountBalance(t.app.ctx, BREAKAGE_ACCOUNT_ID);
      at(155);
      assert.equal(await run(), 1);
      assert.equal(await run(), 0);
      const terminated = await line(msisdn);
      assert.equal(terminated.status, 'terminated');
      assert.equal(terminated.balance.main, 0);
      assert.equal(await accountBalance(t.app.ctx, BREAKAGE_ACCOUNT_ID) - breakageBefore, 150_000n);
      assert.equal(await accountBalance(t.app.ctx, bucketId), 0n);
      assert.equal(await accountBalance(t.app.ctx, unitBreakageAccountId('DATA_BYTES')), 1_000_000n);
      const forfeits = await t.app.ctx.db.selectFrom('ledger_transfers').select(['code', 'amount']).where('code', '=', 'forfeit').execute();
      assert.equal(forfeits.length, 2);
      // Every transition is in the line's history, the top-ups' reactivations too.
      assert.deepEqual((await events(lineId)).map((e) => `${e.from_status}>${e.to_status}:${e.reason}`), [
        'preactive>active:topup', 'active>grace:validity_ended', 'grace>active:topup', 'active>grace:validity_ended', 'grace>suspended:grace_ended', 'suspended>terminated:suspension_ended',
      ]);
      const outbox = await t.app.ctx.db.selectFrom('outbox').select('payload').where('topic', '=', 'line.status_changed').execute();
      const mine = outbox.map((o) => JSON.parse(o.payload)).filter((p) => p.lineId === lineId).map((p) => `${p.from}>${p.to}`);
      assert.deepEqual(mine, ['preactive>active', 'active>grace', 'grace>active', 'active>grace', 'grace>suspended', 'suspended>terminated']);
      assert.equal((await topUp(msisdn, 50_000)).body.error.code, 'line_terminated');
      const quarantined = await checkNumberReusable(t.app.ctx, msisdn);
      assert.ok(!quarantined.ok && quarantined.error.code === 'number_quarantined');
      t.clock.advanceDays(181);
      assert.ok((await checkNumberReusable(t.app.ctx, msisdn)).ok);

      // After the quarantine the number goes to a new SIM. The old line keeps its history under its
      // id; top-ups reach the new line, also from this process, which had cached the old line's id.
      const reissuedId = await createLine(msisdn);
      assert.notEqual(reissuedId, lineId);
      const credited = await topUp(msisdn, 50_000);
      assert.equal(credited.status, 201, JSON.stringify(credited.body));
      assert.equal((await line(msisdn)).id, reissuedId);
      assert.equal((await line(msisdn)).balance.main, 50_000);
      const old = await t.app.ctx.db.selectFrom('lines').select(['msisdn', 'status']).where('id', '=', lineId).executeTakeFirstOrThrow();
      assert.deepEqual(old, { msisdn: `${msisdn}#${lineId}`, status: 'terminated' });
      const terminatedLines = await t.request('GET', '/v1/lines?status=terminated&limit=100');
      const oldView = terminatedLines.body.data.find((l: { id: string }) => l.id === lineId);
      assert.equal(oldView.msisdn, msisdn, 'the old line still shows the number it had');
      const again = await t.request('POST', '/v1/lines', { body: { msisdn } });
      assert.equal(again.status, 409);
      assert.equal(again.body.error.code, 'line_exists');
      await t.verify();
      // Take the new line through its own life too, so that the next test starts from settled lines.
      t.clock.advanceDays(400);
      while ((await run())! > 0);
      assert.equal((await line(msisdn)).status, 'terminated');
    });

    it('catches up after downtime: a line 200 days past validity takes each step once, also when two runs race', async () => {
      const lineIds: string[] = [];
      for (const msisdn of ['+77011000002', '+77011000003', '+77011000004']) {
        lineIds.push(await createLine(msisdn));
        assert.equal((await topUp(msisdn, 60_000)).status, 201);
      }
      t.clock.advanceDays(230);
      const [first, second] = await Promise.all([run(), run()]);
      assert.equal(first! + second!, 9, 'three steps for each of three lines, applied once in all');
      assert.equal(await run(), 0);
      // The clock jumping back undoes nothing and redoes nothing.
      t.clock.advanceDays(-150);
      assert.equal(await run(), 0);
      t.clock.advanceDays(150);
      const history = await t.request('GET', '/v1/lines/+77011000002/events');
      assert.equal(history.status, 200);
      // First the top-up that activated the line, then the three steps, each applied late.
      assert.deepEqual(history.body.data.map((e: { to: string; reason: string }) => `${e.to}:${e.reason}`), ['active:topup', 'grace:validity_ended', 'suspended:grace_ended', 'terminated:suspension_ended']);
      assert.ok(history.body.data.slice(1).every((e: { dueAt: string; at: string }) => e.dueAt < e.at), 'applied late, due earlier');
      for (const lineId of lineIds) {
        const steps = await events(lineId);
        assert.deepEqual(steps.map((e) => e.to_status), ['active', 'grace', 'suspended', 'terminated']);
      }
      const forfeited = await t.app.ctx.db.selectFrom('ledger_transfers').select('amount').where('code', '=', 'forfeit')
        .where('debit_account_id', 'in', lineIds.map((id) => `${id}.main`)).execute();
      assert.deepEqual(forfeited.map((f) => Number(f.amount)), [60_000, 60_000, 60_000]);
      await t.verify();
    });

    it('leaves the index entry where it is on a top-up that extends validity, and catches it up when the old validity ends', async () => {
      const start = t.clock.now().getTime();
      const at = (day: number) => t.clock.set(new Date(start + day * DAY_MS));
      const day = (n: number) => new Date(start + n * DAY_MS).toISOString();
      const msisdn = '+77011000010';
      const lineId = await createLine(msisdn);
      const validity = async () => t.app.ctx.db.selectFrom('lines').select(['status', 'valid_until', 'indexed_valid_until']).where('id', '=', lineId).executeTakeFirstOrThrow();
      assert.equal((await topUp(msisdn, 50_000)).status, 201);
      assert.deepEqual(await validity(), { status: 'active', valid_until: day(30), indexed_valid_until: day(30) });
      at(10);
      assert.equal((await topUp(msisdn, 50_000)).status, 201);
      assert.deepEqual(await validity(), { status: 'active', valid_until: day(60), indexed_valid_until: day(30) }, 'the index entry stays');
      at(30);
      assert.equal(await run(), 0, 'found through the old validity, not due');
      assert.deepEqual(await validity(), { status: 'active', valid_until: day(60), indexed_valid_until: day(60) }, 'caught up');
      const due = await findDueLines(t.app.ctx, t.clock.now(), t.app.ctx.settings.lifecycle, 1000);
      assert.ok(!due.some((l) => l.id === lineId), 'not found again');
      // A step planned from a validity that a top-up has since moved is refused; the next run catches the line up.
      at(60);
      const [stale] = (await findDueLines(t.app.ctx, t.clock.now(), t.app.ctx.settings.lifecycle, 1000)).filter((l) => l.id === lineId);
      assert.equal(stale?.valid_until, day(60));
      assert.equal((await topUp(msisdn, 50_000)).status, 201);
      assert.equal(await advanceLineLifecycle(t.app.ctx, stale!, t.clock.now()), 0, 'the step planned before the top-up is refused');
      at(89);
      assert.equal(await run(), 0);
      assert.deepEqual(await validity(), { status: 'active', valid_until: day(90), indexed_valid_until: day(90) });
      at(90);
      assert.equal(await run(), 1);
      assert.deepEqual(await validity(), { status: 'grace', valid_until: day(90), indexed_valid_until: day(90) });
      // A process of a release before 013 wrote validity without the copy (or a copy ahead of it):
      // `tolem ledger verify` reports the line, `tolem lifecycle reindex` mends it.
      for (const copy of [null, day(120)]) {
        await t.app.ctx.db.updateTable('lines').set({ indexed_valid_until: copy }).where('id', '=', lineId).execute();
        const report = await verifyLedger(t.app.store);
        assert.deepEqual(report.problems.map((p) => [p.check, p.subject]), [['lifecycle_index', lineId]]);
        assert.equal(await reindexLineValidity(t.app.ctx), 1);
        assert.deepEqual(await validity(), { status: 'grace', valid_until: day(90), indexed_valid_until: day(90) });
        assert.equal(await reindexLineValidity(t.app.ctx), 0);
      }
      await t.verify();
    });

    it('does not let lagging lines crowd out due ones, and takes a line whose copy lags and whose validity has passed too straight to its step', async () => {
      const start = t.clock.now().getTime();
      const at = (day: number) => t.clock.set(new Date(start + day * DAY_MS));
      const status = async (msisdn: string) => (await line(msisdn)).status;
      const lagging = ['+77011000011', '+77011000012', '+77011000013'];
      for (const msisdn of lagging) {
        await createLine(msisdn);
        assert.equal((await topUp(msisdn, 50_000)).status, 201);
      }
      at(5);
      await createLine('+77011000014');
      assert.equal((await topUp('+77011000014', 50_000)).status, 201);
      at(10);
      for (const msisdn of lagging) assert.equal((await topUp(msisdn, 50_000)).status, 201);
      // Copies: day 30 for the three (validity day 60), day 35 for the fourth (its validity, due at day 35).
      const settings = t.app.ctx.settings.lifecycle;
      const perRunMax = settings.linesPerRunMax;
      settings.linesPerRunMax = 2;
      try {
        at(36);
        await run();
      } finally {
        settings.linesPerRunMax = perRunMax;
      }
      assert.equal(await status('+77011000014'), 'grace', 'found behind the three lagging lines in the same run');
      for (const msisdn of lagging) assert.equal(await status(msisdn), 'active');
      const copies = await t.app.ctx.db.selectFrom('lines').select(['valid_until', 'indexed_valid_until']).where('msisdn', 'in', lagging).execute();
      assert.ok(copies.every((c) => c.indexed_valid_until === c.valid_until), 'and caught up');

      at(40);
      await createLine('+77011000015');
      assert.equal((await topUp('+77011000015', 50_000)).status, 201);
      at(45);
      assert.equal((await topUp('+77011000015', 50_000)).status, 201);
      // Copy day 70, validity day 100, no run in between: at day 101 one run applies the step.
      at(101);
      await run();
      assert.equal(await status('+77011000015'), 'grace');
      await t.verify();
    });

    it('a run that stops at its limit with lines still due says more is due, and the runs that follow at once take the rest', async () => {
      const numbers = ['+77011000021', '+77011000022', '+77011000023'];
      for (const msisdn of numbers) {
        await createLine(msisdn);
        assert.equal((await topUp(msisdn, 50_000)).status, 201);
      }
      const validUntil = (await line(numbers[0]!)).validUntil as string;
      t.clock.set(new Date(Date.parse(validUntil) + DAY_MS));
      const settings = t.app.ctx.settings.lifecycle;
      const perRunMax = settings.linesPerRunMax;
      settings.linesPerRunMax = 2;
      try {
        const moreAfterRun = async () => ((await lifecycleJob.run(t.app.ctx)) as { more: boolean }).more;
        assert.equal(await moreAfterRun(), true);
        const statuses = await Promise.all(numbers.map(async (msisdn) => (await line(msisdn)).status as string));
        assert.ok(statuses.includes('active'), `one left for the next run: ${statuses}`);
        let runs = 1;
        while (await moreAfterRun()) assert.ok(++runs < 10);
        assert.equal(await moreAfterRun(), false, 'caught up');
      } finally {
        settings.linesPerRunMax = perRunMax;
      }
      for (const msisdn of numbers) assert.equal((await line(msisdn)).status, 'grace');
      await t.verify();
    });

    it('lets an admin suspend and reactivate a line with a reason, audited; refuses bad input', async () => {
      const msisdn = '+77011000005';
      const lineId = await createLine(msisdn);
      await topUp(msisdn, 50_000);
      const suspended = await t.request('POST', `/v1/lines/${msisdn}/suspend`, { body: { reason: 'lost SIM' } });
      assert.equal(suspended.status, 200, JSON.stringify(suspended.body));
      assert.deepEqual([suspended.body.from, suspended.body.to], ['active', 'suspended']);
      const again = await t.request('POST', `/v1/lines/${msisdn}/suspend`, { body: { reason: 'lost SIM' } });
      assert.equal(again.body.error.code, 'line_status_invalid');
      const reactivated = await t.request('POST', `/v1/lines/${msisdn}/reactivate`, { body: { reason: 'SIM found' } });
      assert.equal(reactivated.status, 200);
      assert.equal(reactivated.body.to, 'active');
      const audit = await t.app.ctx.db.selectFrom('audit_log').select('action').where('target', '=', lineId).where('action', '<>', 'line.create').orderBy('id').execute();
      assert.deepEqual(audit.map((a) => a.action), ['line.suspend', 'line.reactivate']);
      const eventsBefore = (await events(lineId)).length;
      const clerk = await t.keyFor('clerk');
      const cases: [string, unknown, string | undefined, number, string][] = [
        [msisdn, {}, undefined, 400, 'validation_failed'],
        [msisdn, { reason: '' }, undefined, 400, 'validation_failed'],
        [msisdn, { reason: '   ' }, undefined, 400, 'validation_failed'],
        [msisdn, { reason: 'x', extra: 1 }, undefined, 400, 'validation_failed'],
        ['+77019999999', { reason: 'x' }, undefined, 404, 'line_not_found'],
        ['12345', { reason: 'x' }, undefined, 422, 'msisdn_invalid'],
        [msisdn, { reason: 'x' }, clerk, 403, 'forbidden'],
      ];
      for (const [number, body, token, status, code] of cases) {
        const response = await t.request('POST', `/v1/lines/${number}/suspend`, { body, token });
        assert.equal(response.status, status, JSON.stringify(response.body));
        assert.equal(response.body.error.code, code);
      }
      assert.equal((await events(lineId)).length, eventsBefore);
      assert.equal((await line(msisdn)).status, 'active');
    });

    const lastStatusMessage = async (lineId: string) => {
      const events = await t.app.ctx.db.selectFrom('outbox').select('payload').where('topic', '=', 'line.status_changed').orderBy('id').execute();
      return subscriberMessage('line.status_changed', events.map((e) => JSON.parse(e.payload)).filter((p) => p.lineId === lineId).at(-1));
    };

    it('an admin\'s suspension is a bar: a top-up credits the line but does not lift it, the SMS says to call the operator; reactivation lifts it, even once validity has run out', async () => {
      const msisdn = '+77011000031';
      const lineId = await createLine(msisdn);
      await topUp(msisdn, 50_000);
      const barred = await t.request('POST', `/v1/lines/${msisdn}/suspend`, { body: { reason: 'lost SIM' } });
      assert.equal(barred.status, 200, JSON.stringify(barred.body));
      const event = await t.app.ctx.db.selectFrom('outbox').select('payload').where('topic', '=', 'line.status_changed').orderBy('created_at', 'desc').orderBy('id', 'desc').executeTakeFirstOrThrow();
      assert.match(subscriberMessage('line.status_changed', JSON.parse(event.payload)) ?? '', /suspended by the operator/);
      // Whoever holds the SIM tops it up at a terminal: the money is the line's, the bar stays.
      const paid = await topUp(msisdn, 100_000);
      assert.equal(paid.status, 201, `${paid.status} ${JSON.stringify(paid.body)}`);
      assert.equal(paid.body.line.status, 'suspended');
      assert.equal((await line(msisdn)).status, 'suspended');
      assert.equal((await line(msisdn)).balance.main, 150_000);
      // Lifted by an admin after the validity (and its grace) ran out: still suspended, but a top-up now brings it back.
      const validUntil = (await line(msisdn)).validUntil;
      t.clock.set(new Date(Date.parse(validUntil) + 31 * DAY_MS));
      const lifted = await t.request('POST', `/v1/lines/${msisdn}/reactivate`, { body: { reason: 'SIM found' } });
      assert.equal(lifted.status, 200, JSON.stringify(lifted.body));
      assert.deepEqual([lifted.body.from, lifted.body.to], ['suspended', 'suspended']);
      assert.equal(await lastStatusMessage(lineId), 'The operator has lifted the block on your number. Top up to restore service.');
      const back = await topUp(msisdn, 50_000);
      assert.equal(back.body.line.status, 'active');
      const steps = await t.app.ctx.db.selectFrom('line_events').select(['from_status', 'to_status', 'reason']).where('line_id', '=', lineId).orderBy('created_at').orderBy('id').execute();
      assert.deepEqual(steps.slice(-3).map((e) => `${e.from_status}>${e.to_status}:${e.reason}`), ['active>suspended:suspend: lost SIM', 'suspended>suspended:reactivate: SIM found', 'suspended>active:topup']);
      await t.verify();
    });

    it('bars a line the lifecycle suspended (a SIM lost meanwhile); a bar left from before the latest status change does not hold', async () => {
      const msisdn = '+77011000032';
      const lineId = await createLine(msisdn);
      await topUp(msisdn, 50_000);
      t.clock.set(new Date(Date.parse((await line(msisdn)).validUntil) + 31 * DAY_MS));
      await run();
      assert.equal((await line(msisdn)).status, 'suspended');
      const barred = await t.request('POST', `/v1/lines/${msisdn}/suspend`, { body: { reason: 'lost SIM' } });
      assert.equal(barred.status, 200, JSON.stringify(barred.body));
      assert.deepEqual([barred.body.from, barred.body.to], ['suspended', 'suspended']);
      // Its last SMS said a top-up keeps it; this one says a top-up will not.
      assert.equal(await lastStatusMessage(lineId), 'Your number has been suspended by the operator. Contact customer service to restore it.');
      assert.equal((await topUp(msisdn, 50_000)).body.line.status, 'suspended', 'the top-up does not lift the bar');
      // A bar older than the line's latest status change (left by a process of the release before
      // migration 031, which reactivated without clearing it) does not hold.
      await t.app.ctx.db.updateTable('lines').set({ status: 'suspended', barred_at: '2020-01-01T00:00:00.000Z' }).where('id', '=', lineId).execute();
      assert.equal((await topUp(msisdn, 50_000)).body.line.status, 'active');
      await t.verify();
    });

    it('lets an admin terminate a line at once: balances and buckets to breakage, the number quarantined, final', async () => {
      const msisdn = '+77011000006';
      const lineId = await createLine(msisdn);
      assert.equal((await topUp(msisdn, 120_000)).status, 201);
      const bucketId = await grantTestBucket(t.app.ctx, lineId, 'DATA_BYTES', 500_000n, new Date(t.clock.now().getTime() + 30 * DAY_MS).toISOString());
      const terminate = (number: string, body: unknown, token?: string) => t.request('POST', `/v1/lines/${number}/terminate`, { body, ...(token ? { token } : {}) });
      const refusals: [string, unknown, string | undefined, number, string][] = [
        [msisdn, { reason: '  ' }, undefined, 400, 'validation_failed'],
        [msisdn, { reason: '\u200b\u200d \ufeff' }, undefined, 400, 'validation_failed'],
        [msisdn, {}, undefined, 400, 'validation_failed'],
        ['+77019999998', { reason: 'x' }, undefined, 404, 'line_not_found'],
        [msisdn, { reason: 'x' }, await t.keyFor('clerk'), 403, 'forbidden'],
      ];
      for (const [number, body, token, status, code] of refusals) {
        const response = await terminate(number, body, token);
        assert.equal(response.status, status, JSON.stringify(response.body));
        assert.equal(response.body.error.code, code);
      }
      assert.equal((await line(msisdn)).status, 'active', 'the refusals changed nothing');

      const breakage = await accountBalance(t.app.ctx, BREAKAGE_ACCOUNT_ID);
      const dataBreakage = await accountBalance(t.app.ctx, unitBreakageAccountId('DATA_BYTES'));
      const done = await terminate(msisdn, { reason: 'SIM handed back at departure' });
      assert.equal(done.status, 200, JSON.stringify(done.body));
      assert.deepEqual([done.body.from, done.body.to, done.body.reason], ['active', 'terminated', 'terminate: SIM handed back at departure']);
      assert.deepEqual(done.body.forfeited, { main: 120_000, bonus: 0, creditRepaid: 0, creditWrittenOff: 0, buckets: [{ accountId: bucketId, unit: 'DATA_BYTES', units: 500_000 }] });
      assert.equal(await accountBalance(t.app.ctx, BREAKAGE_ACCOUNT_ID) - breakage, 120_000n);
      assert.equal(await accountBalance(t.app.ctx, unitBreakageAccountId('DATA_BYTES')) - dataBreakage, 500_000n);
      assert.deepEqual([(await line(msisdn)).status, (await line(msisdn)).balance.main], ['terminated', 0]);
      assert.equal((await events(lineId)).at(-1)!.to_status, 'terminated');
      const told = await t.app.ctx.db.selectFrom('outbox').select('payload').where('topic', '=', 'line.status_changed').orderBy('id', 'desc').executeTakeFirstOrThrow();
      assert.deepEqual([JSON.parse(told.payload).lineId, JSON.parse(told.payload).to], [lineId, 'terminated']);
      assert.equal((await t.app.ctx.db.selectFrom('audit_log').select('action').where('target', '=', lineId).where('action', '=', 'line.terminate').execute()).length, 1);

      assert.equal((await terminate(msisdn, { reason: 'again' })).body.error.code, 'line_terminated');
      assert.equal((await topUp(msisdn, 50_000)).body.error.code, 'line_terminated');
      assert.equal((await t.request('POST', `/v1/lines/${msisdn}/reactivate`, { body: { reason: 'x' } })).body.error.code, 'line_terminated');
      assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn } })).body.error.code, 'number_quarantined');
      await t.verify();
    });

    it('does not give a number to a new line while its old line is being terminated (the quarantine read before the line)', async () => {
      const msisdn = '+77011000090';
      const old = await createLine(msisdn);
      assert.equal((await topUp(msisdn, 50_000)).status, 201);
      // A second SIM is registered for the number at the moment its line is terminated: the
      // termination commits between the new line's checks.
      const store = t.app.ctx.store;
      const keyedRows = store.keyedRows;
      let terminating = false;
      store.keyedRows = (async (query: { name: string }, keys: readonly string[]) => {
        if (query.name === 'lines-by-number' && keys.includes(msisdn) && !terminating) {
          terminating = true;
          const terminated = await t.request('POST', `/v1/lines/${msisdn}/terminate`, { body: { reason: 'SIM handed back' } });
          assert.equal(terminated.status, 200, JSON.stringify(terminated.body));
        }
        return keyedRows.call(store, query as never, keys as never);
      }) as typeof store.keyedRows;
      try {
        const created = await t.request('POST', '/v1/lines', { body: { msisdn } });
        assert.ok(terminating);
        assert.deepEqual([created.status, created.body.error?.code], [409, 'number_quarantined'], JSON.stringify(created.body));
      } finally {
        store.keyedRows = keyedRows;
      }
      assert.equal((await line(msisdn)).id, old, 'the number stays with its terminated line, quarantined');
    });

    it('forfeits a package bought while the termination was queued, right after it (the race on the line lock)', async () => {
      await seedCatalog(t.app.ctx);
      const msisdn = '+77011000007';
      const lineId = await createLine(msisdn);
      assert.equal((await topUp(msisdn, 300_000)).status, 201);
      const writer = t.app.ctx.writer;
      const submit = writer.submit.bind(writer);
      type Bought = { status: number; body: { allowances: { bucketId: string; amount: number }[]; error?: { code: string; details: { status?: string } } } } | undefined;
      let bought: Bought;
      // The termination has read the line's buckets (none): a purchase commits before its command runs.
      writer.submit = (async (command: Parameters<typeof submit>[0]) => {
        if (command.name === 'line:terminate' && !bought) bought = await t.request('POST', '/v1/purchases', { body: { msisdn, offering: 'DATA_1GB_7D' }, headers: { 'idempotency-key': `late-${lineId}` } });
        return submit(command);
      }) as typeof writer.submit;
      let dataBreakage = await accountBalance(t.app.ctx, unitBreakageAccountId('DATA_BYTES'));
      const forfeitedAll = async (bucket: { bucketId: string; amount: number }) => {
        assert.equal(await accountBalance(t.app.ctx, bucket.bucketId), 0n);
        assert.equal(await accountBalance(t.app.ctx, unitBreakageAccountId('DATA_BYTES')) - dataBreakage, BigInt(bucket.amount));
      };
      try {
        const done = await t.request('POST', `/v1/lines/${msisdn}/terminate`, { body: { reason: 'race' } });
        assert.equal(done.status, 200, JSON.stringify(done.body));
        assert.equal(bought?.status, 201, JSON.stringify(bought?.body));
        const bucket = bought!.body.allowances[0]!;
        assert.deepEqual(done.body.forfeited.buckets, [{ accountId: bucket.bucketId, unit: 'DATA_BYTES', units: bucket.amount }]);
        await forfeitedAll(bucket);
        await t.verify();

        // The same moment on the lifecycle job's last step: a suspended line buys nothing (a pack
        // would run out unused), so nothing is left to forfeit but its balance.
        const other = '+77011000008';
        const otherId = await createLine(other);
        assert.equal((await topUp(other, 300_000)).status, 201);
        bought = undefined as Bought;
        writer.submit = (async (command: Parameters<typeof submit>[0]) => {
          const ours = typeof command.lock === 'object' && command.lock.lines?.includes(otherId);
          if (command.name === 'lifecycle:terminated' && ours && !bought) bought = await t.request('POST', '/v1/purchases', { body: { msisdn: other, offering: 'DATA_1GB_7D' }, headers: { 'idempotency-key': 'late-job' } });
          return submit(command);
        }) as typeof writer.submit;
        t.clock.set(new Date(t.clock.now().getTime() + 121 * DAY_MS));
        dataBreakage = await accountBalance(t.app.ctx, unitBreakageAccountId('DATA_BYTES'));
        await run();
        assert.equal((await line(other)).status, 'terminated');
        assert.deepEqual([bought?.status, bought?.body.error?.code, bought?.body.error?.details.status], [409, 'line_status_invalid', 'suspended']);
        assert.equal(await accountBalance(t.app.ctx, unitBreakageAccountId('DATA_BYTES')), dataBreakage, 'no pack, no units forfeited');
      } finally {
        writer.submit = submit;
      }
      await t.verify();
    });

    it("refuses an admin's suspension or reactivation of a line past the end of its schedule, before the job has terminated it, as a top-up is refused", async () => {
      const barred = '+77011000061';
      const barredId = await createLine(barred);
      await topUp(barred, 50_000);
      assert.equal((await t.request('POST', `/v1/lines/${barred}/suspend`, { body: { reason: 'lost SIM' } })).status, 200);
      const lapsed = '+77011000062';
      const lapsedId = await createLine(lapsed);
      await topUp(lapsed, 50_000);
      // Both validities ended 91 days ago (30 of grace, 60 suspended): the job, down, has not terminated them yet.
      t.clock.set(new Date(Date.parse((await line(lapsed)).validUntil) + 91 * DAY_MS));
      assert.equal((await topUp(barred, 50_000)).body.error.code, 'line_terminated');
      const statusEvents = async () => (await t.app.ctx.db.selectFrom('outbox').select('id').where('topic', '=', 'line.status_changed').execute()).length;
      const before = [await events(barredId), await events(lapsedId), await statusEvents()];
      const lifted = await t.request('POST', `/v1/lines/${barred}/reactivate`, { body: { reason: 'SIM found' } });
      assert.deepEqual([lifted.status, lifted.body.error?.code], [409, 'line_terminated'], 'no "top up to restore service" to a line no top-up can bring back');
      const suspended = await t.request('POST', `/v1/lines/${lapsed}/suspend`, { body: { reason: 'lost SIM' } });
      assert.deepEqual([suspended.status, suspended.body.error?.code], [409, 'line_terminated']);
      assert.deepEqual([await events(barredId), await events(lapsedId), await statusEvents()], before);
      await run();
      assert.deepEqual([(await line(barred)).status, (await line(lapsed)).status], ['terminated', 'terminated']);
      await t.verify();
    });
  });
}
