import Database from 'better-sqlite3';
import { Worker } from 'node:worker_threads';
import { SqliteDialect } from 'kysely';
import { rowMaker } from './row-maker.ts';
import { statementCache } from './statement-cache.js';

const STATEMENT_CACHE_SIZE_MAX = 500;

/**
 * The SQLite read connection for hot lone reads (a line by number, a key by hash), on the main
 * thread. In WAL mode a reader never waits for the writer and a point read by index takes
 * microseconds: cheaper than a message to a worker and back. It cannot write (`query_only`), and
 * it caches prepared statements as the writer's worker does.
 *
 * No memory map here, unlike the writer's connection: each time it begins a read after another
 * connection's commit, SQLite drops its page cache and, with a map, unmaps the whole file, so the
 * next pages come back as page faults on a fresh map. Measured on a 100,000-line database with a
 * commit between lookups (2026-12-05): a number's line id cost ~150 µs alone and ~47 µs a number
 * in a lookup of 20 with the map, ~27 and ~8 µs without; with no commit between them, the same.
 */
export function sqliteReaderDialect(path: string): SqliteDialect & { rows: KeyedRows } {
  const database = new Database(path);
  try {
    database.pragma('query_only = ON');
    database.pragma('busy_timeout = 10000');
    database.pragma('cache_size = -16384');
    database.pragma('mmap_size = 0');
  } catch (error) {
    // Not a database (a file of another kind): closed, so the caller's one-line error ends the process.
    database.close();
    throw error;
  }
  database.defaultSafeIntegers(true);
  const prepare = statementCache(database, STATEMENT_CACHE_SIZE_MAX);
  const cached = { prepare, close: () => database.close() };
  const dialect = new SqliteDialect({ database: cached as unknown as Database.Database });
  // Rows as arrays, made into objects by one compiled literal (row-maker.ts): a usage request
  // reads ~1,000 lines and their buckets here, and better-sqlite3 setting each row's properties
  // by name cost ~20 % more (1,000 lines by number, measured alone: ~2.0–2.5 against ~2.3–3.5 ms).
  const rows: KeyedRows = async (query, keys, ...values) => {
    const statement = prepare(query.sqlite);
    statement.raw(true);
    try {
      const found = statement.all(JSON.stringify(keys), ...values) as unknown[][];
      return found.map(rowMaker(statement.columns().map((column) => column.name))) as never;
    } finally {
      statement.raw(false);
    }
  };
  return Object.assign(dialect, { rows });
}

/**
 * A hot read by a list of keys, as SQL of each dialect: SQLite takes the keys as one JSON array
 * (`json_each(?)`, the first `?`), PostgreSQL as one text[] (`$1`); any further values follow in
 * order (`?` after the keys' one; `$2`, `$3`…).
 */
export interface KeyedQuery {
  name: string;
  sqlite: string;
  postgres: string;
}

export type KeyedRows = <T>(query: KeyedQuery, keys: readonly string[], ...values: (string | number | bigint | null)[]) => Promise<T[]>;

/**
 * A worker that copies the WAL back into the database file four times a second (PASSIVE: it never blocks
 * the writer or readers), so that neither the writer's commits nor the main thread pay for it.
 */
export function startCheckpointer(path: string): { stop(): Promise<void> } {
  const worker = new Worker(new URL('./sqlite-worker.js', import.meta.url), { workerData: { path, checkpointer: true } });
  worker.unref();
  return {
    async stop() {
      await worker.terminate();
    },
  };
}
