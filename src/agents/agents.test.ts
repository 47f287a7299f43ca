import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';
import { lineMainAccountId } from '../ledger/accounts.ts';
import { ok } from '../domain/result.ts';
import { commissionOf, maskOwnerName } from './agent-accounts.ts';
import { runJobsOnce } from '../jobs/scheduler.ts';
import { lifecycleJob } from '../lifecycle/lifecycle-job.ts';
import { subscriberMessage } from '../lifecycle/subscriber-messages.ts';

const LINES = ['+77011000001', '+77011000002', '+77011000003', '+77011000004', '+77011000005', '+77011000006'];

describe('agent rules (pure)', () => {
  it('masks owner names to the first character of each word, as people count characters', () => {
    assert.equal(maskOwnerName('Aigerim Serikova'), 'A*** S***');
    assert.equal(maskOwnerName('王明'), '王***');
    assert.equal(maskOwnerName('Ян'), 'Я***');
    assert.equal(maskOwnerName('Li Na'), 'L*** N***');
    assert.equal(maskOwnerName('  Ли  '), 'Л***');
    // Never half a surrogate pair, nor a letter without its accent or an emoji cut in two.
    assert.equal(maskOwnerName('𠮷野 家'), '𠮷*** 家***');
    assert.equal(maskOwnerName('E\u0301mile Zola'), 'E\u0301*** Z***');
    assert.equal(maskOwnerName('👩‍👩‍👧 Family'), '👩‍👩‍👧*** F***');
    assert.equal(maskOwnerName('A B C D E'), 'A*** B*** C*** D***');
    assert.equal(maskOwnerName('   '), null);
    assert.equal(maskOwnerName(null), null);
  });

  it('rounds commission down', () => {
    assert.equal(commissionOf(50_001n, 150n), 750n);
    assert.equal(commissionOf(99n, 100n), 0n);
  });
});

for (const dialect of DIALECTS) {
  describe(`retail agents [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(dialect.name);
      for (const msisdn of LINES) assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn, ownerName: 'Aigerim Serikova', language: 'ru' } })).status, 201);
    });
    after(async () => t?.close());

    let agentSeq = 0;
    async function newAgent(commissionBasisPoints: number, deposit: number) {
      const created = await t.request('POST', '/v1/admin/agents', { body: { name: `Kiosk ${++agentSeq}`, commissionBasisPoints } });
      assert.equal(created.status, 201, JSON.stringify(created.body));
      const id = created.body.id as string;
      if (deposit > 0) {
        const dep = await t.request('POST', `/v1/admin/agents/${id}/deposits`, { body: { amount: deposit, reference: `bank ${id}` }, headers: { 'idempotency-key': `dep-${id}` } });
        assert.equal(dep.status, 201, JSON.stringify(dep.body));
      }
      return { id, key: await t.keyFor('agent', created.body.floatAccountId) };
    }
    const posTopUp = (key: string, body: unknown, idem: string) => t.request('POST', '/v1/pos/topups', { token: key, body, headers: { 'idempotency-key': idem } });
    const balanceOf = async (accountId: string) => {
      const row = await t.app.ctx.db.selectFrom('ledger_accounts').selectAll().where('id', '=', accountId).executeTakeFirstOrThrow();
      return Number(row.credits_posted) - Number(row.debits_posted);
    };
    /** The subscriber spends from one of the line's accounts (a package, usage …), through the ledger writer. */
    async function spend(from: string, to: 'revenue:fees' | 'revenue:packages', amount: bigint) {
      const spent = await t.app.ctx.writer.submit({
        name: 'test_spend', lock: { accounts: [from, to] },
        execute: (tx) => {
          const moved = tx.transfer({ debitAccountId: from, creditAccountId: to, amount, unit: 'KZT', code: to === 'revenue:fees' ? 'usage' : 'package_purchase' });
          assert.ok(moved.ok);
          return ok(null);
        },
      });
      assert.ok(spent.ok);
    }

    it('lookup shows operator, status and a masked owner name; only agents may look up', async () => {
      const agent = await newAgent(100, 0);
      const found = await t.request('GET', `/v1/pos/lookup?msisdn=${encodeURIComponent('8 701 100 00 01')}`, { token: agent.key });
      assert.equal(found.status, 200);
      assert.deepEqual(found.body, { msisdn: '+77011000001', operator: 'Kcell', status: 'preactive', barred: false, ownerName: 'A*** S***' });
      assert.equal((await t.request('GET', '/v1/pos/lookup?msisdn=%2B77019999999', { token: agent.key })).body.error.code, 'line_not_found');
      assert.equal((await t.request('GET', '/v1/pos/lookup?msisdn=123', { token: agent.key })).body.error.code, 'msisdn_invalid');
      assert.equal((await t.request('GET', '/v1/pos/lookup?msisdn=%2B77011000001')).body.error.code, 'forbidden');
      const unlinked = await t.keyFor('agent');
      assert.equal((await t.request('GET', '/v1/pos/lookup?msisdn=%2B77011000001', { token: unlinked })).body.error.code, 'agent_not_linked');
    });

    it('lookup tells a line an admin barred from one a top-up brings back: the cashier does not take cash to restore it', async () => {
      const agent = await newAgent(100, 0);
      const lookUp = async (msisdn: string) => (await t.request('GET', `/v1/pos/lookup?msisdn=${encodeURIComponent(msisdn)}`, { token: agent.key })).body;
      for (const msisdn of ['+77011000061', '+77011000062']) {
        assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn } })).status, 201);
        assert.equal((await t.request('POST', '/v1/topups', { body: { msisdn, amount: 50_000, currency: 'KZT' }, headers: { 'idempotency-key': `barred-${msisdn}` } })).status, 201);
      }
      // One barred by an admin (a lost SIM), the other suspended by the lifecycle (its validity and grace ran out).
      assert.equal((await t.request('POST', '/v1/lines/+77011000061/suspend', { body: { reason: 'lost SIM' } })).status, 200);
      await t.app.ctx.db.updateTable('lines').set({ status: 'suspended' }).where('msisdn', '=', '+77011000062').execute();
      assert.deepEqual([(await lookUp('+77011000061')).status, (await lookUp('+77011000061')).barred], ['suspended', true]);
      assert.deepEqual([(await lookUp('+77011000062')).status, (await lookUp('+77011000062')).barred], ['suspended', false]);
    });

    it('look-ups are limited per agent an hour, found or not: a leaked key cannot walk the numbers for owners\' initials', async () => {
      const settings = t.app.ctx.settings.agents;
      const limitBefore = settings.lookupsPerHourMax;
      settings.lookupsPerHourMax = 3;
      try {
        const [shop, other] = [await newAgent(100, 0), await newAgent(100, 0)];
        const lookUp = (key: string, msisdn = '+77011000001') => t.request('GET', `/v1/pos/lookup?msisdn=${encodeURIComponent(msisdn)}`, { token: key });
        assert.equal((await lookUp(shop.key)).status, 200);
        assert.equal((await lookUp(shop.key, '+77019999999')).body.error.code, 'line_not_found');
        assert.equal((await lookUp(shop.key)).status, 200);
        const limited = await lookUp(shop.key);
        assert.deepEqual([limited.status, limited.body.error.code, limited.body.error.details], [429, 'rate_limited', { retryAfterSeconds: 3600 }]);
        assert.equal((await lookUp(shop.key, '+77019999998')).status, 429, 'nothing about another number either');
        assert.equal((await lookUp(other.key)).status, 200, 'each agent has its own hour');
        t.clock.advance(61 * 60_000);
        assert.equal((await lookUp(shop.key)).status, 200, 'a new hour');
      } finally {
        settings.lookupsPerHourMax = limitBefore;
      }
    });

    it('many top-ups: float, commission and expense sums are exact, and the day report agrees', async () => {
      const deposit = 1_000_000_000;
      const agent = await newAgent(150, deposit);
      const amounts = Array.from({ length: 60 }, (_, i) => 50_000 + i * 1_237);
      const responses = await Promise.all(amounts.map((amount, i) => posTopUp(agent.key, { msisdn: LINES[i % LINES.length], amount }, `many-${i}`)));
      assert.ok(responses.every((r) => r.status === 201), JSON.stringify(responses.find((r) => r.status !== 201)?.body));
      const sum = amounts.reduce((s, a) => s + a, 0);
      const commission = amounts.reduce((s, a) => s + Number(commissionOf(BigInt(a), 150n)), 0);
      assert.equal(await balanceOf(`agent:${agent.id}.float`), deposit - sum);
      assert.equal(await balanceOf(`agent:${agent.id}.commission`), commission);
      assert.equal(responses.reduce((s, r) => s + r.body.commission, 0), commission);
      const report = await t.request('GET', '/v1/pos/report', { token: agent.key });
      assert.equal(report.status, 200);
      assert.deepEqual([report.body.topups.count, report.body.topups.amount, report.body.topups.commission], [60, sum, commission]);
      assert.deepEqual([report.body.reversals.count, report.body.deposits.amount, report.body.floatBalance], [0, deposit, deposit - sum]);
      const slip = await t.request('GET', '/v1/pos/report?format=slip', { token: agent.key });
      assert.match(String(slip.headers['content-type']), /text\/html/);
      assert.match(slip.text, /80mm/);
      // A replay with the same key changes nothing.
      const replay = await posTopUp(agent.key, { msisdn: LINES[0], amount: amounts[0] }, 'many-0');
      assert.equal(replay.headers['idempotent-replayed'], 'true');
      assert.equal(await balanceOf(`agent:${agent.id}.float`), deposit - sum);
      await t.verify();
    });

    it('20 concurrent top-ups over the float: exactly the affordable ones succeed, the float ends at zero', async () => {
      const agent = await newAgent(200, 500_000);
      const responses = await Promise.all(Array.from({ length: 20 }, (_, i) => posTopUp(agent.key, { msisdn: LINES[i % LINES.length], amount: 50_000 }, `race-${i}`)));
      assert.equal(responses.filter((r) => r.status === 201).length, 10);
      const refused = responses.filter((r) => r.status !== 201);
      assert.ok(refused.every((r) => r.status === 422 && r.body.error.code === 'balance_insufficient'));
      assert.equal(await balanceOf(`agent:${agent.id}.float`), 0);
      assert.equal(await balanceOf(`agent:${agent.id}.commission`), 10 * 1_000);
      const rows = await t.app.ctx.db.selectFrom('agent_topups').select('topup_id').where('agent_id', '=', agent.id).execute();
      assert.equal(rows.length, 10);
      await t.verify();
    });

    it('reverses within the window once, refuses after the window and after the money was spent', async () => {
      const agent = await newAgent(100, 10_000_000);
      const first = await posTopUp(agent.key, { msisdn: LINES[1], amount: 100_000 }, 'rev-1');
      assert.equal(first.status, 201);
      const floatBefore = await balanceOf(`agent:${agent.id}.float`);
      const reversals = await Promise.all([1, 2, 3].map(() => t.request('POST', `/v1/pos/topups/${first.body.topUp.id}/reverse`, { token: agent.key })));
      assert.ok(reversals.every((r) => r.status === 200), JSON.stringify(reversals.map((r) => r.body)));
      assert.equal(await balanceOf(`agent:${agent.id}.float`), floatBefore + 100_000);
      assert.equal(await balanceOf(`agent:${agent.id}.commission`), 0);
      assert.equal((await t.app.ctx.db.selectFrom('agent_topup_reversals').select('topup_id').where('agent_id', '=', agent.id).execute()).length, 1);
      const again = await t.request('POST', `/v1/pos/topups/${first.body.topUp.id}/reverse`, { token: agent.key });
      assert.equal(again.headers['idempotent-replayed'], 'true');
      // The reversal has a receipt of its own, once, so that summing receipts does not count the top-up as cash.
      assert.match(reversals[0]!.body.receiptNumber, /^R-\d{4}-\d{8}$/);
      assert.ok(reversals.every((r) => r.body.receiptNumber === reversals[0]!.body.receiptNumber) && again.body.receiptNumber === reversals[0]!.body.receiptNumber);
      const receipt = await t.app.ctx.db.selectFrom('receipts').selectAll().where('number', '=', reversals[0]!.body.receiptNumber).executeTakeFirstOrThrow();
      assert.deepEqual([receipt.kind, receipt.reference_id, Number(receipt.amount)], ['topup_reversal', first.body.topUp.id, 100_000]);

      const late = await posTopUp(agent.key, { msisdn: LINES[2], amount: 100_000 }, 'rev-2');
      t.clock.advance(16 * 60_000);
      const refused = await t.request('POST', `/v1/pos/topups/${late.body.topUp.id}/reverse`, { token: agent.key });
      assert.equal(refused.status, 409);
      assert.equal(refused.body.error.code, 'reversal_window_passed');

      const spent = await posTopUp(agent.key, { msisdn: LINES[3], amount: 100_000 }, 'rev-3');
      const lineId = spent.body.topUp.lineId as string;
      const mainBalance = await balanceOf(lineMainAccountId(lineId));
      // The subscriber spends all but 1 ₸ of the balance (a package, usage …).
      await spend(lineMainAccountId(lineId), 'revenue:fees', BigInt(mainBalance - 100));
      const floatNow = await balanceOf(`agent:${agent.id}.float`);
      const noMoney = await t.request('POST', `/v1/pos/topups/${spent.body.topUp.id}/reverse`, { token: agent.key });
      assert.deepEqual([noMoney.status, noMoney.body.error.code], [409, 'topup_already_spent']);
      assert.equal(await balanceOf(`agent:${agent.id}.float`), floatNow);
      // Money paid in elsewhere afterwards (another agent's top-up) is the subscriber's, not this top-up's to take back.
      const elsewhere = await newAgent(100, 1_000_000);
      assert.equal((await posTopUp(elsewhere.key, { msisdn: LINES[3], amount: 500_000 }, 'rev-3-elsewhere')).status, 201);
      const stillRefused = await t.request('POST', `/v1/pos/topups/${spent.body.topUp.id}/reverse`, { token: agent.key });
      assert.deepEqual([stillRefused.status, stillRefused.body.error.code], [409, 'topup_already_spent']);
      assert.equal(await balanceOf(`agent:${agent.id}.float`), floatNow);
      assert.equal(await balanceOf(lineMainAccountId(lineId)), 100 + 500_000);

      const other = await newAgent(100, 0);
      const foreign = await t.request('POST', `/v1/pos/topups/${spent.body.topUp.id}/reverse`, { token: other.key });
      assert.equal(foreign.body.error.code, 'agent_topup_not_found');

      const report = await t.request('GET', '/v1/pos/report', { token: agent.key });
      assert.deepEqual([report.body.topups.count, report.body.topups.amount, report.body.topups.commission], [3, 300_000, 3_000]);
      assert.deepEqual([report.body.reversals.count, report.body.reversals.amount, report.body.net.amount, report.body.net.commission], [1, 100_000, 200_000, 2_000]);
      await t.verify();
    });

    it('a later sale reversed first is no spending: the earlier sales to the line can still be reversed', async () => {
      const agent = await newAgent(0, 10_000_000);
      const sales = [];
      for (const key of ['order-1', 'order-2', 'order-3']) {
        const sale = await posTopUp(agent.key, { msisdn: LINES[4], amount: 100_000 }, `later-first-${key}`);
        assert.equal(sale.status, 201, JSON.stringify(sale.body));
        sales.push(sale.body.topUp);
      }
      const lineId = sales[0].lineId as string;
      const before = await balanceOf(lineMainAccountId(lineId));
      for (const sale of [sales[2], sales[0], sales[1]]) {
        const reversed = await t.request('POST', `/v1/pos/topups/${sale.id}/reverse`, { token: agent.key });
        assert.equal(reversed.status, 200, JSON.stringify(reversed.body));
      }
      assert.equal(await balanceOf(lineMainAccountId(lineId)), before - 300_000);
      assert.equal(await balanceOf(`agent:${agent.id}.float`), 10_000_000);
      // Spending after a reversal still holds back the sales before it.
      const kept = await posTopUp(agent.key, { msisdn: LINES[4], amount: 100_000 }, 'later-first-kept');
      const next = await posTopUp(agent.key, { msisdn: LINES[4], amount: 100_000 }, 'later-first-next');
      assert.equal((await t.request('POST', `/v1/pos/topups/${next.body.topUp.id}/reverse`, { token: agent.key })).status, 200);
      await spend(lineMainAccountId(lineId), 'revenue:fees', 1n);
      const refused = await t.request('POST', `/v1/pos/topups/${kept.body.topUp.id}/reverse`, { token: agent.key });
      assert.deepEqual([refused.status, refused.body.error.code], [409, 'topup_already_spent']);
      await t.verify();
    });

    it('a reversal takes back the top-up bonus too: top-up and reverse in a loop earns nothing', async () => {
      const agent = await newAgent(0, 10_000_000);
      const line = await t.request('POST', '/v1/lines', { body: { msisdn: '+77011000099' } });
      assert.equal(line.status, 201, JSON.stringify(line.body));
      const bonusId = `${line.body.id}.bonus`;
      for (let round = 0; round < 3; round++) {
        const done = await posTopUp(agent.key, { msisdn: '+77011000099', amount: 500_000 }, `bonus-loop-${round}`);
        assert.equal(done.status, 201, JSON.stringify(done.body));
        assert.equal(done.body.topUp.bonus, 50_000);
        const reversed = await t.request('POST', `/v1/pos/topups/${done.body.topUp.id}/reverse`, { token: agent.key });
        assert.equal(reversed.status, 200, JSON.stringify(reversed.body));
      }
      assert.equal(await balanceOf(lineMainAccountId(line.body.id)), 0);
      assert.equal(await balanceOf(bonusId), 0);
      // With the bonus already spent, the top-up cannot be undone (as with spent main money).
      const kept = await posTopUp(agent.key, { msisdn: '+77011000099', amount: 500_000 }, 'bonus-loop-spent');
      await spend(bonusId, 'revenue:packages', 1n);
      const refused = await t.request('POST', `/v1/pos/topups/${kept.body.topUp.id}/reverse`, { token: agent.key });
      assert.equal(refused.status, 409, JSON.stringify(refused.body));
      assert.equal(refused.body.error.code, 'topup_already_spent');
      await t.verify();
    });

    it('a reversal whose bonus was spent is refused even when another top-up\'s bonus would cover it', async () => {
      const agent = await newAgent(0, 100_000_000);
      const line = await t.request('POST', '/v1/lines', { body: { msisdn: '+77011000098' } });
      assert.equal(line.status, 201);
      const bonusId = `${line.body.id}.bonus`;
      const sale = await posTopUp(agent.key, { msisdn: '+77011000098', amount: 10_000_000 }, 'other-bonus-sale');
      assert.equal(sale.body.topUp.bonus, 1_000_000);
      // Most of that bonus pays for something; then a top-up elsewhere earns a bonus of its own.
      await spend(bonusId, 'revenue:packages', 799_000n);
      const elsewhere = await t.request('POST', '/v1/topups', { body: { msisdn: '+77011000098', amount: 10_000_000, currency: 'KZT' }, headers: { 'idempotency-key': 'other-bonus-elsewhere' } });
      assert.equal(elsewhere.body.bonus, 1_000_000);
      const refused = await t.request('POST', `/v1/pos/topups/${sale.body.topUp.id}/reverse`, { token: agent.key });
      assert.deepEqual([refused.status, refused.body.error.code], [409, 'topup_already_spent']);
      assert.equal(await balanceOf(bonusId), 1_201_000, 'the other top-up\'s bonus is untouched');
      await t.verify();
    });

    it('reverses sales to one line asked at once (two, then eight): all, none taken for spending', async () => {
      const agent = await newAgent(0, 10_000_000);
      for (const [round, count] of [[0, 2], [1, 2], [2, 8]] as const) {
        const sales = [];
        for (let n = 1; n <= count; n++) sales.push((await posTopUp(agent.key, { msisdn: LINES[5], amount: 100_000 }, `together-${round}-${n}`)).body.topUp);
        const reversed = await Promise.all(sales.map((sale) => t.request('POST', `/v1/pos/topups/${sale.id}/reverse`, { token: agent.key })));
        assert.deepEqual(reversed.map((r) => r.status), Array(count).fill(200), JSON.stringify(reversed.map((r) => r.body)));
      }
      assert.equal(await balanceOf(`agent:${agent.id}.float`), 10_000_000);
      await t.verify();
    });

    it('a reversal puts back what its top-up changed on the line: validity, reactivation, first top-up; not what a later top-up did', async () => {
      const agent = await newAgent(0, 10_000_000);
      const lineOf = async (msisdn: string) => t.app.ctx.db.selectFrom('lines').selectAll().where('msisdn', '=', msisdn).executeTakeFirstOrThrow();
      const reverse = async (id: string) => {
        const reversed = await t.request('POST', `/v1/pos/topups/${id}/reverse`, { token: agent.key });
        assert.equal(reversed.status, 200, JSON.stringify(reversed.body));
      };
      // A new line: topped up and reversed three times, it is as new, not active for 90 days.
      assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn: '+77011000071' } })).status, 201);
      for (let round = 1; round <= 3; round++) {
        const sale = await posTopUp(agent.key, { msisdn: '+77011000071', amount: 50_000 }, `put-back-new-${round}`);
        assert.equal(sale.body.topUp.line.status, 'active');
        await reverse(sale.body.topUp.id);
      }
      const fresh = await lineOf('+77011000071');
      assert.deepEqual([fresh.status, fresh.valid_until, fresh.first_topup_at], ['preactive', null, null]);

      // Two sales reversed oldest first: the first leaves the line to the second, whose reversal goes back past both.
      assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn: '+77011000073' } })).status, 201);
      for (let round = 1; round <= 2; round++) {
        const older = await posTopUp(agent.key, { msisdn: '+77011000073', amount: 50_000 }, `put-back-order-${round}-a`);
        t.clock.advance(60_000);
        const newer = await posTopUp(agent.key, { msisdn: '+77011000073', amount: 50_000 }, `put-back-order-${round}-b`);
        await reverse(older.body.topUp.id);
        assert.equal((await lineOf('+77011000073')).valid_until, newer.body.topUp.line.validUntil, 'the later sale still holds the line');
        await reverse(newer.body.topUp.id);
        const back = await lineOf('+77011000073');
        assert.deepEqual([back.status, back.valid_until, back.first_topup_at, back.last_topup_at], ['preactive', null, null, null]);
      }

      // A line in grace (its validity ended yesterday): reactivated by the sale, back in grace with its old validity.
      assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn: '+77011000072', language: 'kk' } })).status, 201);
      assert.equal((await t.request('POST', '/v1/topups', { body: { msisdn: '+77011000072', amount: 50_000, currency: 'KZT' }, headers: { 'idempotency-key': 'put-back-grace-0' } })).status, 201);
      const ended = new Date(t.clock.now().getTime() - 86_400_000).toISOString();
      await t.app.ctx.db.updateTable('lines').set({ status: 'grace', valid_until: ended, indexed_valid_until: ended }).where('msisdn', '=', '+77011000072').execute();
      const sale = await posTopUp(agent.key, { msisdn: '+77011000072', amount: 50_000 }, 'put-back-grace-1');
      assert.equal(sale.body.topUp.line.status, 'active');
      await reverse(sale.body.topUp.id);
      const grace = await lineOf('+77011000072');
      assert.deepEqual([grace.status, grace.valid_until], ['grace', ended]);
      assert.notEqual(grace.first_topup_at, null);
      const told = await t.app.ctx.db.selectFrom('outbox').select('payload').where('topic', '=', 'line.status_changed').execute();
      assert.ok(told.some((row) => { const p = JSON.parse(String(row.payload)); return p.msisdn === '+77011000072' && p.from === 'active' && p.to === 'grace' && p.reason === 'topup_reversed'; }));

      // A later top-up moved the validity on: the reversal of the earlier sale leaves the line as it is.
      const first = await posTopUp(agent.key, { msisdn: '+77011000072', amount: 50_000 }, 'put-back-later-1');
      t.clock.advance(60_000);
      const later = await t.request('POST', '/v1/topups', { body: { msisdn: '+77011000072', amount: 50_000, currency: 'KZT' }, headers: { 'idempotency-key': 'put-back-later-2' } });
      assert.equal(later.status, 201);
      await reverse(first.body.topUp.id);
      const kept = await lineOf('+77011000072');
      assert.deepEqual([kept.status, kept.valid_until], ['active', later.body.line.validUntil]);
      await t.verify();
    });

    it('a sale reversed once the grace it took the line out of has run out tells no "incoming calls only": the lifecycle suspends the line at once and says so', async () => {
      const agent = await newAgent(0, 1_000_000);
      const msisdn = '+77011000077';
      const lineId = (await t.request('POST', '/v1/lines', { body: { msisdn } })).body.id as string;
      assert.equal((await t.request('POST', '/v1/topups', { body: { msisdn, amount: 50_000, currency: 'KZT' }, headers: { 'idempotency-key': 'grace-over-0' } })).status, 201);
      // In grace, which ends in five minutes.
      const ended = new Date(t.clock.now().getTime() - t.app.ctx.settings.lifecycle.graceDays * 86_400_000 + 5 * 60_000).toISOString();
      await t.app.ctx.db.updateTable('lines').set({ status: 'grace', valid_until: ended, indexed_valid_until: ended }).where('msisdn', '=', msisdn).execute();
      const sale = await posTopUp(agent.key, { msisdn, amount: 50_000 }, 'grace-over-1');
      assert.equal(sale.body.topUp.line.status, 'active');
      t.clock.advance(10 * 60_000);
      const reversed = await t.request('POST', `/v1/pos/topups/${sale.body.topUp.id}/reverse`, { token: agent.key });
      assert.equal(reversed.status, 200, JSON.stringify(reversed.body));
      const now = t.clock.now().toISOString();
      const told = (await t.app.ctx.db.selectFrom('outbox').select('payload').where('topic', '=', 'line.status_changed').execute())
        .map((row) => JSON.parse(String(row.payload)) as Record<string, unknown>).filter((payload) => payload.lineId === lineId && payload.reason === 'topup_reversed');
      assert.deepEqual(told.map((payload) => payload.to), ['grace']);
      assert.equal(subscriberMessage('line.status_changed', told[0]!, { now }), null, 'the line is suspended within the minute: its grace is over');
      await runJobsOnce(t.app.ctx, [lifecycleJob]);
      assert.equal((await t.request('GET', `/v1/lines/${msisdn}`)).body.status, 'suspended');
      await t.verify();
    });

    it('two sales to a line in one millisecond (one batch) reversed oldest first leave the line as before both', async () => {
      const agent = await newAgent(0, 10_000_000);
      assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn: '+77011000074' } })).status, 201);
      // The clock stands still: both commands carry one time, as the commands of one batch do.
      const older = await posTopUp(agent.key, { msisdn: '+77011000074', amount: 50_000 }, 'same-ms-a');
      const newer = await posTopUp(agent.key, { msisdn: '+77011000074', amount: 50_000 }, 'same-ms-b');
      assert.equal(older.body.topUp.createdAt, newer.body.topUp.createdAt);
      for (const sale of [older, newer]) {
        const reversed = await t.request('POST', `/v1/pos/topups/${sale.body.topUp.id}/reverse`, { token: agent.key });
        assert.equal(reversed.status, 200, JSON.stringify(reversed.body));
      }
      const back = await t.app.ctx.db.selectFrom('lines').selectAll().where('msisdn', '=', '+77011000074').executeTakeFirstOrThrow();
      assert.deepEqual([back.status, back.valid_until, back.first_topup_at, back.last_topup_at], ['preactive', null, null, null]);
      await t.verify();
    });

    it('reprints a receipt as JSON and as an 80 mm slip, only for its agent', async () => {
      const agent = await newAgent(100, 1_000_000);
      const done = await posTopUp(agent.key, { msisdn: LINES[4], amount: 60_000 }, 'print-1');
      const number = done.body.topUp.receiptNumber as string;
      const json = await t.request('GET', `/v1/pos/receipts/${number}`, { token: agent.key });
      assert.equal(json.status, 200);
      assert.deepEqual([json.body.number, json.body.amount, json.body.commission, json.body.reversed], [number, 60_000, 600, false]);
      const slip = await t.request('GET', `/v1/pos/receipts/${number}?format=slip`, { token: agent.key });
      assert.match(slip.text, /Чек пополнения/);
      assert.match(slip.text, /\+7701\*\*\*0005/);
      assert.match(slip.text, /\d{2}\.\d{2}\.\d{4} \d{2}:\d{2} \(UTC\+5\)/);
      // In the other languages, with the day as each reader writes it.
      for (const [language, title, day] of [['kk', 'Толықтыру түбіртегі', /\d{2}\.\d{2}\.\d{4} \d{2}:\d{2}/], ['zh', '充值收据', /\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}/], ['en', 'Top-up receipt', /\d{1,2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}/]] as const) {
        const printed = await t.request('GET', `/v1/pos/receipts/${number}?format=slip&language=${language}`, { token: agent.key });
        assert.ok(printed.text.includes(title), `${language}: ${printed.text.slice(0, 300)}`);
        assert.match(printed.text, day);
      }
      const other = await newAgent(100, 0);
      assert.equal((await t.request('GET', `/v1/pos/receipts/${number}`, { token: other.key })).body.error.code, 'pos_receipt_not_found');

      // The reversal's own receipt, by the number the reversal answered with: reprinted as a reversal of the top-up's.
      const reversed = await t.request('POST', `/v1/pos/topups/${done.body.topUp.id}/reverse`, { token: agent.key });
      assert.equal(reversed.status, 200, JSON.stringify(reversed.body));
      const reversal = await t.request('GET', `/v1/pos/receipts/${reversed.body.receiptNumber}`, { token: agent.key });
      assert.equal(reversal.status, 200, JSON.stringify(reversal.body));
      assert.deepEqual([reversal.body.kind, reversal.body.number, reversal.body.reversalOf, reversal.body.amount, reversal.body.commission, reversal.body.reversed],
        ['topup_reversal', reversed.body.receiptNumber, number, 60_000, 600, true]);
      for (const [language, title] of [['ru', 'Чек отмены пополнения'], ['kk', 'Толықтыруды жою түбіртегі'], ['zh', '充值撤销收据'], ['en', 'Top-up reversal receipt']] as const) {
        const printed = await t.request('GET', `/v1/pos/receipts/${reversed.body.receiptNumber}?format=slip&language=${language}`, { token: agent.key });
        assert.ok(printed.text.includes(title) && printed.text.includes(number), `${language}: ${printed.text.slice(0, 400)}`);
      }
      const original = await t.request('GET', `/v1/pos/receipts/${number}`, { token: agent.key });
      assert.deepEqual([original.body.kind, original.body.reversalOf, original.body.reversed], ['topup', null, true]);
      assert.equal((await t.request('GET', `/v1/pos/receipts/${reversed.body.receiptNumber}`, { token: other.key })).body.error.code, 'pos_receipt_not_found');
    });

    it('prints the day report in en (default), ru, kk or zh, amounts as each writes them; a shift report says the deposits are the agent\'s', async () => {
      const agent = await newAgent(100, 12_345_650);
      assert.equal((await posTopUp(agent.key, { msisdn: LINES[4], amount: 100_000 }, 'slip-lang-1')).status, 201);
      const report = (query: string) => t.request('GET', `/v1/pos/report?${query}`, { token: agent.key });
      const cell = (label: string, value: string) => `<td class="k">${label}</td><td class="v">${value.replace(/ /g, '\u00a0')}</td>`;
      const expected = [
        ['', 'en', 'Day report', 'Agent deposits', '123,456.50 ₸'], ['&language=en', 'en', 'Day report', 'Agent deposits', '123,456.50 ₸'],
        ['&language=ru', 'ru', 'Отчёт за день', 'Взносы агента', '123 456,50 ₸'], ['&language=kk', 'kk', 'Күндік есеп', 'Агент салымдары', '123 456,50 ₸'],
        ['&language=zh', 'zh', '日报', '代理商存入', '123,456.50 ₸'],
      ] as const;
      for (const [query, language, heading, deposits, amount] of expected) {
        const slip = await report(`format=slip${query}`);
        assert.equal(slip.status, 200, slip.text);
        assert.ok(slip.text.includes(`<html lang="${language}">`), query);
        assert.ok(slip.text.includes(heading), `${query}: ${slip.text}`);
        assert.ok(slip.text.includes(cell(deposits, amount)), `${query}: ${slip.text}`);
        assert.ok(!slip.text.includes('this cashier'), 'the whole agent\'s day needs no note');
      }
      const shift = await report('format=slip&scope=cashier&language=ru');
      assert.ok(shift.text.includes('Отчёт за смену'), shift.text);
      assert.ok(shift.text.includes('<p>Пополнения и отмены: этот кассир. Взносы и остаток: весь агент.</p>'), shift.text);
      assert.ok((await report('format=slip&scope=cashier')).text.includes('<p>Top-ups and reversals: this cashier. Deposits and float: the whole agent.</p>'));
      // JSON is the same in every language; an unknown language is refused like any unknown value.
      assert.deepEqual((await report('language=zh')).body, (await report('')).body);
      const refused = await report('format=slip&language=de');
      assert.deepEqual([refused.status, refused.body.error.code], [400, 'validation_failed']);
    });

    it('a deposit to an agent\'s float is an admin\'s action in the audit log, once, its replay not again', async () => {
      const { id } = await newAgent(100, 0);
      for (let attempt = 0; attempt < 2; attempt += 1) {
        const deposit = await t.request('POST', `/v1/admin/agents/${id}/deposits`, { body: { amount: 5_000_00, reference: 'bank 77' }, headers: { 'idempotency-key': `audited-${id}` } });
        assert.equal(deposit.status, 201);
      }
      const deposit = await t.app.ctx.db.selectFrom('agent_deposits').selectAll().where('agent_id', '=', id).executeTakeFirstOrThrow();
      const audit = await t.app.ctx.db.selectFrom('audit_log').selectAll().where('action', '=', 'agent.deposit').where('target', '=', id).execute();
      assert.equal(audit.length, 1, 'audited once');
      assert.equal(audit[0]!.actor_role, 'admin');
      assert.deepEqual(JSON.parse(audit[0]!.details!), { depositId: deposit.id, amount: 5_000_00, reference: 'bank 77', transferId: deposit.transfer_id });
    });

    it('a reversal of a POS sale is the agent\'s action in the audit log, once however often it is asked', async () => {
      const agent = await newAgent(100, 1_000_000);
      const sale = await posTopUp(agent.key, { msisdn: LINES[4], amount: 100_000 }, `audited-rev-${agent.id}`);
      assert.equal(sale.status, 201, JSON.stringify(sale.body));
      for (let attempt = 0; attempt < 2; attempt += 1) assert.equal((await t.request('POST', `/v1/pos/topups/${sale.body.topUp.id}/reverse`, { token: agent.key })).status, 200);
      const audit = await t.app.ctx.db.selectFrom('audit_log').selectAll().where('action', '=', 'pos.topup_reverse').where('target', '=', sale.body.topUp.id).execute();
      assert.equal(audit.length, 1, 'audited once');
      assert.equal(audit[0]!.actor_role, 'agent');
      assert.deepEqual(JSON.parse(audit[0]!.details!), { agentId: agent.id, amount: 100_000, commission: 1_000 });
    });

    it('an agent user (login) linked to the agent tops up from its float', async () => {
      const agent = await newAgent(100, 1_000_000);
      const user = await t.request('POST', '/v1/users', { body: { login: 'kiosk.cashier', password: 'long-password-1', role: 'agent' } });
      assert.equal(user.status, 201);
      const login = await t.request('POST', '/v1/auth/login', { token: null, body: { login: 'kiosk.cashier', password: 'long-password-1' } });
      assert.equal((await t.request('GET', '/v1/pos/report', { token: login.body.token })).body.error.code, 'agent_not_linked');
      assert.equal((await t.request('POST', `/v1/admin/agents/${agent.id}/staff`, { body: { userId: user.body.id } })).status, 201);
      const done = await posTopUp(login.body.token, { msisdn: LINES[5], amount: 50_000 }, 'user-1');
      assert.equal(done.status, 201, JSON.stringify(done.body));
      const shift = await t.request('GET', '/v1/pos/report?scope=cashier', { token: login.body.token });
      assert.equal(shift.body.topups.count, 1);
    });

    it('an admin deactivates an agent: its POS is refused and moves nothing until reactivated; a new commission applies to later top-ups', async () => {
      const agent = await newAgent(100, 1_000_000);
      const patch = (body: unknown, token?: string) => t.request('PATCH', `/v1/admin/agents/${agent.id}`, { body, ...(token ? { token } : {}) });
      const off = await patch({ active: false });
      assert.equal(off.status, 200, JSON.stringify(off.body));
      assert.equal(off.body.active, false);
      assert.equal(off.body.floatBalance, 1_000_000);
      const float = await balanceOf(`agent:${agent.id}.float`);
      const refused = await posTopUp(agent.key, { msisdn: LINES[0], amount: 50_000 }, 'inactive-1');
      assert.equal(refused.status, 409);
      assert.equal(refused.body.error.code, 'agent_inactive');
      assert.equal((await t.request('GET', `/v1/pos/lookup?msisdn=${encodeURIComponent(LINES[0]!)}`, { token: agent.key })).body.error.code, 'agent_inactive');
      assert.equal(await balanceOf(`agent:${agent.id}.float`), float);

      const on = await patch({ active: true, commissionBasisPoints: 250, name: '  Kiosk renamed  ' });
      assert.deepEqual([on.status, on.body.active, on.body.commissionBasisPoints, on.body.name], [200, true, 250, 'Kiosk renamed']);
      // The same key, refused before, now tops up: the refusal wrote no idempotent answer.
      const done = await posTopUp(agent.key, { msisdn: LINES[0], amount: 100_000 }, 'inactive-1');
      assert.equal(done.status, 201, JSON.stringify(done.body));
      assert.equal(done.body.commission, 2_500);
      assert.equal(await balanceOf(`agent:${agent.id}.float`), float - 100_000);
      assert.equal(await balanceOf(`agent:${agent.id}.commission`), 2_500);
      const audit = await t.app.ctx.db.selectFrom('audit_log').select('action').where('target', '=', agent.id).where('action', '=', 'agent.update').execute();
      assert.equal(audit.length, 2);

      assert.equal((await patch({})).body.error.code, 'validation_failed');
      assert.equal((await patch({ active: 'no' })).body.error.code, 'validation_failed');
      assert.equal((await patch({ commissionBasisPoints: 2_001 })).body.error.code, 'validation_failed');
      assert.equal((await patch({ name: '   ' })).body.error.code, 'validation_failed');
      // 100 characters as people count them (an emoji is one), as the schema's maxLength counts.
      assert.equal((await patch({ name: '😀'.repeat(100) })).body.name, '😀'.repeat(100));
      assert.equal((await patch({ name: '😀'.repeat(101) })).body.error.code, 'validation_failed');
      assert.equal((await patch({ active: false }, agent.key)).body.error.code, 'forbidden');
      assert.equal((await t.request('PATCH', '/v1/admin/agents/ag_nope', { body: { active: false } })).body.error.code, 'agent_not_found');
      assert.equal((await t.request('GET', `/v1/admin/agents/${agent.id}`)).body.active, true, 'the refused patches changed nothing');
    });

    it('the OpenAPI document lists the POS, counter and voucher routes', async () => {
      const doc = await t.request('GET', '/openapi.json');
      assert.equal(doc.status, 200);
      for (const path of ['/v1/pos/topups', '/v1/pos/topups/{id}/reverse', '/v1/pos/report', '/v1/admin/agents/{id}/deposits', '/v1/counter/topups', '/v1/counter/packages', '/v1/vouchers/redeem', '/v1/ussd', '/v1/admin/voucher-batches']) {
        assert.ok(doc.body.paths[path], path);
      }
    });

    it('bad input gets 4xx codes and writes nothing', async () => {
      const agent = await newAgent(100, 1_000_000);
      const before = (await t.app.ctx.db.selectFrom('ledger_transfers').select('id').execute()).length;
      const cases: [unknown, string | undefined, number, string][] = [
        [{ msisdn: LINES[0], amount: 0 }, 'b0', 422, 'amount_invalid'],
        [{ msisdn: LINES[0], amount: 49_999 }, 'b1', 422, 'amount_below_minimum'],
        [{ msisdn: LINES[0], amount: 10_000_001 }, 'b2', 422, 'amount_above_maximum'],
        [{ msisdn: '+15551234567', amount: 50_000 }, 'b3', 422, 'msisdn_invalid'],
        [{ msisdn: '+77019998877', amount: 50_000 }, 'b4', 404, 'line_not_found'],
        [{ msisdn: LINES[0], amount: 50_000, source: 'x' }, 'b5', 400, 'validation_failed'],
        [{ msisdn: LINES[0], amount: 50_000 }, undefined, 400, 'idempotency_key_missing'],
      ];
      for (const [body, key, status, code] of cases) {
        const response = await t.request('POST', '/v1/pos/topups', { token: agent.key, body, headers: key ? { 'idempotency-key': key } : {} });
        assert.equal(response.status, status, JSON.stringify(response.body));
        assert.equal(response.body.error.code, code);
      }
      const admin = await t.request('POST', '/v1/admin/agents/ag_nope/deposits', { body: { amount: 100, reference: 'x' }, headers: { 'idempotency-key': 'd1' } });
      assert.equal(admin.body.error.code, 'agent_not_found');
      assert.equal((await t.request('POST', '/v1/admin/agents', { body: { name: 'X', commissionBasisPoints: 5000 } })).status, 400);
      assert.equal((await t.request('POST', '/v1/admin/agents', { token: agent.key, body: { name: 'X', commissionBasisPoints: 10 } })).body.error.code, 'forbidden');
      assert.equal((await t.request('GET', '/v1/pos/report?date=2026-13-45', { token: agent.key })).body.error.code, 'validation_failed');
      assert.equal((await t.app.ctx.db.selectFrom('ledger_transfers').select('id').execute()).length, before);
    });

    it('a reversal puts back the line\'s last top-up too: a reversed sale is no recent top-up for a promised payment', async () => {
      const agent = await newAgent(0, 10_000_000);
      const msisdn = '+77011000081';
      assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn } })).status, 201);
      assert.equal((await t.request('POST', '/v1/topups', { body: { msisdn, amount: 50_000, currency: 'KZT' }, headers: { 'idempotency-key': 'last-0' } })).status, 201);
      const lastBefore = (await t.app.ctx.db.selectFrom('lines').select('last_topup_at').where('msisdn', '=', msisdn).executeTakeFirstOrThrow()).last_topup_at;
      // 40 days on: old enough for a promised payment, but with no top-up in the last 30 days.
      t.clock.advanceDays(40);
      const offer = async () => (await t.request('GET', `/v1/lines/${msisdn}/promised-payment`)).body.offer;
      assert.deepEqual((await offer()).refusal, { reason: 'no_recent_topup', recentTopupDays: 30 });
      const sale = await posTopUp(agent.key, { msisdn, amount: 50_000 }, 'last-1');
      assert.equal(sale.status, 201, JSON.stringify(sale.body));
      assert.equal((await offer()).available, true);
      const reversed = await t.request('POST', `/v1/pos/topups/${sale.body.topUp.id}/reverse`, { token: agent.key });
      assert.equal(reversed.status, 200, JSON.stringify(reversed.body));
      const line = await t.app.ctx.db.selectFrom('lines').select('last_topup_at').where('msisdn', '=', msisdn).executeTakeFirstOrThrow();
      assert.equal(line.last_topup_at, lastBefore);
      assert.deepEqual((await offer()).refusal, { reason: 'no_recent_topup', recentTopupDays: 30 });
      const take = await t.request('POST', `/v1/lines/${msisdn}/promised-payment`, { body: { amount: 50_000 }, headers: { 'idempotency-key': 'last-credit' } });
      assert.deepEqual([take.status, take.body.error?.details?.reason], [422, 'no_recent_topup']);
      await t.verify();
    });

    it('a sale a promised payment was taken on is not reversed: the payment would stand on no recent top-up', async () => {
      const agent = await newAgent(0, 10_000_000);
      const msisdn = '+77011000082';
      assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn } })).status, 201);
      // Two top-ups at once: valid for 60 days, so still active 40 days on, with no top-up in the last 30.
      for (const key of ['granted-0', 'granted-1']) {
        assert.equal((await t.request('POST', '/v1/topups', { body: { msisdn, amount: 50_000, currency: 'KZT' }, headers: { 'idempotency-key': key } })).status, 201);
      }
      t.clock.advanceDays(40);
      const take = () => t.request('POST', `/v1/lines/${msisdn}/promised-payment`, { body: { amount: 50_000 }, headers: { 'idempotency-key': 'granted-credit' } });
      assert.equal((await take()).body.error?.details?.reason, 'no_recent_topup');
      const sale = await posTopUp(agent.key, { msisdn, amount: 50_000 }, 'granted-sale');
      assert.equal(sale.status, 201, JSON.stringify(sale.body));
      assert.equal((await take()).status, 201, 'the sale is a recent top-up');
      const floatBefore = await balanceOf(`agent:${agent.id}.float`);
      const reversed = await t.request('POST', `/v1/pos/topups/${sale.body.topUp.id}/reverse`, { token: agent.key });
      assert.deepEqual([reversed.status, reversed.body.error?.code], [409, 'topup_already_spent'], JSON.stringify(reversed.body));
      assert.equal(await balanceOf(`agent:${agent.id}.float`), floatBefore);
      await t.verify();
    });
  });
}
