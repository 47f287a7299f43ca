import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { CompiledQuery, Kysely, Migrator, PostgresDialect, type MigrationProvider } from 'kysely';
import pg from 'pg';
import type { BatchConnection } from './batch-statements.ts';
import { postgresDialect, sqliteDialect, type StoreDialect } from './dialect.ts';
import { postgresBatchConnection } from './postgres-batch.ts';
import { sqliteBatchConnection } from './sqlite-batch.ts';
import { migrations } from './migrations/index.ts';
import { sqliteReaderDialect, startCheckpointer, type KeyedRows } from './sqlite-reader.ts';
import { CommittedRows } from './committed-rows.ts';
import { isDatabaseUnavailable } from './database-unavailable.ts';
import { rowMaker } from './row-maker.ts';
import { sqliteReadWorker, SqliteWorkerDialect } from './sqlite-worker-dialect.ts';
import type { CodecRows } from './step-codec.js';
import type { Database } from './schema.ts';

export interface Store {
  db: Kysely<Database>;
  /**
   * For hot lone reads (a line by number, a key by hash) that need no lock: on SQLite a second
   * connection, so they do not queue behind the ledger writer's transaction; on PostgreSQL `db`.
   */
  readDb: Kysely<Database>;
  /**
   * The rows of a hot read by a list of keys, through a statement prepared once (no query
   * builder, one text whatever the number of keys): on SQLite on the reader connection, on
   * PostgreSQL a named statement, planned once per connection.
   */
  keyedRows: KeyedRows;
  dialect: StoreDialect;
  url: string;
  /** A connection of its own for the ledger writer's batches, for as long as `work` runs. */
  withBatchConnection<T>(work: (conn: BatchConnection) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface OpenStoreOptions {
  poolSizeMax?: number;
}

/**
 * The database cannot be opened (no such database, server not answering, a path that cannot be a
 * SQLite file): its message names the database, without a password, and the cause in one line.
 */
/** A migration that failed (all pending ones rolled back with it): the CLI's one line, naming it. */
export class MigrationError extends Error {
  override name = 'MigrationError';
}

export class StoreOpenError extends Error {
  override name = 'StoreOpenError';
}

/** A database URL as it may be shown: without its password. */
export function displayUrl(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:@/]*):[^@/]*@/, '$1:***@');
}

/**
 * Opens `sqlite:<path>` (file created with its folder) or `postgres://…`. On PostgreSQL one
 * query checks that the database answers, so that a wrong URL is a StoreOpenError here and
 * not a driver's stack trace from the first query, and that it stores texts as UTF8: a database
 * made with another encoding (WIN1251, LATIN1) refuses the letters it lacks (Kazakh Қ, Ә…,
 * Chinese) with an error on each write that holds one, and SQL_ASCII checks nothing it is given.
 */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<Store> {
  const cannotOpen = (error: unknown) => new StoreOpenError(`cannot open the database ${displayUrl(url)}: ${String((error as Error).message ?? error).split('\n')[0]}`, { cause: error });
  if (url.startsWith('postgres://') || url.startsWith('postgresql://')) {
    const store = openPostgres(url, options);
    let encoding: string | undefined;
    try {
      encoding = (await store.db.executeQuery<{ server_encoding: string }>(CompiledQuery.raw('show server_encoding'))).rows[0]?.server_encoding;
    } catch (error) {
      await store.close().catch(() => {});
      throw cannotOpen(error);
    }
    if (encoding !== 'UTF8') {
      await store.close().catch(() => {});
      throw new StoreOpenError(`cannot use the database ${displayUrl(url)}: its encoding is ${encoding}, not UTF8 (names and messages in Kazakh or Chinese could not be stored); make it with CREATE DATABASE … ENCODING 'UTF8' TEMPLATE template0`);
    }
    return store;
  }
  if (url.startsWith('sqlite:')) {
    try {
      return openSqlite(url.slice('sqlite:'.length));
    } catch (error) {
      throw cannotOpen(error);
    }
  }
  throw new StoreOpenError(`DATABASE_URL must start with sqlite: or postgres://, got "${displayUrl(url)}"`);
}

/**
 * From this many keys a keyed read on SQLite goes to the read worker, beside the main thread (a
 * usage request's ~1,000 numbers, lines and event ids: ~9 ms of the main thread's time a request
 * otherwise); fewer (a batch of top-ups' numbers) cost less on the main thread than a message.
 */
const READ_WORKER_KEYS_MIN = 200;

/**
 * Accounts the SQLite writer keeps as last committed (committed-rows.ts), so that a batch reads
 * only those it does not know: ~500 bytes each as JavaScript objects (the bench's peak RSS rose
 * ~35 MB with ~70,000 held), so ~125 MB when full.
 */
const ACCOUNT_ROWS_KNOWN_MAX = 250_000;

function openSqlite(path: string): Store {
  const inMemory = path === ':memory:';
  if (!inMemory) mkdirSync(dirname(resolve(path)), { recursive: true });
  // WAL, synchronous=FULL, busy timeout, safe integers and a statement cache: see sqlite-worker.js.
  const file = inMemory ? ':memory:' : resolve(path);
  const accounts = new CommittedRows('ledger_accounts', 'id', ACCOUNT_ROWS_KNOWN_MAX);
  const dialect = new SqliteWorkerDialect(file, accounts);
  const db = new Kysely<Database>({ dialect });
  // An in-memory database is private to its connection, so it reads through the writer.
  const reader = inMemory ? null : sqliteReaderDialect(file);
  const readDb = reader ? new Kysely<Database>({ dialect: reader }) : db;
  const readWorker = inMemory ? null : sqliteReadWorker(file);
  const keyedRows: KeyedRows = reader && readWorker
    ? async (query, keys, ...values) => {
      if (keys.length < READ_WORKER_KEYS_MIN) return reader.rows(query, keys, ...values);
      const [found] = await readWorker.runSteps([{ sql: query.sqlite, each: [[JSON.stringify(keys), ...values]] }]).done as [CodecRows];
      return found.rows.map(rowMaker(found.columns)) as never;
    }
    : async (query, keys, ...values) => (await db.executeQuery(CompiledQuery.raw(query.sqlite, [JSON.stringify(keys), ...values]))).rows as never;
  const checkpointer = inMemory ? null : startCheckpointer(file);
  return {
    db, readDb, keyedRows, dialect: sqliteDialect, url: `sqlite:${path}`,
    // db.connection() holds the one connection for as long as the batches run on it.
    withBatchConnection: (work) => db.connection().execute(() => work(sqliteBatchConnection((steps, aheadAt) => dialect.runSteps(steps, aheadAt), accounts))),
    async close() {
      await checkpointer?.stop();
      await readWorker?.close();
      if (readDb !== db) await readDb.destroy();
      await db.destroy();
    },
  };
}

let int8ParserInstalled = false;

function openPostgres(url: string, options: OpenStoreOptions): Store {
  if (!int8ParserInstalled) {
    // BIGINT (int8) columns and COUNT(*) arrive as bigint, as they do from SQLite.
    pg.types.setTypeParser(20, (value: string) => BigInt(value));
    int8ParserInstalled = true;
  }
  const pool = new pg.Pool({ connectionString: url, max: options.poolSizeMax ?? 16 });
  // A connection dropped by the server (pg_terminate_backend, a failover, a restart) must not take
  // the process down. The pool listens on its idle connections only (pool.on('error')); a checked-out
  // one, such as the ledger writer's between its statements, emits 'error' with no listener, which
  // Node turns into an uncaught exception. Each connection gets its own listener for its life: the
  // query under way fails (the batch answers 503 unavailable), and the pool drops the broken
  // connection when it is released and opens another.
  pool.on('error', () => {});
  pool.on('connect', (client) => {
    client.on('error', () => {});
    // Tolem's transactions are written for READ COMMITTED, PostgreSQL's default (a statement reads
    // what committed before it: the writer locks, then reads). A database whose administrator set
    // SERIALIZABLE or REPEATABLE READ as its default answered concurrent requests 500 (40001): every
    // connection is put back on it, before any query of its own (a client runs its queries in order).
    // A transaction that wants a snapshot still asks for one (read-snapshot.ts). And commits wait for
    // the WAL's flush (as SQLite's synchronous=FULL): synchronous_commit off is turned on, so that an
    // answered top-up survives a crash of the server; a stronger setting (remote_apply…) is kept.
    client.query("set default_transaction_isolation = 'read committed'; select set_config('synchronous_commit', 'on', false) where current_setting('synchronous_commit') = 'off'").catch(() => {});
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db, readDb: db, dialect: postgresDialect, url, close: () => db.destroy(),
    keyedRows: async (query, keys, ...values) => (await pool.query({ name: query.name, text: query.postgres, values: [keys, ...values] })).rows,
    async withBatchConnection(work) {
      const client = await pool.connect();
      let failed = false;
      try {
        return await work(postgresBatchConnection(client));
      } catch (error) {
        failed = true;
        throw error;
      } finally {
        // After a failure the connection may be broken or mid-transaction: the pool replaces it.
        client.release(failed);
      }
    },
  };
}

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** Tolem's migrations on `store` (to step through them one by one, as the migration tests do). */
export function migratorOf(store: Store): Migrator {
  return new Migrator({ db: store.db, provider, allowUnorderedMigrations: true });
}

/**
 * Tolem's migrations not yet applied, and whether any had been (a database made by an earlier
 * release, not a new one).
 */
export async function pendingMigrations(store: Store): Promise<{ pending: string[]; anyApplied: boolean }> {
  const all = await migratorOf(store).getMigrations();
  return { pending: all.filter((m) => m.executedAt === undefined).map((m) => m.name), anyApplied: all.some((m) => m.executedAt !== undefined) };
}

/**
 * Brings the schema up to date, the pending migrations in one transaction (all or none, should the
 * process die). From several processes at once: PostgreSQL's Kysely lock makes the others wait;
 * on SQLite the write lock does (the transaction begins immediate, sqlite-worker-dialect.ts), for
 * up to the busy timeout (10 s).
 */
export async function migrateToLatest(store: Store): Promise<string[]> {
  // A file the process may not write (read-only, a full disk) is the CLI's one line (cli/main.ts), as anywhere else.
  const { error, results } = await migratorOf(store).migrateToLatest();
  if (error) {
    if (isDatabaseUnavailable(error)) throw error;
    // Kysely's word for a migration the database has and this release does not know: a later
    // release migrated it (this one started again after a rollback). Nothing failed, nothing is corrupted.
    const unknown = /previously executed migration (\S+) is missing/.exec(String((error as Error)?.message ?? error))?.[1];
    if (unknown !== undefined) {
      throw new MigrationError(`the database was migrated by a later release of Tolem (its migration ${unknown} is not in this one): run that release or a later one; a schema is never migrated back`, { cause: error });
    }
    const failed = results?.find((result) => result.status === 'Error')?.migrationName;
    throw new MigrationError(`migration ${failed ?? '(unknown)'} failed, none of the pending ones applied: ${String((error as Error)?.message ?? error).split('\n')[0]}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
