import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../../test/support/databases.ts';
import { migrateToLatest, openStore, pendingMigrations, type Store } from './open-store.ts';
import { readSnapshot } from './read-snapshot.ts';

/** Several processes on one database (docs/architecture.md, Storage): each store here stands for one. */

for (const dialect of DIALECTS) {
  describe(`several processes on one database [${dialect.name}]`, { skip: dialect.skip }, () => {
    it('two processes starting on a new database at once: both migrate it (one waits for the other), neither fails', async () => {
      const database = await createTestDatabase(dialect.name);
      const stores = [await openStore(database.url), await openStore(database.url)];
      try {
        const outcomes = await Promise.allSettled(stores.map((store) => migrateToLatest(store)));
        assert.deepEqual(outcomes.map((outcome) => outcome.status === 'rejected' ? String(outcome.reason) : 'migrated'), ['migrated', 'migrated']);
        assert.deepEqual((await pendingMigrations(stores[1]!)).pending, []);
      } finally {
        for (const store of stores) await store.close();
        await database.drop();
      }
    });
  });
}

describe('several processes on one SQLite file: transactions', () => {
  let database: TestDatabase;
  let store: Store;
  let other: Database.Database;
  before(async () => {
    database = await createTestDatabase('sqlite');
    store = await openStore(database.url);
    await migrateToLatest(store);
    // Another process's connection; no busy timeout, so that a write it must wait for fails at once.
    other = new Database(database.url.slice('sqlite:'.length));
    other.pragma('busy_timeout = 0');
  });
  after(async () => {
    other?.close();
    await store?.close();
    await database?.drop();
  });
  const lease = (job: string, holder: string) => ({ job, holder, held_until: '2026-01-01T00:00:00.000Z', taken_at: '2026-01-01T00:00:00.000Z' });
  const otherWrites = (job: string): string => {
    try {
      other.prepare('insert into job_leases (job, holder, held_until, taken_at) values (?, ?, ?, ?)').run(job, 'other', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z');
      return 'written';
    } catch (error) {
      return (error as { code?: string }).code ?? String(error);
    }
  };

  it('a transaction that reads before it writes holds the write lock from its start: another process that writes meanwhile waits, the transaction commits', async () => {
    const meanwhile = await store.db.transaction().execute(async (trx) => {
      await trx.selectFrom('job_leases').selectAll().execute();
      const outcome = otherWrites('other-job');
      // Deferred, this write was refused at once (SQLITE_BUSY: the snapshot read above is stale).
      await trx.insertInto('job_leases').values(lease('this-job', 'this')).execute();
      return outcome;
    });
    assert.equal(meanwhile, 'SQLITE_BUSY', 'the other process waits for the lock (its busy timeout)');
    assert.equal((await store.db.selectFrom('job_leases').select('job').where('job', '=', 'this-job').execute()).length, 1);
  });

  it('a read snapshot (ledger report) takes no write lock: another process writes meanwhile', async () => {
    const meanwhile = await readSnapshot(store, async (db) => {
      await db.selectFrom('job_leases').selectAll().execute();
      return otherWrites('during-report');
    });
    assert.equal(meanwhile, 'written');
  });
});
