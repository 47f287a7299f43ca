import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';

for (const dialect of DIALECTS) {
  describe(`top-ups [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(dialect.name);
      for (const msisdn of ['+77011234567', '+77051112233', '+77071112233', '+77771112233']) {
        assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn } })).status, 201);
      }
    });
    after(async () => t?.close());

    const topUp = (body: unknown, key: string, token?: string) => t.request('POST', '/v1/topups', { body, token, headers: { 'idempotency-key': key } });

    it('credits the main balance, activates the line, extends validity and numbers the receipt', async () => {
      const response = await topUp({ msisdn: '8 701 123 45 67', amount: 100_000, currency: 'KZT' }, 'first');
      assert.equal(response.status, 201);
      assert.equal(response.body.amount, 100_000);
      assert.match(response.body.receiptNumber, /^R-\d{4}-\d{8}$/);
      assert.equal(response.body.balanceAfter.main, 100_000);
      assert.equal(response.body.line.status, 'active');
      const expected = new Date(t.clock.now().getTime() + 30 * 86_400_000).toISOString();
      assert.equal(response.body.line.validUntil, expected);
      const line = await t.request('GET', '/v1/lines/+77011234567');
      assert.equal(line.body.balance.main, 100_000);
      assert.equal(line.body.status, 'active');
      const outbox = await t.app.ctx.db.selectFrom('outbox').selectAll().where('topic', '=', 'topup.succeeded').execute();
      assert.equal(outbox.length, 1);
    });

    it('an admin\'s top-up is audited once, its replay not again (logged in, or naming its source); an integration\'s key\'s is not', async () => {
      assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn: '+77081112233' } })).status, 201);
      assert.equal((await t.request('POST', '/v1/users', { body: { login: 'cashdesk-admin', password: 'admin-pass-123', role: 'admin' } })).status, 201);
      const session = (await t.request('POST', '/v1/auth/login', { token: null, body: { login: 'cashdesk-admin', password: 'admin-pass-123' } })).body.token as string;
      for (let attempt = 0; attempt < 2; attempt += 1) {
        assert.equal((await topUp({ msisdn: '+77081112233', amount: 70_000, currency: 'KZT', source: 'clearing:api' }, 'audited-admin')).status, 201);
        assert.equal((await topUp({ msisdn: '+77081112233', amount: 60_000, currency: 'KZT' }, 'audited-session', session)).status, 201);
      }
      const partner = await t.keyFor('partner');
      assert.equal((await topUp({ msisdn: '+77081112233', amount: 50_000, currency: 'KZT' }, 'audited-partner', partner)).status, 201);
      assert.equal((await topUp({ msisdn: '+77081112233', amount: 55_000, currency: 'KZT' }, 'audited-integration')).status, 201);
      const topUps = await t.app.ctx.db.selectFrom('topups').select(['id', 'amount']).where('msisdn', '=', '+77081112233').orderBy('id').execute();
      const audit = await t.app.ctx.db.selectFrom('audit_log').selectAll().where('action', '=', 'topup.create').where('target', 'in', topUps.map((row) => row.id)).execute();
      const byTarget = new Map(audit.map((row) => [row.target, row]));
      assert.equal(audit.length, 2, 'the admins\', each once');
      for (const amount of [70_000, 60_000]) {
        const row = byTarget.get(topUps.find((topUp) => Number(topUp.amount) === amount)!.id);
        assert.equal(row?.actor_role, 'admin');
        assert.deepEqual(JSON.parse(row!.details!), { amount, source: 'clearing:api' });
      }
    });

    it('extends validity from the current end when it is later than now', async () => {
      const first = await topUp({ msisdn: '+77051112233', amount: 50_000, currency: 'KZT' }, 'v1');
      const second = await topUp({ msisdn: '+77051112233', amount: 50_000, currency: 'KZT' }, 'v2');
      const delta = new Date(second.body.line.validUntil).getTime() - new Date(first.body.line.validUntil).getTime();
      assert.equal(delta, 30 * 86_400_000);
    });

    it('keeps on the line when it was first and last topped up', async () => {
      const window = () => t.app.ctx.db.selectFrom('lines').select(['first_topup_at', 'last_topup_at']).where('msisdn', '=', '+77771112233').executeTakeFirstOrThrow();
      assert.deepEqual(await window(), { first_topup_at: null, last_topup_at: null });
      const first = await topUp({ msisdn: '+77771112233', amount: 50_000, currency: 'KZT' }, 'window-1');
      t.clock.advanceDays(3);
      const second = await topUp({ msisdn: '+77771112233', amount: 50_000, currency: 'KZT' }, 'window-2');
      assert.notEqual(first.body.createdAt, second.body.createdAt);
      assert.deepEqual(await window(), { first_topup_at: first.body.createdAt, last_topup_at: second.body.createdAt });
      // A batch whose clock is behind (another process's, a clock step) moves neither time back.
      t.clock.advanceDays(-1);
      assert.equal((await topUp({ msisdn: '+77771112233', amount: 50_000, currency: 'KZT' }, 'window-3')).status, 201);
      t.clock.advanceDays(1);
      assert.deepEqual(await window(), { first_topup_at: first.body.createdAt, last_topup_at: second.body.createdAt });
    });

    it('200 concurrent requests with one key credit once and all get the same answer', async () => {
      const before = (await t.request('GET', '/v1/lines/+77071112233')).body.balance.main;
      const responses = await Promise.all(Array.from({ length: 200 }, () => topUp({ msisdn: '+77071112233', amount: 70_000, currency: 'KZT' }, 'same-key')));
      assert.ok(responses.every((r) => r.status === 201), JSON.stringify(responses.find((r) => r.status !== 201)?.body));
      assert.equal(new Set(responses.map((r) => r.body.id)).size, 1);
      assert.equal(new Set(responses.map((r) => r.body.receiptNumber)).size, 1);
      const after = (await t.request('GET', '/v1/lines/+77071112233')).body.balance.main;
      assert.equal(after - before, 70_000);
      await t.verify();
    });

    it('the same key with a different body is idempotency_key_reused and changes nothing', async () => {
      const response = await topUp({ msisdn: '+77071112233', amount: 80_000, currency: 'KZT' }, 'same-key');
      assert.equal(response.status, 409);
      assert.equal(response.body.error.code, 'idempotency_key_reused');
    });

    it('1,000 concurrent top-ups with distinct keys credit exactly their sum, with gapless receipts', async () => {
      const lines = ['+77011234567', '+77051112233', '+77071112233', '+77771112233'];
      const balance = async () => {
        let sum = 0;
        for (const msisdn of lines) sum += (await t.request('GET', `/v1/lines/${msisdn}`)).body.balance.main;
        return sum;
      };
      const before = await balance();
      const responses = await Promise.all(Array.from({ length: 1000 }, (_, i) =>
        topUp({ msisdn: lines[i % lines.length], amount: 50_000 + (i % 7), currency: 'KZT' }, `bulk-${i}`)));
      assert.ok(responses.every((r) => r.status === 201), JSON.stringify(responses.find((r) => r.status !== 201)?.body));
      const expected = responses.reduce((sum, r) => sum + r.body.amount, 0);
      assert.equal(await balance() - before, expected);
      const receipts = await t.app.ctx.db.selectFrom('receipts').select('number').execute();
      const sequence = receipts.map((r) => Number(r.number.split('-')[2])).sort((a, b) => a - b);
      assert.deepEqual(sequence, Array.from({ length: sequence.length }, (_, i) => i + 1));
      await t.verify();
    });

    it('a request over the daily limit fails alone inside a batch whose others commit', async () => {
      await t.request('POST', '/v1/lines', { body: { msisdn: '+77781112233' } });
      await t.request('POST', '/v1/lines', { body: { msisdn: '+77761112233' } });
      // 3 × 100,000 ₸ fill the 300,000 ₸ daily limit, so one of these four requests cannot fit;
      // the request for the other line shares the batch and commits.
      const requests = [10_000_000, 10_000_000, 10_000_000, 50_000].map((amount, i) => ({ amount, key: `day-${i}` }));
      const [other, ...answers] = await Promise.all([
        topUp({ msisdn: '+77761112233', amount: 50_000, currency: 'KZT' }, 'day-other'),
        ...requests.map((r) => topUp({ msisdn: '+77781112233', amount: r.amount, currency: 'KZT' }, r.key)),
      ]);
      assert.equal(other!.status, 201);
      const refused = answers.filter((a) => a.status !== 201);
      assert.equal(refused.length, 1);
      assert.equal(refused[0]!.status, 422);
      assert.equal(refused[0]!.body.error.code, 'daily_limit_exceeded');
      const credited = answers.filter((a) => a.status === 201).reduce((sum, a) => sum + a.body.amount, 0);
      assert.ok(credited <= 30_000_000);
      assert.equal((await t.request('GET', '/v1/lines/+77781112233')).body.balance.main, credited);
      assert.equal(refused[0]!.body.error.details.remaining, 30_000_000 - credited);
      // The next day (Almaty time) the limit starts again.
      t.clock.advanceDays(1);
      assert.equal((await topUp({ msisdn: '+77781112233', amount: 50_000, currency: 'KZT' }, 'day-6')).status, 201);
      await t.verify();
    });

    it('refuses bad amounts, currencies, numbers and keys with their codes and writes nothing', async () => {
      const transfersBefore = (await t.app.ctx.db.selectFrom('ledger_transfers').select('id').execute()).length;
      const cases: [unknown, string | undefined, number, string][] = [
        [{ msisdn: '+77011234567', amount: 0, currency: 'KZT' }, 'k0', 422, 'amount_invalid'],
        [{ msisdn: '+77011234567', amount: -500, currency: 'KZT' }, 'k1', 422, 'amount_invalid'],
        [{ msisdn: '+77011234567', amount: 50_000.5, currency: 'KZT' }, 'k2', 422, 'amount_invalid'],
        [{ msisdn: '+77011234567', amount: '50000', currency: 'KZT' }, 'k3', 400, 'validation_failed'],
        [{ msisdn: '+77011234567', amount: 49_999, currency: 'KZT' }, 'k4', 422, 'amount_below_minimum'],
        [{ msisdn: '+77011234567', amount: 10_000_001, currency: 'KZT' }, 'k5', 422, 'amount_above_maximum'],
        [{ msisdn: '+77011234567', amount: 1e300, currency: 'KZT' }, 'k6', 422, 'amount_invalid'],
        [{ msisdn: '+77011234567', amount: 50_000, currency: 'USD' }, 'k7', 422, 'currency_unsupported'],
        [{ msisdn: '+15551234567', amount: 50_000, currency: 'KZT' }, 'k8', 422, 'msisdn_invalid'],
        [{ msisdn: '+77019998877', amount: 50_000, currency: 'KZT' }, 'k9', 404, 'line_not_found'],
        [{ msisdn: '+77011234567', amount: 50_000, currency: 'KZT', bonus: 1 }, 'k10', 400, 'validation_failed'],
        [{ msisdn: '+77011234567', currency: 'KZT' }, 'k11', 400, 'validation_failed'],
        [{ msisdn: '+77011234567', amount: 50_000, currency: 'KZT' }, undefined, 400, 'idempotency_key_missing'],
        [{ msisdn: '+77011234567', amount: 50_000, currency: 'KZT' }, 'has space', 400, 'idempotency_key_invalid'],
      ];
      for (const [body, key, status, code] of cases) {
        const response = await t.request('POST', '/v1/topups', { body, headers: key ? { 'idempotency-key': key } : {} });
        assert.equal(response.status, status, `${JSON.stringify(body)} → ${JSON.stringify(response.body)}`);
        assert.equal(response.body.error.code, code);
      }
      const transfersAfter = (await t.app.ctx.db.selectFrom('ledger_transfers').select('id').execute()).length;
      assert.equal(transfersAfter, transfersBefore);
    });

    it('only trusted roles may top up; a subscriber or a missing key may not', async () => {
      const partner = await t.keyFor('partner');
      assert.equal((await topUp({ msisdn: '+77011234567', amount: 50_000, currency: 'KZT' }, 'partner-1', partner)).status, 201);
      const clerk = await t.keyFor('clerk');
      assert.equal((await topUp({ msisdn: '+77011234567', amount: 50_000, currency: 'KZT' }, 'clerk-1', clerk)).body.error.code, 'forbidden');
      const agent = await t.keyFor('agent');
      const denied = await topUp({ msisdn: '+77011234567', amount: 50_000, currency: 'KZT' }, 'agent-1', agent);
      assert.equal(denied.status, 403);
      assert.equal(denied.body.error.code, 'forbidden');
      const anonymous = await t.request('POST', '/v1/topups', { token: null, body: { msisdn: '+77011234567', amount: 50_000, currency: 'KZT' }, headers: { 'idempotency-key': 'anon' } });
      assert.equal(anonymous.status, 401);
      assert.equal(anonymous.body.error.code, 'unauthenticated');
    });

    it('reactivates a suspended line and refuses a terminated one', async () => {
      const { ctx } = t.app;
      await ctx.db.updateTable('lines').set({ status: 'suspended' }).where('msisdn', '=', '+77771112233').execute();
      const reactivated = await topUp({ msisdn: '+77771112233', amount: 50_000, currency: 'KZT' }, 'react-1');
      assert.equal(reactivated.body.line.status, 'active');
      await ctx.db.updateTable('lines').set({ status: 'terminated' }).where('msisdn', '=', '+77771112233').execute();
      const refused = await topUp({ msisdn: '+77771112233', amount: 50_000, currency: 'KZT' }, 'react-2');
      assert.equal(refused.status, 409);
      assert.equal(refused.body.error.code, 'line_terminated');
    });

    it('grants the top-up bonus from 5,000 ₸ to the bonus balance, paid by expense:promotions', async () => {
      await t.request('POST', '/v1/lines', { body: { msisdn: '+77021112233' } });
      const promotionsSpent = async () => {
        const account = await t.app.ctx.db.selectFrom('ledger_accounts').selectAll().where('id', '=', 'expense:promotions').executeTakeFirstOrThrow();
        return BigInt(account.debits_posted) - BigInt(account.credits_posted);
      };
      const spentBefore = await promotionsSpent();
      const small = await topUp({ msisdn: '+77021112233', amount: 499_900, currency: 'KZT' }, 'bonus-0');
      assert.equal(small.body.bonus, 0);
      const large = await topUp({ msisdn: '+77021112233', amount: 1_000_000, currency: 'KZT' }, 'bonus-1');
      assert.equal(large.status, 201);
      assert.equal(large.body.bonus, 100_000);
      assert.deepEqual(large.body.balanceAfter, { main: 1_499_900, bonus: 100_000 });
      const line = await t.request('GET', '/v1/lines/+77021112233');
      assert.deepEqual(line.body.balance, { main: 1_499_900, bonus: 100_000 });
      // A later top-up too small for a bonus still reports the bonus balance it leaves.
      const after = await topUp({ msisdn: '+77021112233', amount: 50_000, currency: 'KZT' }, 'bonus-2');
      assert.equal(after.body.bonus, 0);
      assert.deepEqual(after.body.balanceAfter, { main: 1_549_900, bonus: 100_000 });
      assert.equal(await promotionsSpent() - spentBefore, 100_000n);
      await t.verify();
    });

    it('lists a line\'s transactions newest first with a cursor', async () => {
      const first = await t.request('GET', '/v1/lines/+77051112233/transactions?limit=2');
      assert.equal(first.status, 200);
      assert.equal(first.body.data.length, 2);
      assert.ok(first.body.data.every((tr: { code: string; amount: number }) => tr.code === 'topup' && tr.amount > 0));
      const second = await t.request('GET', `/v1/lines/+77051112233/transactions?limit=2&cursor=${first.body.nextCursor}`);
      assert.ok(second.body.data.length > 0);
      assert.ok(second.body.data[0].id < first.body.data[1].id);
    });

    it('names each top-up\'s and each purchase\'s receipt in the line\'s history', async () => {
      const msisdn = '+77051234321';
      assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn } })).status, 201);
      const topUp = await t.request('POST', '/v1/topups', { body: { msisdn, amount: 300_000, currency: 'KZT' }, headers: { 'idempotency-key': 'history-receipt-1' } });
      assert.equal(topUp.status, 201);
      await t.request('POST', '/v1/admin/offerings', { body: { code: 'HIST_1GB', kind: 'data', price: 100_000, validityDays: 7, stacks: false, allowances: { dataGb: 1 }, names: { en: '1 GB', ru: '1 ГБ', kk: '1 ГБ', zh: '1 GB' } } });
      const bought = await t.request('POST', '/v1/purchases', { body: { msisdn, offering: 'HIST_1GB' }, headers: { 'idempotency-key': 'history-receipt-2' } });
      assert.equal(bought.status, 201);
      const history = await t.request('GET', `/v1/lines/${msisdn}/transactions?limit=10`);
      const receipts = history.body.data.filter((tr: { unit: string }) => tr.unit === 'KZT').map((tr: { code: string; receipt: string | null }) => [tr.code, tr.receipt]);
      assert.deepEqual(receipts, [['package_purchase', bought.body.receiptNumber], ['topup', topUp.body.receiptNumber]]);
      assert.notEqual(bought.body.receiptNumber, topUp.body.receiptNumber);
      // A refused purchase takes no receipt number: the next one follows on.
      assert.equal((await t.request('POST', '/v1/purchases', { body: { msisdn, offering: 'HIST_1GB' }, headers: { 'idempotency-key': 'history-receipt-3' } })).body.error.code, 'package_already_active');
      const next = await t.request('POST', '/v1/topups', { body: { msisdn, amount: 50_000, currency: 'KZT' }, headers: { 'idempotency-key': 'history-receipt-4' } });
      const sequence = (number: string) => Number(number.slice(-8));
      assert.equal(sequence(next.body.receiptNumber), sequence(bought.body.receiptNumber) + 1);
      await t.verify();
    });

    it('a line topped up past a daily limit lowered since (TOPUP_LINE_DAILY_MAX_KZT at a restart) is told nothing remains, never a negative sum', async () => {
      const msisdn = '+77781119911';
      assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn } })).status, 201);
      for (let i = 0; i < 3; i++) assert.equal((await topUp({ msisdn, amount: 10_000_000, currency: 'KZT' }, `lowered-${i}`)).status, 201);
      const { topup } = t.app.ctx.settings;
      t.app.ctx.settings.topup = { ...topup, lineDailyMax: 20_000_000n };
      try {
        const refused = await topUp({ msisdn, amount: 50_000, currency: 'KZT' }, 'lowered-3');
        assert.equal(refused.status, 422);
        assert.deepEqual([refused.body.error.code, refused.body.error.details.remaining], ['daily_limit_exceeded', 0]);
        const card = await t.request('POST', '/v1/payments', { token: null, body: { msisdn, amount: 50_000, currency: 'KZT', purpose: 'topup', provider: 'sandbox' }, headers: { 'idempotency-key': 'lowered-card' } });
        assert.deepEqual([card.body.error?.code, card.body.error?.details?.remaining], ['daily_limit_exceeded', 0], JSON.stringify(card.body));
      } finally {
        t.app.ctx.settings.topup = topup;
      }
      await t.verify();
    });

    it('a batch whose clock is still on the day before (another process\'s, at Almaty midnight) counts against the later day recorded, so no day takes more than the limit', async () => {
      const msisdn = '+77781119900';
      assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn } })).status, 201);
      const used = async () => t.app.ctx.db.selectFrom('lines').select(['daily_topup_date', 'daily_topup_amount']).where('msisdn', '=', msisdn).executeTakeFirstOrThrow();
      // Two seconds after an Almaty midnight (19:00 UTC): the new day's limit is filled.
      const midnight = new Date(Date.UTC(2027, 2, 10, 19, 0, 0));
      t.clock.set(new Date(midnight.getTime() + 2_000));
      for (let i = 0; i < 3; i++) assert.equal((await topUp({ msisdn, amount: 10_000_000, currency: 'KZT' }, `midnight-a${i}`)).status, 201);
      // A batch planned a second before midnight (another process's, which waited for the line's lock).
      t.clock.set(new Date(midnight.getTime() - 1_000));
      const late = await topUp({ msisdn, amount: 10_000_000, currency: 'KZT' }, 'midnight-b');
      assert.equal(late.status, 422);
      assert.equal(late.body.error.code, 'daily_limit_exceeded');
      // A card payment's check before charging reads the day alike, rather than charge and refund.
      const card = await t.request('POST', '/v1/payments', { token: null, body: { msisdn, amount: 10_000_000, currency: 'KZT', purpose: 'topup', provider: 'sandbox' }, headers: { 'idempotency-key': 'midnight-card' } });
      assert.equal(card.body.error?.code, 'daily_limit_exceeded', JSON.stringify(card.body));
      t.clock.set(new Date(midnight.getTime() + 3_000));
      const again = await topUp({ msisdn, amount: 10_000_000, currency: 'KZT' }, 'midnight-c');
      assert.equal(again.status, 422, 'the new day\'s 300,000 ₸ were already topped up');
      assert.equal(again.body.error.code, 'daily_limit_exceeded');
      assert.deepEqual(await used(), { daily_topup_date: '2027-03-11', daily_topup_amount: 30_000_000n });
      await t.verify();
    });
  });
}
