import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { CompiledQuery, sql } from 'kysely';
import pg from 'pg';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../../test/support/databases.ts';
import { BatchCommitError, type BatchWrite } from './batch-statements.ts';
import { migrateToLatest, openStore, type Store } from './open-store.ts';
import { keyHash64, quote } from './postgres-batch.ts';
import { LINE_IDS_BY_NUMBER } from '../lines/lines-repository.ts';
import { LINES_BY_NUMBER, OPEN_BUCKETS, RECORDED_EVENT_IDS, TARIFF_PERIODS } from '../usage/usage-repository.ts';

/** Strings that have broken hand-written SQL quoting elsewhere: quotes, backslashes, both, scripts. */
const AWKWARD = ["O'Brien", "it''s", 'back\\slash', "\\'; drop table counters; --", '\\\\', "E'x'", 'Қайтару 退款 🙂', '', '$1 ? :x'];

const counterRow = (key: string, value: bigint): BatchWrite => ({ kind: 'insert', table: 'counters', columns: ['key', 'value'], rows: [[key, value]], upsertKey: 'key' });

describe('batch statement helpers (pure)', () => {
  it('quotes strings as pg.escapeLiteral does', () => {
    for (const text of AWKWARD) assert.equal(quote(text), pg.escapeLiteral(text), text);
    assert.throws(() => quote('a\u0000b'));
  });
  it('hashes lock keys as 64-bit FNV-1a does', () => {
    const reference = (key: string) => {
      let hash = 0xcbf29ce484222325n;
      for (let index = 0; index < key.length; index++) hash = ((hash ^ BigInt(key.charCodeAt(index))) * 0x100000001b3n) & 0xffffffffffffffffn;
      return BigInt.asIntN(64, hash);
    };
    for (const key of ['', 'a', 'topup:key_01J:9f3c', 'Қ退🙂', 'x'.repeat(300), ...AWKWARD]) assert.equal(keyHash64(key), reference(key), key);
  });
});

describe('an in-memory SQLite store', () => {
  it('reads rows by a list of keys through its one connection', async () => {
    const store = await openStore('sqlite::memory:');
    try {
      await migrateToLatest(store);
      await store.db.insertInto('counters').values([{ key: 'a', value: 1n }, { key: 'b', value: 2n }]).execute();
      const rows = await store.keyedRows<{ key: string }>({ name: 'test', sqlite: 'select key from counters where key in (select value from json_each(?)) order by key', postgres: '' }, ['b', 'a', 'c']);
      assert.deepEqual(rows.map((row) => row.key), ['a', 'b']);
    } finally {
      await store.close();
    }
  });
});

for (const dialect of DIALECTS) {
  describe(`ledger batch connection [${dialect.name}]`, { skip: dialect.skip }, () => {
    let database: TestDatabase;
    let store: Store;
    before(async () => {
      database = await createTestDatabase(dialect.name);
      store = await openStore(database.url);
      await migrateToLatest(store);
    });
    after(async () => {
      await store?.close();
      await database?.drop();
    });
    const counters = async () => Object.fromEntries((await store.db.selectFrom('counters').selectAll().execute()).map((row) => [row.key, BigInt(row.value)]));

    it('reads, inserts, upserts and updates in one batch, and awkward strings come back as written', async () => {
      await store.withBatchConnection(async (conn) => {
        const opened = await conn.open({ lockKeys: ['k1', 'k2'], reads: [{ kind: 'counters', keys: ['a', 'b'] }] });
        assert.deepEqual(opened[0]!.map((row) => [row.key, BigInt(row.value as bigint)]).sort(), [['a', 0n], ['b', 0n]]);
        await conn.commit([
          counterRow('a', 5n),
          { kind: 'insert', table: 'counters', columns: ['key', 'value'], rows: AWKWARD.map((text, index) => [text, BigInt(index)]) },
          { kind: 'update', table: 'counters', key: 'key', columns: ['value'], rows: [[7n, 'b']] },
        ]);
      });
      const rows = await counters();
      assert.equal(rows.a, 5n);
      assert.equal(rows.b, 7n);
      AWKWARD.forEach((text, index) => assert.equal(rows[text], BigInt(index), text));
    });

    it('integers beyond 2^53 go to the database and come back exactly', async () => {
      const values = [2n ** 53n + 1n, 2n ** 63n - 1n, -(2n ** 63n), -(2n ** 53n) - 3n, 2n ** 53n - 1n];
      const keys = values.map((_, index) => `huge:${index}`);
      const read = await store.withBatchConnection(async (conn) => {
        await conn.open({ lockKeys: [], reads: [] });
        await conn.commit([{ kind: 'insert', table: 'counters', columns: ['key', 'value'], rows: values.map((value, index) => [keys[index]!, value]) }]);
        const rows = await conn.open({ lockKeys: [], reads: [{ kind: 'rows', table: 'counters', columns: ['key', 'value'], key: 'key', keys, lock: true }] });
        await conn.commit([]);
        return rows[0]!;
      });
      assert.deepEqual(new Map(read.map((row) => [row.key, BigInt(row.value as bigint)])), new Map(keys.map((key, index) => [key, values[index]!])));
      assert.equal((await counters())['huge:1'], 2n ** 63n - 1n);
    });

    it('a failed write commits nothing and says so', async () => {
      const before = await counters();
      const failure = await store.withBatchConnection(async (conn) => {
        await conn.open({ lockKeys: [], reads: [{ kind: 'rows', table: 'counters', columns: ['key', 'value'], key: 'key', keys: ['a'], lock: true }] });
        // The second row repeats a primary key.
        const error = await conn.commit([counterRow('fresh', 1n), { kind: 'insert', table: 'counters', columns: ['key', 'value'], rows: [['a', 1n]] }]).catch((e: unknown) => e);
        await conn.rollback();
        return error;
      });
      assert.ok(failure instanceof BatchCommitError);
      assert.equal(failure.committed, false);
      assert.deepEqual(await counters(), before);
    });

    it('a write naming a table or column that is not an SQL identifier is refused, also after valid writes of the same shape', async () => {
      const before = await counters();
      const failures = await store.withBatchConnection(async (conn) => {
        const refused: unknown[] = [];
        for (const write of [
          { ...counterRow('named', 1n), columns: ['key', 'value = 0; drop table counters; --'] },
          { ...counterRow('named', 1n), table: 'counters where 1' },
          { kind: 'update', table: 'counters', key: 'key or 1=1', columns: ['value'], rows: [[1n, 'a']] },
        ] as BatchWrite[]) {
          await conn.open({ lockKeys: [], reads: [] });
          refused.push(await conn.commit([counterRow('named', 1n), write]).then(() => null, (e: unknown) => e));
          await conn.rollback();
        }
        return refused;
      });
      for (const failure of failures) assert.match(String((failure as Error)?.message ?? failure), /not an SQL identifier/);
      assert.deepEqual(await counters(), before);
    });

    it('a value SQLite cannot bind fails its batch at its step, which commits nothing', { skip: dialect.name !== 'sqlite' && 'the SQLite worker\'s messages only (PostgreSQL\'s batches quote values on the main thread)' }, async () => {
      const before = await counters();
      const failure = await store.withBatchConnection(async (conn) => {
        await conn.open({ lockKeys: [], reads: [] });
        const error = await conn.commit([counterRow('unbound', 1n), { kind: 'insert', table: 'counters', columns: ['key', 'value'], rows: [['odd', { an: 'object' } as unknown as bigint]] }]).catch((e: unknown) => e);
        await conn.rollback();
        return error;
      });
      assert.ok(failure instanceof BatchCommitError, String(failure));
      assert.equal(failure.committed, false);
      assert.deepEqual(await counters(), before);
    });

    it('a commit followed by a next batch that fails to open is reported as committed', async () => {
      const failure = await store.withBatchConnection(async (conn) => {
        await conn.open({ lockKeys: [], reads: [] });
        const next = { lockKeys: ['k3'], reads: [{ kind: 'rows' as const, table: 'no_such_table', columns: '*' as const, key: 'id', keys: ['x'], lock: false }] };
        const error = await conn.commit([counterRow('chained', 9n)], next).catch((e: unknown) => e);
        await conn.rollback();
        return error;
      });
      assert.ok(failure instanceof BatchCommitError);
      assert.equal(failure.committed, true);
      assert.equal((await counters()).chained, 9n);
    });

    it('a commit that opens the next batch returns its rows', async () => {
      const next = await store.withBatchConnection(async (conn) => {
        await conn.open({ lockKeys: [], reads: [] });
        const rows = await conn.commit([counterRow('next', 3n)], { lockKeys: ['k4'], reads: [{ kind: 'rows', table: 'counters', columns: ['key', 'value'], key: 'key', keys: ['next', 'missing'], lock: true }] });
        await conn.commit([]);
        return rows;
      });
      assert.deepEqual(next![0]!.map((row) => [row.key, BigInt(row.value as bigint)]), [['next', 3n]]);
    });

    it('the main thread\'s reader has no memory map, the writer has one', { skip: dialect.name !== 'sqlite' && 'SQLite connections only' }, async () => {
      // Another connection's commit makes SQLite drop a reader's cache and unmap its whole map:
      // with one, every lookup after a commit paid page faults (docs/performance.md).
      const mapSize = async (db: typeof store.db) => Number(Object.values((await sql<Record<string, bigint>>`pragma mmap_size`.execute(db)).rows[0]!)[0]);
      assert.equal(await mapSize(store.readDb), 0);
      assert.ok(await mapSize(store.db) > 0);
    });

    it('the write-ahead log starts over while batches follow each other without a pause', { skip: dialect.name !== 'sqlite' && 'SQLite WAL only' }, async () => {
      // Like a busy writer: each commit opens the next batch at once, so the writer never begins
      // a transaction with every frame already copied back, and only its own checkpoint (at
      // wal_autocheckpoint frames) lets the log start again from its beginning.
      const wal = `${database.url.slice('sqlite:'.length)}-wal`;
      const batches = 120;
      const rowsPerBatch = 400;
      await store.withBatchConnection(async (conn) => {
        await conn.open({ lockKeys: [], reads: [] });
        for (let batch = 0; batch < batches; batch++) {
          // Random keys land on pages all over the index: many frames per commit, as top-ups do.
          const rows = Array.from({ length: rowsPerBatch }, (_, index) => [`wal:${Math.random().toString(36).slice(2)}:${batch}:${index}`, BigInt(batch)]);
          await conn.commit([{ kind: 'insert', table: 'counters', columns: ['key', 'value'], rows }], { lockKeys: [], reads: [] });
        }
        await conn.commit([]);
      });
      const written = BigInt((await sql<{ count: bigint }>`select count(*) as count from counters where key like 'wal:%'`.execute(store.readDb)).rows[0]!.count);
      assert.equal(written, BigInt(batches * rowsPerBatch));
      // Far more than 3,000 frames were written in all (each commit rewrites the index's pages it
      // touched); the file stays near the cap instead of growing with them.
      const walBytes = statSync(wal).size;
      assert.ok(walBytes < 24 * 1024 * 1024, `WAL is ${(walBytes / 1024 / 1024).toFixed(1)} MB`);
    });

    it('reads lines by number from the covering index alone, and each keyed read through its index', { skip: dialect.name !== 'sqlite' && 'SQLite query plans only' }, async () => {
      const plan = async (text: string, ...values: string[]) => (await store.readDb.executeQuery<{ detail: string }>(CompiledQuery.raw(`explain query plan ${text}`, ['[]', ...values]))).rows.map((row) => row.detail).join('\n');
      for (const query of [LINE_IDS_BY_NUMBER, LINES_BY_NUMBER]) assert.match(await plan(query.sqlite), /COVERING INDEX lines_msisdn_rating \(msisdn=\?\)/, query.name);
      assert.match(await plan(RECORDED_EVENT_IDS.sqlite), /SEARCH usage_events USING INDEX sqlite_autoindex_usage_events_1 \(id=\?\)/);
      const buckets = await plan(OPEN_BUCKETS.sqlite, '2026-12-05T00:00:00.000Z');
      assert.match(buckets, /SEARCH ledger_accounts USING INDEX ledger_accounts_owner_expiry \(owner_id=\? AND kind=\? AND expires_at>\?\)/, buckets);
      const tariffs = await plan(TARIFF_PERIODS.sqlite, '2026-12-05T00:00:00.000Z');
      assert.match(tariffs, /SEARCH pp USING INDEX package_periods_line \(line_id=\? AND expires_at>\?\)/, tariffs);
    });

    it('reads rows by a list of keys in one statement, whatever the keys hold', async () => {
      const keys = AWKWARD.map((text) => `keyed:${text}`);
      await store.withBatchConnection(async (conn) => {
        await conn.open({ lockKeys: [], reads: [] });
        await conn.commit([{ kind: 'insert', table: 'counters', columns: ['key', 'value'], rows: keys.map((key, index) => [key, BigInt(index)]) }]);
      });
      const query = { name: 'test-counters-by-key', sqlite: 'select key, value from counters where key in (select value from json_each(?))', postgres: 'select key, value from counters where key = any($1::text[])' };
      const found = async (asked: string[]) => new Map((await store.keyedRows<{ key: string; value: bigint }>(query, asked)).map((row) => [row.key, BigInt(row.value)]));
      assert.deepEqual(await found(keys), new Map(keys.map((key, index) => [key, BigInt(index)])));
      assert.deepEqual(await found([keys[1]!, 'keyed:missing', keys[1]!]), new Map([[keys[1]!, 1n]]));
      assert.deepEqual(await found([]), new Map());
      // Hundreds of keys (a usage request's): on SQLite the read worker answers, from what the writer committed.
      const many = Array.from({ length: 450 }, (_, index) => `many:${index}:${AWKWARD[index % AWKWARD.length]}`);
      await store.withBatchConnection(async (conn) => {
        await conn.open({ lockKeys: [], reads: [] });
        await conn.commit([{ kind: 'insert', table: 'counters', columns: ['key', 'value'], rows: many.map((key, index) => [key, 2n ** 60n + BigInt(index)]) }]);
      });
      assert.deepEqual(await found([...many, 'many:missing']), new Map(many.map((key, index) => [key, 2n ** 60n + BigInt(index)])));
    });
  });
}
