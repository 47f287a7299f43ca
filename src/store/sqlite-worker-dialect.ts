import { Worker } from 'node:worker_threads';
import {
  CompiledQuery, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler,
  type DatabaseConnection, type DatabaseIntrospector, type Dialect, type DialectAdapter, type Driver, type Kysely,
  type QueryCompiler, type QueryResult, type TransactionSettings,
} from 'kysely';
import type { CommittedRows } from './committed-rows.ts';
import { decodeResults, encodeSteps, type CodecStep, type EncodedResults } from './step-codec.js';

/**
 * A Kysely dialect whose one SQLite connection lives in a worker thread (sqlite-worker.js).
 * better-sqlite3 is synchronous: on the main thread every statement, and every commit's fsync,
 * would stop HTTP serving. Here they run beside it. Like Kysely's own SQLite driver there is one
 * connection, handed out under a mutex, so a transaction has it to itself.
 */
export class SqliteWorkerDialect implements Dialect {
  private driver: SqliteWorkerDriver | null = null;
  /** `known`: the writer's cache of committed rows, forgotten when a query through Kysely may change its table. */
  constructor(private readonly path: string, private readonly known?: CommittedRows) {}
  createAdapter(): DialectAdapter { return new TransactionalDdlSqliteAdapter(); }
  createDriver(): Driver { return (this.driver = new SqliteWorkerDriver(this.path, {}, this.known)); }
  /** Steps straight to the worker, for a caller that holds the connection (`db.connection()`). */
  runSteps(steps: CodecStep[], aheadAt?: number): StepsRun {
    if (!this.driver) throw new Error('the SQLite worker dialect has no driver yet');
    return this.driver.runSteps(steps, aheadAt);
  }
  createIntrospector(db: Kysely<any>): DatabaseIntrospector { return new SqliteIntrospector(db); }
  createQueryCompiler(): QueryCompiler { return new SqliteQueryCompiler(); }
}

/**
 * SQLite's DDL is transactional (CREATE/ALTER/DROP roll back with the transaction), but Kysely's
 * SqliteAdapter says it is not, so its Migrator ran every statement of a migration on its own:
 * a process killed inside a migration left it half applied and unrecorded, and every later start
 * failed on it ("duplicate column name"). Said so, the Migrator runs the pending migrations and
 * their records in one transaction: a kill leaves all of them or none.
 */
class TransactionalDdlSqliteAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean { return true; }
}

interface Pending {
  resolve(value: QueryResult<unknown>): void;
  reject(error: Error): void;
  /** A steps message's results before its `aheadAt` step, when they have not come yet. */
  ahead?: { resolve(rows: unknown[]): void; reject(error: Error): void };
}

/** `ahead`: the results of the steps before `aheadAt` (all of them without); `done`: of every step. */
export interface StepsRun {
  ahead: Promise<unknown[]>;
  done: Promise<unknown[]>;
}

/**
 * A read-only connection in a worker thread of its own (sqlite-worker.js with `reader`), for reads
 * large enough to be worth a message: they run beside the main thread instead of on it.
 */
export function sqliteReadWorker(path: string): { runSteps(steps: CodecStep[]): StepsRun; close(): Promise<void> } {
  const driver = new SqliteWorkerDriver(path, { reader: true });
  void driver.init();
  return { runSteps: (steps) => driver.runSteps(steps), close: () => driver.destroy() };
}

class SqliteWorkerDriver implements Driver {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private locked: Promise<void> | null = null;
  private unlock: (() => void) | null = null;
  private connection!: DatabaseConnection;

  constructor(private readonly path: string, private readonly role: { reader?: boolean } = {}, private readonly known?: CommittedRows) {}

  async init(): Promise<void> {
    this.worker = new Worker(new URL('./sqlite-worker.js', import.meta.url), { workerData: { path: this.path, ...this.role } });
    this.worker.on('message', (message: { id: number; rows?: unknown[]; ahead?: EncodedResults; results?: EncodedResults; changes?: bigint; lastInsertRowid?: bigint; error?: { message: string; code?: string; name?: string; failedStep?: number }; closed?: boolean }) => {
      const waiting = this.pending.get(message.id);
      if (!waiting) return;
      if (message.ahead) {
        waiting.ahead?.resolve(decodeResults(message.ahead));
        waiting.ahead = undefined;
        return;
      }
      this.pending.delete(message.id);
      if (message.error) {
        const error = Object.assign(new Error(message.error.message), { code: message.error.code, name: message.error.name ?? 'SqliteError', failedStep: message.error.failedStep });
        waiting.ahead?.reject(error);
        waiting.reject(error);
      } else if (message.results) {
        const results = decodeResults(message.results);
        waiting.ahead?.resolve(results);
        waiting.resolve({ rows: results });
      } else if (message.rows) {
        waiting.ahead?.resolve(message.rows);
        waiting.resolve({ rows: message.rows });
      } else {
        waiting.resolve({ rows: [], numAffectedRows: message.changes, insertId: message.lastInsertRowid });
      }
    });
    this.worker.on('error', (error) => {
      for (const waiting of this.pending.values()) {
        waiting.ahead?.reject(error);
        waiting.reject(error);
      }
      this.pending.clear();
    });
    this.connection = {
      executeQuery: <R>(query: CompiledQuery) => {
        if (this.known && mayChange(query.sql, this.known.table)) this.known.forget();
        return this.send({ sql: query.sql, params: query.parameters }) as Promise<QueryResult<R>>;
      },
      streamQuery: () => { throw new Error('streaming is not supported by the SQLite worker driver'); },
    };
  }

  private send(message: Record<string, unknown>, ahead?: Pending['ahead']): Promise<QueryResult<unknown>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, ahead });
      this.worker!.postMessage({ id, ...message });
    });
  }

  runSteps(steps: CodecStep[], aheadAt?: number): StepsRun {
    let ahead!: Pending['ahead'];
    const aheadRows = new Promise<unknown[]>((resolve, reject) => { ahead = { resolve, reject }; });
    const done = this.send({ steps: encodeSteps(steps), aheadAt }, ahead).then((result) => result.rows);
    // Either may be left unawaited by a caller that gave up after the other failed.
    aheadRows.catch(() => {});
    done.catch(() => {});
    return { ahead: aheadRows, done };
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    while (this.locked) await this.locked;
    this.locked = new Promise((resolve) => { this.unlock = resolve; });
    return this.connection;
  }

  async releaseConnection(): Promise<void> {
    const unlock = this.unlock;
    this.locked = null;
    this.unlock = null;
    unlock?.();
  }

  /**
   * `begin immediate`: the write lock from the start, waiting for it as long as the busy timeout.
   * A deferred `begin` read first and asked for the lock at its first write; had another process
   * (a second server, `tolem jobs`, `tolem migrate`) committed since that read, SQLite refused the
   * write at once with SQLITE_BUSY, never waiting: two processes starting on a new file at once
   * had one of them fail in its first migration ("database is locked"). A read-only transaction
   * (`setAccessMode('read only')`, readSnapshot) stays deferred: it must not hold the writers off.
   */
  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw(settings.accessMode === 'read only' ? 'begin' : 'begin immediate'));
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('commit'));
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('rollback'));
  }

  async destroy(): Promise<void> {
    if (!this.worker) return;
    await this.send({ close: true }).catch(() => {});
    await this.worker.terminate();
    this.worker = null;
  }
}

/**
 * Whether a statement sent through Kysely may change rows of `table` that the writer's cache holds:
 * any statement naming it but a read or a plain insert (new rows: the cache holds none of them;
 * an upsert's `do update` may change one). Reads and inserts of accounts are what the application
 * sends this way; only tests and repairs update them.
 */
export function mayChange(sql: string, table: string): boolean {
  if (!sql.toLowerCase().includes(table)) return false;
  const verb = /^\s*(\w+)/.exec(sql)?.[1]?.toLowerCase();
  if (verb === 'select') return false;
  return verb !== 'insert' || /\bdo\s+update\b|\bor\s+replace\b/i.test(sql);
}
