import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';
import { seedCatalog } from '../catalog/seed-catalog.ts';
import { openStore } from '../store/open-store.ts';
import { trialBalance } from './trial-balance.ts';
import { ensureAccounts } from './ensure-system-accounts.ts';
import { fail, ok } from '../domain/result.ts';

const DAY = 86_400_000;

for (const dialect of DIALECTS) {
  describe(`trial balance [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    let keys = 0;
    before(async () => {
      t = await startTestApp(dialect.name);
      await seedCatalog(t.app.ctx);
      for (const msisdn of ['+77012228801', '+77012228802']) assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn } })).status, 201);
    });
    after(async () => t?.close());
    const topUp = async (msisdn: string, amount: number) => assert.equal((await t.request('POST', '/v1/topups', { body: { msisdn, amount, currency: 'KZT' }, headers: { 'idempotency-key': `tb-${++keys}` } })).status, 201);

    it('gives each account its opening, the period\'s debits and credits, and its closing; debits equal credits', async () => {
      await topUp('+77012228801', 100_000); // before the period
      t.clock.advance(DAY);
      const from = t.clock.now();
      await topUp('+77012228801', 200_000);
      await topUp('+77012228802', 300_000);
      const bought = await t.request('POST', '/v1/purchases', { body: { msisdn: '+77012228802', offering: 'DATA_1GB_7D' }, headers: { 'idempotency-key': `tb-${++keys}` } });
      assert.equal(bought.status, 201, JSON.stringify(bought.body));
      t.clock.advance(DAY);
      const to = t.clock.now();
      await topUp('+77012228802', 400_000); // after the period
      const report = await trialBalance(t.app.ctx, from, to);
      for (const row of report.rows) assert.equal(row.opening + row.credits - row.debits, row.closing, row.account);
      for (const total of report.totals) assert.equal(total.debits, total.credits, `${total.unit}: debits equal credits`);
      const row = (account: string, unit = 'KZT') => report.rows.find((r) => r.account === account && r.unit === unit)!;
      // Subscribers' main balances, summed: the liability the operator holds.
      const price = BigInt(bought.body.paidFromMain);
      assert.deepEqual([row('line_main').opening, row('line_main').credits, row('line_main').debits, row('line_main').closing], [100_000n, 500_000n, price, 600_000n - price]);
      // Cash that came through the API's clearing account in the period (credit-normal balances: cash reads negative).
      assert.deepEqual([row('clearing:api').debits, row('clearing:api').closing], [500_000n, -600_000n]);
      assert.equal(row('revenue:packages').credits, BigInt(bought.body.listPrice));
      assert.ok(report.rows.some((r) => r.account === 'bucket' && r.unit === 'DATA_BYTES' && r.credits > 0n), 'allowances issued to buckets, by unit');
      // The period after `to` is not in it; a period with nothing moved keeps every balance as it was.
      const later = await trialBalance(t.app.ctx, to, new Date(to.getTime() + DAY));
      assert.equal(later.rows.find((r) => r.account === 'line_main')!.credits, 400_000n);
      await t.verify();
    });

    it('sums a kind of line accounts past 2^63 though each account stays within it: units rolled over from bucket to bucket', async () => {
      await ensureAccounts(t.app.store, [
        { id: 'test:issuance:SMS', unit: 'SMS', kind: 'issuance' },
        { id: 'test:bucket-1', unit: 'SMS', kind: 'bucket' },
        { id: 'test:bucket-2', unit: 'SMS', kind: 'bucket' },
      ]);
      const from = t.clock.now();
      const move = (debit: string, credit: string, amount: bigint) => t.app.ctx.writer.submit({
        name: 'test-move-sms', lock: { accounts: [debit, credit] },
        execute(tx) {
          const moved = tx.transfer({ debitAccountId: debit, creditAccountId: credit, amount, unit: 'SMS', code: 'test' });
          return moved.ok ? ok({ id: moved.id }) : fail(moved.code);
        },
      });
      // 2^62 issued to one bucket, then carried over into the next period's: the buckets were credited 2^63 in all.
      assert.ok((await move('test:issuance:SMS', 'test:bucket-1', 2n ** 62n)).ok);
      assert.ok((await move('test:bucket-1', 'test:bucket-2', 2n ** 62n)).ok);
      t.clock.advance(1);
      const report = await trialBalance(t.app.ctx, from, t.clock.now());
      const buckets = report.rows.find((r) => r.account === 'bucket' && r.unit === 'SMS')!;
      assert.deepEqual([buckets.opening, buckets.credits, buckets.debits, buckets.closing], [0n, 2n ** 63n, 2n ** 62n, 2n ** 62n]);
      assert.deepEqual(report.totals.find((total) => total.unit === 'SMS'), { unit: 'SMS', debits: 2n ** 63n, credits: 2n ** 63n });
    });

    it('reads one state of the ledger: taken (as `tolem ledger report` does, on a store of its own) while top-ups commit, every report from the first transfer on opens at zero and balances', async () => {
      t.clock.advance(DAY); // a new day of top-up limits
      const cli = { store: await openStore(t.app.store.url) };
      const start = new Date(0);
      const end = new Date(t.clock.now().getTime() + 365 * DAY);
      let writing = true;
      let reports = 0;
      // Waves go on until three reports have been taken among them (a slow machine may take one report per
      // ten waves), each ten waves on a new day of top-up limits.
      const topUps = (async () => {
        for (let wave = 0; wave < 10 || (reports < 3 && wave < 200); wave++) {
          if (wave > 0 && wave % 10 === 0) t.clock.advance(DAY);
          await Promise.all(Array.from({ length: 40 }, (_, i) => topUp(i % 2 ? '+77012228801' : '+77012228802', 50_000 + (wave % 10) * 40 + i)));
        }
      })().finally(() => { writing = false; });
      try {
        while (writing) {
          const report = await trialBalance(cli, start, end);
          for (const row of report.rows) assert.equal(row.opening, 0n, `${row.account} ${row.unit} opens at zero in report ${reports}`);
          for (const total of report.totals) assert.equal(total.debits, total.credits, `${total.unit}: debits equal credits in report ${reports}`);
          reports++;
        }
      } finally {
        await topUps;
        await cli.store.close();
      }
      assert.ok(reports >= 3, `reports taken while writing: ${reports}`);
      await t.verify();
    });
  });
}
