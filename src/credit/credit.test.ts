import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';
import { loadSettings } from '../config.ts';
import { seedCatalog } from '../catalog/seed-catalog.ts';
import { runJobsOnce } from '../jobs/scheduler.ts';
import { lifecycleJob } from '../lifecycle/lifecycle-job.ts';
import { accountBalance } from '../usage/test-buckets.ts';
import { lineCreditAccountId } from './credit-accounts.ts';
import { CREDIT_CHECK_INTERVAL_MIN_MS, creditJob } from './credit-job.ts';
import { listCreditsOf } from './credit-repository.ts';

const DAY_MS = 86_400_000;

for (const dialect of DIALECTS) {
  describe(`promised payment [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let keyCount = 0;
    let start = 0;
    const ids = new Map<string, string>();
    const numbers = ['+77013000001', '+77013000002', '+77013000003'];
    before(async () => {
      t = await startTestApp(dialect.name);
      start = t.clock.now().getTime();
      for (const msisdn of numbers) ids.set(msisdn, (await t.request('POST', '/v1/lines', { body: { msisdn } })).body.id);
      for (const day of [0, 25]) {
        t.clock.set(new Date(start + day * DAY_MS));
        for (const msisdn of numbers) assert.equal((await topUp(msisdn, 50_000)).status, 201);
      }
    });
    after(async () => t?.close());

    const topUp = (msisdn: string, amount: number) => t.request('POST', '/v1/topups', { body: { msisdn, amount, currency: 'KZT' }, headers: { 'idempotency-key': `cr-${++keyCount}` } });
    const take = (msisdn: string, body: unknown, key = `pp-${++keyCount}`, token?: string) => t.request('POST', `/v1/lines/${msisdn}/promised-payment`, { body, token, headers: { 'idempotency-key': key } });
    const main = async (msisdn: string) => (await t.request('GET', `/v1/lines/${msisdn}`)).body.balance.main as number;
    const owed = (msisdn: string) => accountBalance(t.app.ctx, lineCreditAccountId(ids.get(msisdn)!)).then((b) => Number(-b));
    const collect = async () => (await runJobsOnce(t.app.ctx, [creditJob]))['promised-payment-collection'];

    it('needs tenure and a recent top-up, offers only the configured amounts, and refuses bad input', async () => {
      t.clock.set(new Date(start + 20 * DAY_MS));
      const young = await take(numbers[0]!, { amount: 50_000 });
      assert.equal(young.status, 422);
      assert.deepEqual([young.body.error.code, young.body.error.details.reason], ['credit_not_eligible', 'tenure']);
      const offer = async () => (await t.request('GET', `/v1/lines/${numbers[0]}/promised-payment`)).body.offer;
      assert.deepEqual(await offer(), {
        available: false, refusal: { reason: 'tenure', tenureDaysMin: 30 }, termDays: 3,
        amounts: [{ amount: 50_000, fee: 5_000, owed: 55_000 }, { amount: 100_000, fee: 10_000, owed: 110_000 }],
      }, 'the offer says what taking one would answer, before anything is asked');
      t.clock.set(new Date(start + 31 * DAY_MS));
      assert.deepEqual([(await offer()).available, (await offer()).refusal], [true, null]);
      const cases: [unknown, number, string][] = [
        [{ amount: 12_345 }, 422, 'amount_invalid'], [{ amount: 0 }, 422, 'amount_invalid'], [{ amount: -50_000 }, 422, 'amount_invalid'],
        [{ amount: '50000' }, 400, 'validation_failed'], [{}, 400, 'validation_failed'], [{ amount: 50_000, fee: 0 }, 400, 'validation_failed'],
      ];
      for (const [body, status, code] of cases) {
        const response = await take(numbers[0]!, body);
        assert.equal(response.status, status, JSON.stringify(response.body));
        assert.equal(response.body.error.code, code);
      }
      const noKey = await t.request('POST', `/v1/lines/${numbers[0]}/promised-payment`, { body: { amount: 50_000 } });
      assert.equal(noKey.body.error.code, 'idempotency_key_missing');
      const agent = await take(numbers[0]!, { amount: 50_000 }, 'agent-key', await t.keyFor('agent'));
      assert.equal(agent.body.error.code, 'forbidden');
      assert.equal((await take('+77019999999', { amount: 50_000 })).body.error.code, 'line_not_found');
      assert.equal((await t.app.ctx.db.selectFrom('credits').select('id').execute()).length, 0);
      t.clock.set(new Date(start + 56 * DAY_MS));
      const stale = await take(numbers[0]!, { amount: 50_000 });
      assert.equal(stale.body.error.details.reason, 'no_recent_topup');
      assert.deepEqual((await offer()).refusal, { reason: 'no_recent_topup', recentTopupDays: 30 });
      t.clock.set(new Date(start + 31 * DAY_MS));
    });

    it('grants one credit at a time with its fee, replays a retried request, and is repaid from the next top-up', async () => {
      const [msisdn] = numbers as [string];
      const before = await main(msisdn);
      const granted = await take(msisdn, { amount: 50_000 }, 'grant-1');
      assert.equal(granted.status, 201, JSON.stringify(granted.body));
      assert.deepEqual([granted.body.amount, granted.body.fee, granted.body.owed], [50_000, 5_000, 55_000]);
      assert.equal(granted.body.dueAt, new Date(start + 34 * DAY_MS).toISOString());
      assert.equal(await main(msisdn), before + 50_000);
      const replay = await take(msisdn, { amount: 50_000 }, 'grant-1');
      assert.equal(replay.body.id, granted.body.id);
      assert.equal(replay.headers['idempotent-replayed'], 'true');
      assert.equal((await take(msisdn, { amount: 50_000 })).body.error.code, 'credit_open');
      const view = (await t.request('GET', `/v1/lines/${msisdn}/promised-payment`)).body;
      assert.deepEqual([view.owed, view.offer.available, view.offer.refusal], [55_000, false, { reason: 'credit_open' }]);
      assert.equal(await owed(msisdn), 55_000);
      assert.equal(await collect(), 0, 'nothing to collect before a top-up or the term end');
      t.clock.advance(3_600_000);
      // The top-up repays the credit in its own commit; the job then only closes the record.
      await topUp(msisdn, 50_000);
      assert.equal(await owed(msisdn), 0);
      assert.equal(await collect(), 0);
      assert.equal(await main(msisdn), before + 50_000 + 50_000 - 55_000);
      assert.deepEqual((await listCreditsOf(t.app.ctx, ids.get(msisdn)!)).map((c) => c.status), ['closed']);
      const racing = await Promise.all(Array.from({ length: 5 }, () => take(msisdn, { amount: 100_000 })));
      assert.deepEqual(racing.map((r) => r.status).sort(), [201, 409, 409, 409, 409], 'a new credit once the last is repaid, one at a time');
      await t.verify();
    });

    it('collects what it can at the term end, keeps the rest as debt and collects it from a later top-up', async () => {
      const msisdn = numbers[1]!;
      // Empty the balance first, so that the term end finds only the credit itself.
      const spent = await main(msisdn);
      await t.request('POST', '/v1/transfers', { body: { from: msisdn, to: numbers[2], amount: spent - 2_000 }, headers: { 'idempotency-key': 'empty-1' } });
      assert.equal(await main(msisdn), 0);
      assert.equal((await take(msisdn, { amount: 50_000 })).status, 201);
      t.clock.advanceDays(3);
      assert.equal(await collect(), 2, 'this credit and the first line\'s second one are both due');
      assert.equal(await owed(msisdn), 5_000);
      assert.equal(await main(msisdn), 0);
      assert.deepEqual((await listCreditsOf(t.app.ctx, ids.get(msisdn)!)).map((c) => c.status), ['debt']);
      const view = await t.request('GET', `/v1/lines/${msisdn}/promised-payment`);
      assert.equal(view.status, 200);
      assert.deepEqual([view.body.owed, view.body.data.map((c: { status: string }) => c.status)], [5_000, ['debt']]);
      assert.equal(await collect(), 0);
      assert.equal((await take(msisdn, { amount: 50_000 })).body.error.code, 'credit_open');
      await topUp(msisdn, 50_000);
      assert.equal(await owed(msisdn), 0);
      // The row follows the ledger at the debt's next check, a minute after the one at its term end.
      t.clock.advance(CREDIT_CHECK_INTERVAL_MIN_MS);
      assert.equal(await collect(), 0);
      assert.equal(await main(msisdn), 45_000);
      assert.deepEqual((await listCreditsOf(t.app.ctx, ids.get(msisdn)!)).map((c) => c.status), ['closed']);
      await t.verify();
    });

    it('shows a repayment in the line\'s history as money out of the main balance, so that its movements add up to the balance', async () => {
      const msisdn = numbers[1]!;
      const history = await t.request('GET', `/v1/lines/${msisdn}/transactions?limit=100`);
      assert.equal(history.status, 200);
      const moves = history.body.data as { code: string; amount: number; account: string; counterparty: string }[];
      const repayments = moves.filter((move) => move.code === 'credit_repayment');
      assert.deepEqual(repayments.map((move) => [move.account, move.amount, move.counterparty]), [['line_main', -5_000, 'line_credit'], ['line_main', -50_000, 'line_credit']]);
      const mainMoves = moves.filter((move) => move.account === 'line_main').reduce((sum, move) => sum + move.amount, 0);
      assert.equal(mainMoves, await main(msisdn), 'the main balance\'s movements add up to it');
    });

    it('at termination repays what the balance covers and writes off the rest', async () => {
      const msisdn = numbers[2]!;
      const spent = await main(msisdn);
      await t.request('POST', '/v1/transfers', { body: { from: msisdn, to: numbers[1], amount: spent - 2_000 - 30_000 }, headers: { 'idempotency-key': 'empty-2' } });
      assert.equal(await main(msisdn), 30_000);
      assert.equal((await take(msisdn, { amount: 50_000 })).status, 201);
      // Spend 600 ₸ of the 800 ₸ on 120 SMS (pay-as-you-go at 5 ₸), leaving 200 ₸ against 550 ₸ owed.
      const usage = await t.request('POST', '/v1/usage', { body: { events: [{ id: 'cr-sms', msisdn, service: 'sms', units: 120, at: t.clock.now().toISOString() }] } });
      assert.equal(usage.body.results[0].charged, 60_000);
      t.clock.advanceDays(400);
      await runJobsOnce(t.app.ctx, [lifecycleJob]);
      assert.equal((await t.request('GET', `/v1/lines/${msisdn}`)).body.status, 'terminated');
      assert.equal(await owed(msisdn), 0);
      const rows = await t.app.ctx.db.selectFrom('ledger_transfers').select(['code', 'amount']).where('code', 'in', ['credit_repayment', 'credit_writeoff'])
        .where((eb) => eb.or([eb('debit_account_id', '=', lineCreditAccountId(ids.get(msisdn)!)), eb('credit_account_id', '=', lineCreditAccountId(ids.get(msisdn)!))])).orderBy('id').execute();
      assert.deepEqual(rows.map((r) => [r.code, Number(r.amount)]), [['credit_repayment', 20_000], ['credit_writeoff', 35_000]]);
      await collect();
      assert.deepEqual((await listCreditsOf(t.app.ctx, ids.get(msisdn)!)).map((c) => c.status), ['closed']);
      await t.verify();
    });

    it('a repaid credit whose row is still open does not make the job collect the next credit early', async () => {
      const msisdn = '+77013000004';
      const from = t.clock.now().getTime();
      ids.set(msisdn, (await t.request('POST', '/v1/lines', { body: { msisdn } })).body.id);
      for (const day of [0, 25]) {
        t.clock.set(new Date(from + day * DAY_MS));
        assert.equal((await topUp(msisdn, 50_000)).status, 201);
      }
      const at = from - start + 31 * DAY_MS;
      t.clock.set(new Date(start + at));
      const first = await take(msisdn, { amount: 50_000 });
      assert.equal(first.status, 201, JSON.stringify(first.body));
      t.clock.set(new Date(start + at + 1_000));
      assert.equal((await topUp(msisdn, 50_000)).status, 201); // repays the first credit in its own commit
      assert.equal(await owed(msisdn), 0);
      t.clock.set(new Date(start + at + 2_000));
      assert.equal((await take(msisdn, { amount: 50_000 })).status, 201); // before the job closed the first row
      t.clock.set(new Date(start + at + 3_000));
      await collect();
      assert.equal(await owed(msisdn), 55_000, 'the second credit waits for a top-up or its term');
      assert.deepEqual((await listCreditsOf(t.app.ctx, ids.get(msisdn)!)).map((c) => c.status), ['closed', 'open']);
      await t.verify();
    });

    it('a package sold at the counter is paid by the customer\'s cash: not taken by an open promised payment first, no top-up bonus', async () => {
      const msisdn = '+77013000009';
      ids.set(msisdn, (await t.request('POST', '/v1/lines', { body: { msisdn } })).body.id);
      const from = t.clock.now().getTime();
      assert.equal((await topUp(msisdn, 50_000)).status, 201);
      t.clock.set(new Date(from + 31 * DAY_MS));
      assert.equal((await topUp(msisdn, 50_000)).status, 201);
      assert.equal((await take(msisdn, { amount: 50_000 })).status, 201);
      assert.equal(await owed(msisdn), 55_000);
      await seedCatalog(t.app.ctx);
      const store = (await t.request('POST', '/v1/admin/stores', { body: { name: 'Credit counter' } })).body;
      const clerk = await t.keyFor('clerk', store.cashAccountId);
      const identification = (await t.request('POST', '/v1/counter/identifications', { token: clerk, body: { documentType: 'passport', documentNumber: 'N55556666' } })).body.id;
      const mainBefore = await main(msisdn);
      t.clock.advance(60_000); // the customer comes to the counter a minute after the grant
      const sale = await t.request('POST', '/v1/counter/packages', { token: clerk, body: { msisdn, offering: 'DATA_1GB_7D', tender: 'cash', identificationId: identification }, headers: { 'idempotency-key': `cr-${++keyCount}` } });
      assert.equal(sale.status, 201, JSON.stringify(sale.body));
      assert.equal(sale.body.topUp.creditRepaid, 0);
      assert.equal(await main(msisdn), mainBefore, 'the cash paid the package, no more, no less');
      assert.equal(await owed(msisdn), 55_000, 'the promised payment is collected as usual later');
      // Later, not now: the cash put nothing on the balance, so the line was not topped up after the grant.
      t.clock.advance(2 * CREDIT_CHECK_INTERVAL_MIN_MS);
      await collect();
      assert.deepEqual([await main(msisdn), await owed(msisdn)], [mainBefore, 55_000], 'the job does not take the promised payment before its term');
      // Nor does a package of 5,000 ₸ or more earn the top-up bonus: it rewards money put on the balance.
      const bonusBefore = (await t.request('GET', `/v1/lines/${msisdn}`)).body.balance.bonus;
      const big = await t.request('POST', '/v1/counter/packages', { token: clerk, body: { msisdn, offering: 'DATA_20GB_30D', tender: 'cash', identificationId: identification }, headers: { 'idempotency-key': `cr-${++keyCount}` } });
      assert.equal(big.status, 201, JSON.stringify(big.body));
      assert.deepEqual([big.body.topUp.amount, big.body.topUp.bonus], [799_000, 0]);
      assert.equal((await t.request('GET', `/v1/lines/${msisdn}`)).body.balance.bonus, bonusBefore);
      await t.verify();
    });

    it('a retried grant replays its answer even after the line has left the recent-top-up window', async () => {
      const msisdn = '+77013000019';
      const from = t.clock.now().getTime();
      const created = await t.request('POST', '/v1/lines', { body: { msisdn } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      ids.set(msisdn, created.body.id);
      for (const at of [from, from + DAY_MS]) {
        t.clock.set(new Date(at));
        const credited = await topUp(msisdn, 50_000);
        assert.equal(credited.status, 201, JSON.stringify(credited.body));
      }
      // 30 days and a half after the first top-up, 29 and a half after the last: eligible.
      t.clock.set(new Date(from + 30.5 * DAY_MS));
      const granted = await take(msisdn, { amount: 50_000 }, 'late-retry');
      assert.equal(granted.status, 201, JSON.stringify(granted.body));
      // A day later the last top-up is 30 and a half days old: a new grant would be refused, the retry is not.
      t.clock.set(new Date(from + 31.5 * DAY_MS));
      const retried = await take(msisdn, { amount: 50_000 }, 'late-retry');
      assert.equal(retried.status, 201, JSON.stringify(retried.body));
      assert.equal(retried.body.id, granted.body.id);
      assert.equal(retried.headers['idempotent-replayed'], 'true');
      assert.equal(await owed(msisdn), 55_000, 'granted once');
      await t.verify();
    });
  });

  describe(`promised payment on a line whose validity has ended [${dialect.name}]`, { skip: dialect.skip }, () => {
    it('is refused as in grace, and offered as such, before the lifecycle job records the step', async () => {
      // A 7-day validity per top-up: a top-up 10 days old is recent to the credit rules, yet the line's validity has ended.
      const t = await startTestApp(dialect.name, { topup: { ...loadSettings({ TOPUP_VALIDITY_DAYS: '7' }).topup } });
      try {
        const msisdn = '+77013000081';
        assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn } })).status, 201);
        const start = t.clock.now().getTime();
        for (const [day, key] of [[0, 'g-1'], [25, 'g-2']] as const) {
          t.clock.set(new Date(start + day * DAY_MS));
          assert.equal((await t.request('POST', '/v1/topups', { body: { msisdn, amount: 50_000, currency: 'KZT' }, headers: { 'idempotency-key': key } })).status, 201);
        }
        t.clock.set(new Date(start + 35 * DAY_MS));
        assert.equal((await t.request('GET', `/v1/lines/${msisdn}`)).body.status, 'active', 'the lifecycle job has not run');
        const offer = (await t.request('GET', `/v1/lines/${msisdn}/promised-payment`)).body.offer;
        assert.deepEqual([offer.available, offer.refusal], [false, { reason: 'line_not_active', status: 'grace' }]);
        const refused = await t.request('POST', `/v1/lines/${msisdn}/promised-payment`, { body: { amount: 50_000 }, headers: { 'idempotency-key': 'g-grant' } });
        assert.deepEqual([refused.status, refused.body.error?.code, refused.body.error?.details], [422, 'credit_not_eligible', { reason: 'line_not_active', status: 'grace' }], JSON.stringify(refused.body));
        assert.equal((await t.request('GET', `/v1/lines/${msisdn}`)).body.balance.main, 100_000, 'nothing lent');
        assert.equal((await t.app.ctx.db.selectFrom('credits').select('id').execute()).length, 0);
        // A top-up brings the validity back: the line may take one.
        assert.equal((await t.request('POST', '/v1/topups', { body: { msisdn, amount: 50_000, currency: 'KZT' }, headers: { 'idempotency-key': 'g-3' } })).status, 201);
        const granted = await t.request('POST', `/v1/lines/${msisdn}/promised-payment`, { body: { amount: 50_000 }, headers: { 'idempotency-key': 'g-grant-2' } });
        assert.equal(granted.status, 201, JSON.stringify(granted.body));
        await t.verify();
      } finally {
        await t.close();
      }
    });
  });

  describe(`promised payment without a fee [${dialect.name}]`, { skip: dialect.skip }, () => {
    it('CREDIT_FEE_PERCENT=0 offers and grants with no fee, owed the amount alone, repaid from the next top-up', async () => {
      const t = await startTestApp(dialect.name, { credit: { ...loadSettings({ CREDIT_FEE_PERCENT: '0' }).credit } });
      try {
        const msisdn = '+77013000071';
        const lineId = (await t.request('POST', '/v1/lines', { body: { msisdn } })).body.id;
        const start = t.clock.now().getTime();
        for (const [day, key] of [[0, 'f0-1'], [31, 'f0-2']] as const) {
          t.clock.set(new Date(start + day * DAY_MS));
          assert.equal((await t.request('POST', '/v1/topups', { body: { msisdn, amount: 50_000, currency: 'KZT' }, headers: { 'idempotency-key': key } })).status, 201);
        }
        const offer = (await t.request('GET', `/v1/lines/${msisdn}/promised-payment`)).body.offer;
        assert.deepEqual([offer.available, offer.amounts?.[0]?.fee ?? offer.fee], [true, 0], JSON.stringify(offer));
        const granted = await t.request('POST', `/v1/lines/${msisdn}/promised-payment`, { body: { amount: 50_000 }, headers: { 'idempotency-key': 'f0-grant' } });
        assert.equal(granted.status, 201, JSON.stringify(granted.body));
        assert.deepEqual([granted.body.fee, granted.body.owed], [0, 50_000]);
        assert.equal(Number(-(await accountBalance(t.app.ctx, lineCreditAccountId(lineId)))), 50_000);
        t.clock.advance(60_000);
        assert.equal((await t.request('POST', '/v1/topups', { body: { msisdn, amount: 50_000, currency: 'KZT' }, headers: { 'idempotency-key': 'f0-3' } })).body.creditRepaid, 50_000);
        await t.verify();
      } finally {
        await t.close();
      }
    });
  });
}
