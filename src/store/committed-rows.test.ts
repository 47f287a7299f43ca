import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import Sqlite from 'better-sqlite3';
import type { BatchOpen, BatchWrite } from './batch-statements.ts';
import { CommittedRows } from './committed-rows.ts';
import { migrateToLatest, openStore } from './open-store.ts';
import { mayChange } from './sqlite-worker-dialect.ts';

const COLUMNS = ['id', 'unit', 'credits_posted', 'last_transfer_id'];
const read = (keys: string[]) => ({ kind: 'rows', table: 'ledger_accounts', columns: COLUMNS, key: 'id', keys, lock: true }) as const;

describe('committed rows of the SQLite writer (pure)', () => {
  it('holds the rows of its reads, and sets its own updates in them; inserts with every column are known whole', () => {
    const known = new CommittedRows('ledger_accounts', 'id', 10);
    known.validate(1);
    const first = { id: 'a', unit: 'KZT', credits_posted: 5n, last_transfer_id: null };
    known.remember(read(['a']), [first]);
    assert.equal(known.get('a'), first);
    known.apply([{ kind: 'update', table: 'ledger_accounts', key: 'id', columns: ['credits_posted', 'last_transfer_id'], rows: [[7n, 'tr_1', 'a'], [9n, 'tr_2', 'unknown']] }]);
    assert.deepEqual(known.get('a'), { id: 'a', unit: 'KZT', credits_posted: 7n, last_transfer_id: 'tr_1' });
    assert.deepEqual(first, { id: 'a', unit: 'KZT', credits_posted: 5n, last_transfer_id: null }, 'a row handed out is never changed');
    assert.equal(known.get('unknown'), undefined, 'an update of a row it does not know stays unknown');
    known.apply([
      { kind: 'insert', table: 'ledger_accounts', columns: [...COLUMNS, 'metadata'], rows: [['b', 'SMS', 3n, null, '{}']] },
      { kind: 'insert', table: 'ledger_accounts', columns: ['id', 'unit'], rows: [['c', 'SMS']] },
      { kind: 'insert', table: 'counters', columns: ['key', 'value'], rows: [['d', 1n]] },
    ]);
    assert.deepEqual(known.get('b'), { id: 'b', unit: 'SMS', credits_posted: 3n, last_transfer_id: null }, 'the columns its reads have, no more');
    assert.equal(known.get('c'), undefined, 'an insert without every column is not known');
    assert.equal(known.get('d'), undefined);
    assert.equal(known.serves({ ...read(['a']), columns: ['id', 'unit'] }), false, 'a read of other columns goes to the database');
  });

  it('forgets everything at another version, on an upsert of its table, or an update by another key or of other columns', () => {
    const known = new CommittedRows('ledger_accounts', 'id', 10);
    const fill = () => known.remember(read(['a']), [{ id: 'a', unit: 'KZT', credits_posted: 1n, last_transfer_id: null }]);
    known.validate(1);
    fill();
    known.validate(1);
    assert.ok(known.get('a'));
    known.validate(2);
    assert.equal(known.get('a'), undefined);
    assert.equal(known.isValidAt(2), true);
    const forgetting: BatchWrite[] = [
      { kind: 'insert', table: 'ledger_accounts', columns: COLUMNS, rows: [['c', 'KZT', 1n, null]], upsertKey: 'id' },
      { kind: 'update', table: 'ledger_accounts', key: 'owner_id', columns: ['credits_posted'], rows: [[1n, 'x']] },
      { kind: 'update', table: 'ledger_accounts', key: 'id', columns: ['metadata'], rows: [['{}', 'a']] },
    ];
    for (const write of forgetting) {
      fill();
      known.apply([write]);
      assert.equal(known.get('a'), undefined, JSON.stringify(write, (_, v) => (typeof v === 'bigint' ? String(v) : v)));
    }
    fill();
    known.forget();
    assert.equal(known.get('a'), undefined);
    assert.equal(known.isValidAt(2), false);
  });

  it('keeps at most its limit, dropping those remembered first', () => {
    const known = new CommittedRows('ledger_accounts', 'id', 8);
    known.remember(read([]), Array.from({ length: 9 }, (_, i) => ({ id: `r${i}`, unit: 'KZT', credits_posted: 0n, last_transfer_id: null })));
    assert.equal(known.get('r0'), undefined);
    assert.ok(known.get('r8'));
  });

  it('serves reads of its table by its key alone', () => {
    const known = new CommittedRows('ledger_accounts', 'id', 8);
    assert.equal(known.serves(read(['a'])), true);
    assert.equal(known.serves({ ...read(['a']), columns: '*' }), false);
    assert.equal(known.serves({ ...read(['a']), table: 'lines' }), false);
    assert.equal(known.serves({ ...read(['a']), also: { column: 'kind', value: 'bucket' } }), false);
    assert.equal(known.serves({ kind: 'counters', keys: ['a'] }), false);
  });

  it('tells which statements sent through Kysely may change the table', () => {
    for (const sql of ['update "ledger_accounts" set "credits_posted" = ?', 'delete from "ledger_accounts" where id = ?', 'insert into "ledger_accounts" (id) values (?) on conflict ("id") do update set x = 1', 'INSERT OR REPLACE INTO ledger_accounts VALUES (?)', '  update ledger_accounts set last_transfer_id = heads.id from heads', 'UPDATE LEDGER_ACCOUNTS SET credits_posted = 1']) {
      assert.equal(mayChange(sql, 'ledger_accounts'), true, sql);
    }
    for (const sql of ['select * from "ledger_accounts"', 'insert into "ledger_accounts" ("id") values (?)', 'insert into "ledger_accounts" ("id") values (?) on conflict ("id") do nothing', 'update "lines" set "status" = ?']) {
      assert.equal(mayChange(sql, 'ledger_accounts'), false, sql);
    }
  });
});

describe('committed rows on a SQLite file', () => {
  it('a batch sees an account changed by another connection, or through Kysely, never the remembered row', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'tolem-known-'));
    const store = await openStore(`sqlite:${join(folder, 't.db')}`);
    try {
      await migrateToLatest(store);
      for (const id of ['acct', 'other']) {
        await store.db.insertInto('ledger_accounts').values({
          id, unit: 'KZT', kind: 'clearing', owner_id: null, flags: 0n, debits_posted: 0n, credits_posted: 10n, debits_pending: 0n, credits_pending: 0n,
          expires_at: null, last_transfer_id: null, metadata: null, created_at: '2026-01-01T00:00:00.000Z',
        }).execute();
      }
      const opening = (id: string): BatchOpen => ({ lockKeys: [], reads: [read([id])] });
      const write = (credits: bigint): BatchWrite => ({ kind: 'update', table: 'ledger_accounts', key: 'id', columns: ['credits_posted'], rows: [[credits, 'acct']] });
      const credits = (rows: Record<string, unknown>[][]) => BigInt(rows[0]![0]!.credits_posted as bigint);
      // A chain whose first batch reads another account, and whose second reads `acct` ahead of the
      // first's commit: from what the writer knows of it, when it knows it.
      const chained = async (set: bigint | null) => store.withBatchConnection(async (conn) => {
        await conn.open(opening('other'));
        const ahead = await conn.commitAhead!([], opening('acct'));
        assert.equal((await ahead.committed).nextValid, true);
        await conn.commit(set === null ? [] : [write(set)]);
        return credits(ahead.rows);
      });
      assert.equal(await chained(11n), 10n);
      assert.equal(await chained(null), 11n, 'its own write, known');
      // Another connection (another process) changes the account: data_version moves.
      const other = new Sqlite(join(folder, 't.db'));
      other.prepare('update ledger_accounts set credits_posted = 50 where id = ?').run('acct');
      other.close();
      assert.equal(await chained(null), 50n);
      // Kysely on the writer's own connection: data_version stays, the statement itself forgets.
      await store.db.updateTable('ledger_accounts').set({ credits_posted: 70n }).where('id', '=', 'acct').execute();
      assert.equal(await chained(null), 70n);
      // A failed batch rolls back, and what it wrote is forgotten with it.
      await assert.rejects(store.withBatchConnection(async (conn) => {
        await conn.open(opening('other'));
        try {
          await conn.commitAhead!([write(99n), { kind: 'insert', table: 'no_such_table', columns: ['x'], rows: [[1]] }], opening('acct'));
        } catch (error) {
          // As the writer does after any failed round trip.
          await conn.rollback();
          throw error;
        }
      }));
      assert.equal(await chained(null), 70n);
      // A write the cache does not follow (an upsert of an account) empties it; the batch commits as any other.
      const upsert: BatchWrite = { kind: 'insert', table: 'ledger_accounts', upsertKey: 'id', columns: ['id', 'unit', 'kind', 'flags', 'debits_posted', 'credits_posted', 'debits_pending', 'credits_pending', 'created_at'], rows: [['acct', 'KZT', 'clearing', 0n, 0n, 80n, 0n, 0n, '2026-01-01T00:00:00.000Z']] };
      const upserted = await store.withBatchConnection(async (conn) => {
        await conn.open(opening('acct'));
        const ahead = await conn.commitAhead!([upsert], opening('acct'));
        const outcome = await ahead.committed;
        await conn.commit([]);
        return [outcome.nextValid, credits(ahead.rows)];
      });
      assert.deepEqual(upserted, [true, 80n]);
      assert.equal(await chained(null), 80n);
    } finally {
      await store.close();
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
