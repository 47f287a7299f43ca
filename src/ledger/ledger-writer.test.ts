import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DIALECTS } from '../../test/support/databases.ts';
import { startTestApp, type TestApp } from '../../test/support/test-app.ts';
import { AccountFlags } from '../domain/ledger.ts';
import { fail, ok } from '../domain/result.ts';
import { ensureAccounts } from './ensure-system-accounts.ts';
import { LedgerWriter, type LedgerCommand } from './ledger-writer.ts';
import { BatchCommitError } from '../store/batch-statements.ts';

for (const dialect of DIALECTS) {
  describe(`ledger writer [${dialect.name}]`, { skip: dialect.skip }, () => {
    let t: TestApp;
    before(async () => {
      t = await startTestApp(dialect.name);
      await ensureAccounts(t.app.store, [
        { id: 'test:source', unit: 'KZT', kind: 'clearing' },
        { id: 'test:wallet', unit: 'KZT', kind: 'line_main', flags: AccountFlags.debitsMustNotExceedCredits },
        { id: 'test:other', unit: 'KZT', kind: 'line_main', flags: AccountFlags.debitsMustNotExceedCredits },
        { id: 'test:data', unit: 'DATA_BYTES', kind: 'bucket' },
      ]);
    });
    after(async () => t?.close());

    const move = (debit: string, credit: string, amount: bigint, key?: string): LedgerCommand<{ id: string }> => ({
      name: 'test-move',
      lock: { accounts: [debit, credit] },
      idempotency: key ? { key, fingerprint: `${debit}>${credit}:${amount}` } : undefined,
      execute(tx) {
        const result = tx.transfer({ debitAccountId: debit, creditAccountId: credit, amount, unit: 'KZT', code: 'test' });
        return result.ok ? ok({ id: result.id }) : fail(result.code);
      },
    });
    const balance = async (id: string) => {
      const row = await t.app.ctx.db.selectFrom('ledger_accounts').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      return BigInt(row.credits_posted) - BigInt(row.debits_posted) - BigInt(row.debits_pending);
    };

    it('shares one transaction among concurrent commands and refuses the one over the limit alone', async () => {
      const { writer } = t.app.ctx;
      await writer.submit(move('test:source', 'test:wallet', 1000n));
      const results = await Promise.all([
        writer.submit(move('test:wallet', 'test:other', 600n)),
        writer.submit(move('test:wallet', 'test:other', 600n)), // would take the wallet below zero
        writer.submit(move('test:wallet', 'test:other', 400n)),
        writer.submit(move('test:source', 'test:other', 5n)),
      ]);
      assert.deepEqual(results.map((r) => r.ok), [true, false, true, true]);
      assert.equal(!results[1]!.ok && results[1]!.error.code, 'exceeds_credits');
      assert.equal(await balance('test:wallet'), 0n);
      assert.equal(await balance('test:other'), 1005n);
      await t.verify();
    });

    it('writes a command\'s transfers all or nothing (a linked group)', async () => {
      const { writer } = t.app.ctx;
      const linked: LedgerCommand<null> = {
        name: 'test-linked', lock: { accounts: ['test:source', 'test:wallet', 'test:other'] },
        execute(tx) {
          const first = tx.transfer({ debitAccountId: 'test:source', creditAccountId: 'test:wallet', amount: 50n, unit: 'KZT', code: 'test' });
          assert.ok(first.ok);
          const second = tx.transfer({ debitAccountId: 'test:wallet', creditAccountId: 'test:other', amount: 10_000n, unit: 'KZT', code: 'test' });
          return second.ok ? ok(null) : fail(second.code);
        },
      };
      const result = await writer.submit(linked);
      assert.equal(!result.ok && result.error.code, 'exceeds_credits');
      assert.equal(await balance('test:wallet'), 0n);
    });

    it('refuses a transfer between accounts of different units', async () => {
      const result = await t.app.ctx.writer.submit({
        name: 'test-units', lock: { accounts: ['test:source', 'test:data'] },
        execute(tx) {
          const moved = tx.transfer({ debitAccountId: 'test:source', creditAccountId: 'test:data', amount: 1n, unit: 'KZT', code: 'test' });
          return moved.ok ? ok(null) : fail(moved.code);
        },
      });
      assert.equal(!result.ok && result.error.code, 'unit_mismatch');
    });

    it('reserves with a pending transfer, then posts or voids it exactly once', async () => {
      const { writer } = t.app.ctx;
      await writer.submit(move('test:source', 'test:wallet', 300n));
      const reserve = (amount: bigint) => writer.submit({
        name: 'test-reserve', lock: { accounts: ['test:wallet', 'test:other'] },
        execute(tx) {
          const moved = tx.transfer({ debitAccountId: 'test:wallet', creditAccountId: 'test:other', amount, unit: 'KZT', code: 'test', pending: true });
          return moved.ok ? ok({ id: moved.id }) : fail(moved.code);
        },
      });
      const resolve = (id: string, action: 'post' | 'void', amount?: bigint) => writer.submit({
        name: 'test-resolve', lock: { accounts: ['test:wallet', 'test:other'], pending: [id] },
        execute(tx) {
          const moved = tx.resolvePending(id, action, 'test', amount);
          return moved.ok ? ok(null) : fail(moved.code);
        },
      });
      const first = await reserve(200n);
      assert.ok(first.ok);
      assert.equal(await balance('test:wallet'), 100n);
      const tooMuch = await reserve(200n);
      assert.equal(!tooMuch.ok && tooMuch.error.code, 'exceeds_credits');
      const [posted, again] = await Promise.all([resolve(first.value.value.id, 'post', 150n), resolve(first.value.value.id, 'void')]);
      assert.equal(posted.ok, true);
      assert.equal(!again.ok && again.error.code, 'pending_transfer_resolved');
      assert.equal(await balance('test:wallet'), 150n);
      const second = await reserve(150n);
      assert.ok(second.ok);
      assert.ok((await resolve(second.value.value.id, 'void')).ok);
      assert.equal(await balance('test:wallet'), 150n);
      const unknown = await resolve('tr_missing', 'post');
      assert.equal(!unknown.ok && unknown.error.code, 'pending_transfer_not_found');
      await t.verify();
    });

    it('answers a repeated idempotency key with the stored result, across batches', async () => {
      const { writer } = t.app.ctx;
      const results = await Promise.all(Array.from({ length: 50 }, () => writer.submit(move('test:source', 'test:other', 7n, 'writer-key'))));
      const later = await writer.submit(move('test:source', 'test:other', 7n, 'writer-key'));
      const ids = new Set([...results, later].map((r) => (r.ok ? r.value.value.id : r.error.code)));
      assert.equal(ids.size, 1);
      assert.equal(results.filter((r) => r.ok && !r.value.replayed).length, 1);
      const reused = await writer.submit(move('test:source', 'test:other', 8n, 'writer-key'));
      assert.equal(!reused.ok && reused.error.code, 'idempotency_key_reused');
    });

    it('a command that throws fails alone with internal_error; its neighbours commit', async () => {
      const { writer } = t.app.ctx;
      const errors: unknown[] = [];
      t.app.ctx.reportError = (error) => errors.push(error);
      const [bad, good] = await Promise.all([
        writer.submit({ name: 'test-bug', lock: {}, execute() { throw new Error('bug'); } }),
        writer.submit(move('test:source', 'test:other', 1n)),
      ]);
      assert.equal(!bad.ok && bad.error.code, 'internal_error');
      assert.equal(good.ok, true);
      assert.equal(errors.length, 1);
    });

    it('a batch the database refuses is retried command by command, and the batches after it go on', async () => {
      const { writer } = t.app.ctx;
      const before = await balance('test:other');
      // Two commands insert the same counter key: whichever batch holds the second fails on the
      // primary key as a whole; run alone, only that command fails. 400 commands fill several chained batches.
      const duplicate = (): LedgerCommand<null> => ({ name: 'test-duplicate', lock: {}, execute(tx) { tx.insert('counters', { key: 'writer-dup', value: 1n }); return ok(null); } });
      const commands = Array.from({ length: 400 }, (_, i) => (i === 150 || i === 151 ? duplicate() : move('test:source', 'test:other', 1n)));
      const results = await Promise.all(commands.map((command) => writer.submit(command as LedgerCommand<unknown>)));
      const failed = results.map((r, i) => [r, i] as const).filter(([r]) => !r.ok);
      assert.equal(failed.length, 1, JSON.stringify(failed));
      assert.ok([150, 151].includes(failed[0]![1]));
      assert.equal(!failed[0]![0].ok && failed[0]![0].error.code, 'unavailable');
      assert.equal(await balance('test:other') - before, 398n);
      await t.verify();
    });

    it('a batch takes commands while their weights fit, and a command heavier than that alone', async () => {
      const sizes: number[] = [];
      const writer = new LedgerWriter(t.app.store, t.app.ctx.clock, t.app.ctx.ids, {
        batchSizeMax: 100, batchWeightMax: 10, queueLengthMax: 1000, observer: { batchCommitted: (size) => sizes.push(size) },
      });
      const weights = [4, 4, 4, 4, 12, 1, 1];
      const results = await Promise.all(weights.map((weight, i) => writer.submit({ ...move('test:source', 'test:other', 1n, `weighed-${i}`), weight })));
      await writer.close();
      assert.deepEqual(results.map((r) => r.ok), weights.map(() => true));
      // 4+4 (a third 4 would make 12), 4+4, 12 alone, 1+1.
      assert.deepEqual(sizes, [2, 2, 1, 2]);
      await t.verify();
    });

    it('a batch read ahead of a commit runs again when its rows may be stale, or when that commit fails', { skip: dialect.name !== 'sqlite' && 'only SQLite reads ahead' }, async () => {
      // The first read-ahead says another process wrote between commit and begin; the third
      // one's commit fails. Every command still commits exactly once, or fails alone.
      let aheads = 0;
      const store: typeof t.app.store = {
        ...t.app.store,
        withBatchConnection: (work) => t.app.store.withBatchConnection((conn) => work({
          ...conn,
          async commitAhead(writes, next) {
            aheads++;
            if (aheads === 3) return Promise.reject(new BatchCommitError(false, new Error('disk full')));
            const ahead = await conn.commitAhead!(writes, next);
            if (aheads !== 1) return ahead;
            // Stale rows indeed: balances that would break the ledger, should the writer use them.
            const stale = ahead.rows.map((rows) => rows.map((row) => ('credits_posted' in row ? { ...row, credits_posted: BigInt(row.credits_posted as bigint) + 1_000_000n } : row)));
            return { rows: stale, committed: ahead.committed.then(() => ({ nextValid: false })) };
          },
        })),
      };
      const writer = new LedgerWriter(store, t.app.ctx.clock, t.app.ctx.ids, { batchSizeMax: 10, queueLengthMax: 1000 });
      const before = await balance('test:other');
      const results = await Promise.all(Array.from({ length: 100 }, (_, i) => writer.submit(move('test:source', 'test:other', 1n, `ahead-${i}`))));
      await writer.close();
      assert.ok(aheads >= 3, `read ahead ${aheads} times`);
      assert.deepEqual(results.map((r) => r.ok), results.map(() => true));
      assert.equal(new Set(results.map((r) => r.ok && r.value.value.id)).size, 100);
      assert.equal(await balance('test:other') - before, 100n);
      await t.verify();
    });

    it('ledger verify sums a unit whose movements add up beyond 2^63, though every account stays within it', async () => {
      const { writer } = t.app.ctx;
      await ensureAccounts(t.app.store, [
        { id: 'test:issuance', unit: 'VOICE_SECONDS', kind: 'issuance' },
        { id: 'test:bucket', unit: 'VOICE_SECONDS', kind: 'bucket' },
        { id: 'test:consumption', unit: 'VOICE_SECONDS', kind: 'consumption' },
      ]);
      const moveUnits = (debit: string, credit: string, amount: bigint): LedgerCommand<{ id: string }> => ({
        name: 'test-move-units', lock: { accounts: [debit, credit] },
        execute(tx) {
          const result = tx.transfer({ debitAccountId: debit, creditAccountId: credit, amount, unit: 'VOICE_SECONDS', code: 'test' });
          return result.ok ? ok({ id: result.id }) : fail(result.code);
        },
      });
      // 2^62 issued and all of it used: each account moved 2^62 at most, the unit's transfers 2^63 in all.
      assert.ok((await writer.submit(moveUnits('test:issuance', 'test:bucket', 2n ** 62n))).ok);
      assert.ok((await writer.submit(moveUnits('test:bucket', 'test:consumption', 2n ** 62n))).ok);
      const { verifyLedger } = await import('./verify-ledger.ts');
      const report = await verifyLedger(t.app.store);
      assert.deepEqual(report.problems, []);
      // A transfer that would take an account's totals past 2^63 − 1, what its BIGINT columns hold,
      // is refused alone with a code; the database never sees it, and its neighbour commits.
      const [over, beside] = await Promise.all([
        writer.submit(moveUnits('test:issuance', 'test:bucket', 2n ** 62n)),
        writer.submit(moveUnits('test:bucket', 'test:consumption', 1n)),
      ]);
      assert.deepEqual(over.ok ? 'committed' : over.error.code, 'amount_above_maximum');
      assert.ok(beside.ok);
      const pending = await writer.submit({
        name: 'test-reserve-units', lock: { accounts: ['test:consumption', 'test:bucket'] },
        execute(tx) {
          const result = tx.transfer({ debitAccountId: 'test:consumption', creditAccountId: 'test:bucket', amount: 2n ** 63n - 1n, unit: 'VOICE_SECONDS', code: 'test', pending: true });
          return result.ok ? ok({ id: result.id }) : fail(result.code);
        },
      });
      assert.deepEqual(pending.ok ? 'committed' : pending.error.code, 'amount_above_maximum');
      assert.deepEqual((await verifyLedger(t.app.store)).problems, []);
    });

    it('ledger verify finds a tampered account total', async () => {
      await t.verify();
      const { db } = t.app.ctx;
      await db.updateTable('ledger_accounts').set({ credits_posted: 999_999n }).where('id', '=', 'test:other').execute();
      const { verifyLedger } = await import('./verify-ledger.ts');
      const report = await verifyLedger(t.app.store);
      assert.equal(report.ok, false);
      assert.ok(report.problems.some((p) => p.check === 'account_totals' && p.subject === 'test:other'));
      assert.ok(report.problems.some((p) => p.check === 'unit_balance' && p.subject === 'KZT'));
      // Put it back so that close() verifies a sound ledger.
      const sums = await db.selectFrom('ledger_transfers').select((eb) => eb.fn.sum<bigint>('amount').as('s')).where('credit_account_id', '=', 'test:other').where('kind', 'in', ['posted', 'post_pending']).executeTakeFirstOrThrow();
      await db.updateTable('ledger_accounts').set({ credits_posted: BigInt(sums.s ?? 0) }).where('id', '=', 'test:other').execute();
      // An account no transfer names must hold nothing; a transfer must name accounts that exist.
      await ensureAccounts(t.app.store, [{ id: 'test:untouched', unit: 'KZT', kind: 'clearing' }]);
      await db.updateTable('ledger_accounts').set({ debits_pending: 5n }).where('id', '=', 'test:untouched').execute();
      await db.insertInto('ledger_transfers').values({
        id: 'tr_test_orphan', debit_account_id: 'test:missing', credit_account_id: 'test:also_missing', amount: 1n, unit: 'KZT', code: 'test', kind: 'posted',
        pending_id: null, link_group: 'grp_test', metadata: null, created_at: t.clock.now().toISOString(),
      }).execute();
      const second = await verifyLedger(t.app.store);
      assert.ok(second.problems.some((p) => p.check === 'account_totals' && p.subject === 'test:untouched'), JSON.stringify(second.problems));
      for (const missing of ['test:missing', 'test:also_missing']) assert.ok(second.problems.some((p) => p.check === 'account_totals' && p.subject === missing && p.details.reason !== undefined));
      await db.deleteFrom('ledger_transfers').where('id', '=', 'tr_test_orphan').execute();
      await db.updateTable('ledger_accounts').set({ debits_pending: 0n }).where('id', '=', 'test:untouched').execute();
    });

    it('ledger verify finds a broken chain of an account\'s transfers', async () => {
      await t.verify();
      const { db } = t.app.ctx;
      const { verifyLedger } = await import('./verify-ledger.ts');
      const chained = (await db.selectFrom('ledger_transfers').selectAll().where('credit_account_id', '=', 'test:other').where('credit_previous_id', 'is not', null).orderBy('id', 'desc').limit(1).executeTakeFirstOrThrow());
      const head = (await db.selectFrom('ledger_accounts').select('last_transfer_id').where('id', '=', 'test:other').executeTakeFirstOrThrow()).last_transfer_id;
      const broken = async () => (await verifyLedger(t.app.store)).problems.filter((p) => p.check === 'transfer_chains').map((p) => p.subject);
      // A link cut (two firsts), a head that is not the newest, a head on another account's transfer.
      await db.updateTable('ledger_transfers').set({ credit_previous_id: null }).where('id', '=', chained.id).execute();
      assert.deepEqual(await broken(), ['test:other']);
      await db.updateTable('ledger_transfers').set({ credit_previous_id: chained.credit_previous_id }).where('id', '=', chained.id).execute();
      await db.updateTable('ledger_accounts').set({ last_transfer_id: chained.credit_previous_id }).where('id', '=', 'test:other').execute();
      assert.deepEqual(await broken(), ['test:other']);
      await db.updateTable('ledger_accounts').set({ last_transfer_id: head }).where('id', '=', 'test:other').execute();
      await ensureAccounts(t.app.store, [{ id: 'test:headless', unit: 'KZT', kind: 'clearing' }]);
      await db.updateTable('ledger_accounts').set({ last_transfer_id: head }).where('id', '=', 'test:headless').execute();
      assert.deepEqual(await broken(), ['test:headless']);
      await db.updateTable('ledger_accounts').set({ last_transfer_id: null }).where('id', '=', 'test:headless').execute();
      assert.deepEqual(await broken(), []);
    });
  });
}
