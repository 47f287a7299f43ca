import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';
import { ManualClock } from '../platform/clock.ts';
import { trialBalance } from './trial-balance.ts';

/** A clock that moves a millisecond at every reading, as a real one does between a batch's start and its transfers' ids. */
class TickingClock extends ManualClock {
  override now(): Date {
    const now = super.now();
    this.advance(1);
    return now;
  }
}

const DAY_START = '2026-12-29T19:00:00.000Z'; // 30 Dec 2026 00:00 in Almaty
const DAY_END = '2026-12-30T19:00:00.000Z'; // 31 Dec 2026 00:00 in Almaty

for (const dialect of DIALECTS) {
  describe(`ledger report at 00:00 Almaty [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let store: { id: string; cashAccountId: string };
    let clerk: string;
    const clock = new TickingClock('2026-12-30T18:50:00.000Z');
    before(async () => {
      t = await startTestApp(dialect.name, {}, clock);
      assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn: '+77471239001' } })).status, 201);
      store = (await t.request('POST', '/v1/admin/stores', { body: { name: 'Almaty Abay 2' } })).body;
      clerk = await t.keyFor('clerk', store.cashAccountId);
    });
    after(async () => t?.close());

    it('counts a sale made in the last milliseconds of an Almaty day in that day, as its receipt and the store\'s day report do', async () => {
      const identification = await t.request('POST', '/v1/counter/identifications', { token: clerk, body: { documentType: 'passport', documentNumber: 'N55554444' } });
      assert.equal(identification.status, 201, JSON.stringify(identification.body));
      const sales: { amount: number; createdAt: string }[] = [];
      for (let before = 30; before >= -10; before -= 2) {
        clock.set(new Date(Date.parse(DAY_END) - before));
        const amount = 100_000 + before + 10;
        const sale = await t.request('POST', '/v1/counter/topups', { token: clerk, body: { msisdn: '+77471239001', amount, tender: 'cash', identificationId: identification.body.id }, headers: { 'idempotency-key': `edge-${before}` } });
        assert.equal(sale.status, 201, JSON.stringify(sale.body));
        sales.push({ amount, createdAt: sale.body.createdAt });
      }
      const ofDay = sales.filter((s) => s.createdAt >= DAY_START && s.createdAt < DAY_END);
      const nextDay = sales.filter((s) => s.createdAt >= DAY_END);
      assert.ok(ofDay.length > 0 && nextDay.length > 0);
      const sum = (list: { amount: number }[]) => BigInt(list.reduce((s, x) => s + x.amount, 0));
      clock.set('2027-01-02T06:00:00.000Z');
      const report = await t.request('GET', '/v1/counter/report?date=2026-12-30', { token: clerk });
      assert.equal(report.status, 200);
      assert.equal(BigInt(report.body.cash.amount), sum(ofDay), 'the store\'s day report counts the sales dated that day');

      const day = await trialBalance(t.app.ctx, new Date(DAY_START), new Date(DAY_END));
      const till = day.rows.find((r) => r.account === store.cashAccountId)!;
      assert.equal(till.debits, sum(ofDay), 'the ledger report\'s day holds the same sales');
      assert.equal(till.closing, -sum(ofDay));
      const next = await trialBalance(t.app.ctx, new Date(DAY_END), new Date(Date.parse(DAY_END) + 86_400_000));
      const tillNext = next.rows.find((r) => r.account === store.cashAccountId)!;
      assert.deepEqual([tillNext.opening, tillNext.debits, tillNext.closing], [-sum(ofDay), sum(nextDay), -sum(sales)]);
      for (const report of [day, next]) {
        for (const row of report.rows) assert.equal(row.opening + row.credits - row.debits, row.closing, row.account);
        for (const total of report.totals) assert.equal(total.debits, total.credits, total.unit);
      }
    });
  });
}
