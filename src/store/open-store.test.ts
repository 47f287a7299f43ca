import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'kysely';
import { DIALECTS, createTestDatabase } from '../../test/support/databases.ts';
import { openStore, StoreOpenError } from './open-store.ts';

const postgres = DIALECTS.find((dialect) => dialect.name === 'postgres')!;

describe('opening a PostgreSQL database', { skip: postgres.skip }, () => {
  // A database made with the encoding of a Russian Windows (createdb -E WIN1251, as old CIS
  // installations have them) took Russian names but answered 500 to Kazakh ones (Қ, Ә…) and Chinese,
  // the server refusing to convert them (22P05): refused at once, in one line, instead.
  it('refuses a database whose encoding is not UTF8, naming it', async () => {
    for (const encoding of ['WIN1251', 'LATIN1', 'SQL_ASCII']) {
      const database = await createTestDatabase('postgres', { encoding });
      try {
        await assert.rejects(openStore(database.url), (error: Error) => {
          assert.ok(error instanceof StoreOpenError, String(error));
          assert.match(error.message, new RegExp(`^cannot use the database postgres://\\S+: its encoding is ${encoding}, not UTF8`));
          assert.equal(error.message.split('\n').length, 1);
          return true;
        });
      } finally {
        await database.drop();
      }
    }
  });

  it('opens a UTF8 database', async () => {
    const database = await createTestDatabase('postgres');
    try {
      const store = await openStore(database.url);
      await store.close();
    } finally {
      await database.drop();
    }
  });
});

describe('PostgreSQL transactions', { skip: postgres.skip }, () => {
  // Tolem's transactions are written for READ COMMITTED, PostgreSQL's default: a statement reads what
  // committed before it (the ledger writer locks, then reads; jobs update rows another process may have
  // just changed). A database set to SERIALIZABLE or REPEATABLE READ by its administrator (ALTER DATABASE
  // … SET default_transaction_isolation) answered 500 to concurrent voucher redemptions, top-ups and
  // refunds (40001 could not serialize access), which SQLite, one writer at a time, never does.
  it('read committed on every connection, whatever the database sets as its default', async () => {
    for (const level of ['serializable', 'repeatable read']) {
      const database = await createTestDatabase('postgres');
      try {
        const setUp = await openStore(database.url);
        await sql`alter database ${sql.id(new URL(database.url).pathname.slice(1))} set default_transaction_isolation = ${sql.lit(level)}`.execute(setUp.db);
        await setUp.close();
        const store = await openStore(database.url);
        try {
          await sql`create table t (k text primary key, v bigint not null)`.execute(store.db);
          await sql`insert into t values ('k', 0)`.execute(store.db);
          // One transaction reads, another commits a change to the same row, the first then changes it too.
          await store.db.connection().execute(async (first) => {
            await sql`begin`.execute(first);
            assert.deepEqual((await sql<{ transaction_isolation: string }>`show transaction_isolation`.execute(first)).rows, [{ transaction_isolation: 'read committed' }], level);
            await sql`select v from t`.execute(first);
            await store.db.connection().execute(async (second) => {
              await sql`begin`.execute(second);
              await sql`update t set v = v + 1 where k = 'k'`.execute(second);
              await sql`commit`.execute(second);
            });
            await sql`update t set v = v + 1 where k = 'k'`.execute(first);
            await sql`commit`.execute(first);
          });
          assert.deepEqual((await sql<{ v: bigint }>`select v from t`.execute(store.db)).rows, [{ v: 2n }], level);
        } finally {
          await store.close();
        }
      } finally {
        await database.drop();
      }
    }
  });

  // The README's promise, an answered top-up survives power loss, holds on PostgreSQL with
  // synchronous_commit on, as Tolem sets SQLite's synchronous=FULL itself: a database set off by its
  // administrator acknowledged commits that a crash of the server could still lose.
  it('commits synchronously on every connection, whatever the database sets', async () => {
    // A stronger setting than on (waiting for a standby to apply) or local stays as it is.
    for (const [set, expected] of [['off', 'on'], ['local', 'local'], ['remote_apply', 'remote_apply']]) {
      const database = await createTestDatabase('postgres');
      try {
        const setUp = await openStore(database.url);
        await sql`alter database ${sql.id(new URL(database.url).pathname.slice(1))} set synchronous_commit = ${sql.lit(set)}`.execute(setUp.db);
        await setUp.close();
        const store = await openStore(database.url);
        try {
          assert.deepEqual((await sql<{ synchronous_commit: string }>`show synchronous_commit`.execute(store.db)).rows, [{ synchronous_commit: expected }], set);
        } finally {
          await store.close();
        }
      } finally {
        await database.drop();
      }
    }
  });
});
