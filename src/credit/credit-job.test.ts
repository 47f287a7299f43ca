import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';
import { explainPlan } from '../../test/support/query-plans.ts';
import { accountBalance } from '../usage/test-buckets.ts';
import { lineCreditAccountId } from './credit-accounts.ts';
import { CREDIT_CHECK_INTERVAL_MAX_MS, CREDIT_CHECK_INTERVAL_MIN_MS, collectCredits } from './credit-job.ts';
import { listCreditsOf } from './credit-repository.ts';
import { repayCredit } from './repay-credit.ts';

const DAY_MS = 86_400_000;
/** A run reads at most this many open credits and this many debts, so that a handful of lines make a backlog. */
const SMALL = { creditsPerStatusMax: 2 };

for (const dialect of DIALECTS) {
  describe(`promised payment collection job [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let keyCount = 0;
    let start = 0;
    const ids = new Map<string, string>();
    const debtors = ['+77013100001', '+77013100002', '+77013100003', '+77013100004'];
    const [late, twice, sink] = ['+77013100005', '+77013100006', '+77013100007'];
    const at = (days: number, ms = 0) => t.clock.set(new Date(start + days * DAY_MS + ms));
    const topUp = (msisdn: string, amount: number) => t.request('POST', '/v1/topups', { body: { msisdn, amount, currency: 'KZT' }, headers: { 'idempotency-key': `cj-${++keyCount}` } });
    const take = (msisdn: string) => t.request('POST', `/v1/lines/${msisdn}/promised-payment`, { body: { amount: 50_000 }, headers: { 'idempotency-key': `cjp-${++keyCount}` } });
    const send = (from: string, to: string, amount: number) => t.request('POST', '/v1/transfers', { body: { from, to, amount }, headers: { 'idempotency-key': `cjt-${++keyCount}` } });
    const main = async (msisdn: string) => (await t.request('GET', `/v1/lines/${msisdn}`)).body.balance.main as number;
    const owed = (msisdn: string) => accountBalance(t.app.ctx, lineCreditAccountId(ids.get(msisdn)!)).then((b) => Number(-b));
    const rows = (msisdn: string) => listCreditsOf(t.app.ctx, ids.get(msisdn)!);
    /** Sends the whole main balance away (less the transfer fee), so that a credit taken next cannot be repaid from older money. */
    const empty = async (msisdn: string) => assert.equal((await send(msisdn, sink!, (await main(msisdn)) - 2_000)).status, 201);

    before(async () => {
      t = await startTestApp(dialect.name);
      start = t.clock.now().getTime();
      for (const msisdn of [...debtors, late!, twice!, sink!]) ids.set(msisdn, (await t.request('POST', '/v1/lines', { body: { msisdn } })).body.id);
      for (const day of [0, 25]) {
        at(day);
        for (const msisdn of [...debtors, late!, twice!, sink!]) assert.equal((await topUp(msisdn, 50_000)).status, 201);
      }
      at(31);
      for (const msisdn of debtors) {
        await empty(msisdn);
        assert.equal((await take(msisdn)).status, 201);
      }
    });
    after(async () => t?.close());

    it('reaches every due credit within a bounded number of runs, and does not look at a debt again at once', async () => {
      const lowBalance = async () => (await t.app.ctx.db.selectFrom('outbox').select('payload').where('topic', '=', 'balance.low').orderBy('id').execute()).map((row) => JSON.parse(row.payload));
      const toldBefore = (await lowBalance()).length;
      at(34);
      // Four credits due, two a run: the first run says more is due, the second that it took the rest.
      assert.deepEqual(await collectCredits(t.app.ctx, SMALL), { checked: 2, collected: 2, more: true });
      assert.deepEqual(await collectCredits(t.app.ctx, SMALL), { checked: 2, collected: 2, more: false });
      assert.deepEqual(await collectCredits(t.app.ctx, SMALL), { checked: 0, collected: 0, more: false }, 'the four debts wait for their next check');
      for (const msisdn of debtors) {
        assert.equal(await owed(msisdn), 5_000);
        assert.deepEqual((await rows(msisdn)).map((c) => [c.status, c.next_check_at]), [['debt', new Date(start + 34 * DAY_MS + CREDIT_CHECK_INTERVAL_MIN_MS).toISOString()]]);
      }
      // Each balance went from the 500 ₸ credited to 0: below the low-balance threshold (300 ₸), told once each.
      const low = (await lowBalance()).slice(toldBefore);
      assert.deepEqual(low.map((p) => p.lineId).sort(), debtors.map((m) => ids.get(m)).sort());
      assert.deepEqual(low.map((p) => [p.balance, p.msisdn.startsWith('+7701310000')]), debtors.map(() => [0, true]));
      await t.verify();
    });

    it('handles a newly due credit although more debts than a run reads wait, and looks at old debts ever less often', async () => {
      at(36);
      await empty(late!);
      assert.equal((await take(late!)).status, 201);
      at(39);
      // Four debts are due for a check, twice what a run reads of them; the new credit is read beside them.
      assert.deepEqual(await collectCredits(t.app.ctx, SMALL), { checked: 3, collected: 1, more: true });
      assert.deepEqual((await rows(late!)).map((c) => c.status), ['debt']);
      assert.equal(await owed(late!), 5_000);
      assert.deepEqual(await collectCredits(t.app.ctx, SMALL), { checked: 2, collected: 0, more: false });
      assert.deepEqual(await collectCredits(t.app.ctx, SMALL), { checked: 0, collected: 0, more: false });
      // Five days in debt: the next check is the longest interval away; the new debt's is a minute away.
      const hourLater = new Date(start + 39 * DAY_MS + CREDIT_CHECK_INTERVAL_MAX_MS).toISOString();
      for (const msisdn of debtors) assert.equal((await rows(msisdn))[0]!.next_check_at, hourLater);
      at(39, CREDIT_CHECK_INTERVAL_MIN_MS);
      assert.deepEqual(await collectCredits(t.app.ctx, SMALL), { checked: 1, collected: 0, more: false });
      await t.verify();
    });

    it('collects a debt from money that arrived another way at its next check', async () => {
      assert.equal((await send(sink!, debtors[0]!, 10_000)).status, 201);
      assert.equal(await main(debtors[0]!), 10_000);
      at(39, CREDIT_CHECK_INTERVAL_MAX_MS);
      const run = await collectCredits(t.app.ctx, { creditsPerStatusMax: 10 });
      assert.deepEqual(run, { checked: 5, collected: 1, more: false });
      assert.equal(await owed(debtors[0]!), 0);
      assert.equal(await main(debtors[0]!), 5_000);
      assert.deepEqual((await rows(debtors[0]!)).map((c) => c.status), ['closed']);
      await t.verify();
    });

    it('closes an older repaid row read without its line\'s newer credit, and does not collect the newer one early', async () => {
      at(40);
      assert.equal((await take(twice!)).status, 201);
      at(40, 1_000);
      assert.equal((await topUp(twice!, 50_000)).status, 201); // repays the first credit in its own commit
      assert.equal(await owed(twice!), 0);
      at(40, 2_000);
      assert.equal((await take(twice!)).status, 201);
      at(40, 3_000);
      // Reading one open credit a run, the job finds the older row alone (its check is due first), and one of the debts.
      // The newer credit is due for its first check too: more.
      assert.deepEqual(await collectCredits(t.app.ctx, { creditsPerStatusMax: 1 }), { checked: 2, collected: 0, more: true });
      assert.equal(await owed(twice!), 55_000, 'the second credit waits for a top-up or its term');
      assert.deepEqual((await rows(twice!)).map((c) => c.status), ['closed', 'open']);
      await t.verify();
    });

    it('a repayment chosen before a newer credit was granted collects nothing: the credit it was chosen for was repaid before', async () => {
      assert.equal((await send(sink!, twice!, 20_000)).status, 201); // money that repays nothing by itself
      const open = (await rows(twice!)).find((c) => c.status === 'open')!;
      const granted = (await t.app.ctx.db.selectFrom('ledger_accounts').select('debits_posted').where('id', '=', lineCreditAccountId(ids.get(twice!)!)).executeTakeFirstOrThrow()).debits_posted;
      // As if the job had read the credit account before the open credit was granted.
      assert.deepEqual(await repayCredit(t.app.ctx, open, t.clock.now(), BigInt(granted) - 50_000n), { repaid: 0n, status: 'closed' });
      assert.equal(await owed(twice!), 55_000);
      const repaid = await repayCredit(t.app.ctx, open, t.clock.now(), BigInt(granted));
      assert.ok(repaid.repaid > 0n);
      assert.equal(await owed(twice!), 55_000 - Number(repaid.repaid));
      await t.verify();
    });

    it('reads due credits through the (status, next_check_at, id) index, without sorting', async () => {
      const query = t.app.ctx.db.selectFrom('credits').selectAll().where('status', '=', 'debt').where('next_check_at', '<=', t.clock.now().toISOString())
        .orderBy('next_check_at').orderBy('id').limit(500);
      const plan = await explainPlan(t.app.ctx, query);
      assert.match(plan, /credits_status_next_check/, plan);
      assert.doesNotMatch(plan, /TEMP B-TREE|Sort/, plan);
    });
  });
}
