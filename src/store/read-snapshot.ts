import type { Kysely, Transaction } from 'kysely';
import type { Store } from './open-store.ts';
import type { Database } from './schema.ts';

/**
 * Runs several reads against one state of the database, so that figures taken by separate
 * statements agree although writers commit meanwhile: PostgreSQL's REPEATABLE READ, read only
 * (one snapshot for the whole transaction); SQLite's deferred transaction, whose first read fixes
 * the WAL snapshot the rest see. On SQLite the transaction holds the store's one connection: meant
 * for a CLI command's own store, where the server's writer in another process goes on beside it.
 */
export function readSnapshot<T>(store: Pick<Store, 'db' | 'dialect'>, work: (db: Kysely<Database>) => Promise<T>): Promise<T> {
  // Read only on SQLite too: a deferred `begin` there (sqlite-worker-dialect.ts), which takes no write lock.
  const builder = store.db.transaction().setAccessMode('read only');
  const snapshot = store.dialect.name === 'postgres' ? builder.setIsolationLevel('repeatable read') : builder;
  return snapshot.execute((trx: Transaction<Database>) => work(trx));
}
