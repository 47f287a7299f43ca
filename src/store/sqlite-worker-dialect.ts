import { Worker } from 'node:worker_threads';
import {
  CompiledQuery, SqliteAdapter, SqliteIntrospector, SqliteQueryCompiler,
  type DatabaseConnection, type DatabaseIntrospector, type Dialect, type DialectAdapter, type Driver, type Kysely,
  type QueryCompiler, type QueryResult,
} from 'kysely';
import { SQLITE_STEPS } from './sqlite-batch.ts';

/**
 * A Kysely dialect whose one SQLite connection lives in a worker thread (sqlite-worker.js).
 * better-sqlite3 is synchronous: on the main thread every statement, and every commit's fsync,
 * would stop HTTP serving. Here they run beside it. Like Kysely's own SQLite driver there is one
 * connection, handed out under a mutex, so a transaction has it to itself.
 */
export class SqliteWorkerDialect implements Dialect {
  constructor(private readonly path: string) {}
  createAdapter(): DialectAdapter { return new SqliteAdapter(); }
  createDriver(): Driver { return new SqliteWorkerDriver(this.path); }
  createIntrospector(db: Kysely<any>): DatabaseIntrospector { return new SqliteIntrospector(db); }
  createQueryCompiler(): QueryCompiler { return new SqliteQueryCompiler(); }
}

interface Pending {
  resolve(value: QueryResult<unknown>): void;
  reject(error: Error): void;
}

class SqliteWorkerDriver implements Driver {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private locked: Promise<void> | null = null;
  private unlock: (() => void) | null = null;
  private connection!: DatabaseConnection;

  constructor(private readonly path: string) {}

  async init(): Promise<void> {
    this.worker = new Worker(new URL('./sqlite-worker.js', import.meta.url), { workerData: { path: this.path } });
    this.worker.on('message', (message: { id: number; rows?: unknown[]; changes?: bigint; lastInsertRowid?: bigint; error?: { message: string; code?: string; name?: string; failedStep?: number }; closed?: boolean }) => {
      const waiting = this.pending.get(message.id);
      if (!waiting) return;
      this.pending.delete(message.id);
      if (message.error) {
        waiting.reject(Object.assign(new Error(message.error.message), { code: message.error.code, name: message.error.name ?? 'SqliteError', failedStep: message.error.failedStep }));
      } else if (message.rows) {
        waiting.resolve({ rows: message.rows });
      } else {
        waiting.resolve({ rows: [], numAffectedRows: message.changes, insertId: message.lastInsertRowid });
      }
    });
    this.worker.on('error', (error) => {
      for (const waiting of this.pending.values()) waiting.reject(error);
      this.pending.clear();
    });
    this.connection = {
      executeQuery: <R>(query: CompiledQuery) => (query.sql === SQLITE_STEPS
        ? this.send({ steps: query.parameters[0] })
        : this.send({ sql: query.sql, params: query.parameters })) as Promise<QueryResult<R>>,
      streamQuery: () => { throw new Error('streaming is not supported by the SQLite worker driver'); },
    };
  }

  private send(message: Record<string, unknown>): Promise<QueryResult<unknown>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker!.postMessage({ id, ...message });
    });
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

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin'));
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
