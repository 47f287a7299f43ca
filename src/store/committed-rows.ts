import type { BatchRead, BatchWrite } from './batch-statements.ts';

type Row = Record<string, unknown>;

/**
 * The committed rows of one table (the ledger's accounts) as the SQLite writer's connection last
 * read or wrote them, so that a batch need not read again a row it already knows: a usage report
 * reads ~1,300 accounts, each ~7 µs of the worker's time to read and send back.
 *
 * Only valid while this connection is the only one that changed the table:
 * - another connection's commit (another process, or this process's reader) moves SQLite's
 *   `data_version`, checked at the start of every transaction of the writer (`open`); a change
 *   empties the cache;
 * - a write to the table through this same connection outside the writer's batches (the Kysely
 *   side of the connection: tests, a repair) does not move it, so such a statement empties the
 *   cache too (`SqliteWorkerDialect`, `forget()`);
 * - any failure or rollback of a batch empties it, since the writes it holds may not have
 *   committed.
 * Within one write transaction no one else can commit, so rows remembered from it hold until its
 * commit, and a commit that went through leaves them as they were written.
 */
export class CommittedRows {
  private rows = new Map<string, Row>();
  private version: unknown = undefined;
  /** The columns of every row held: those of the first read served (the writer reads accounts one way). */
  private columns: readonly string[] | null = null;

  constructor(readonly table: string, readonly key: string, private readonly max: number) {}

  /** At the start of a transaction, with the connection's data_version then: anyone else's commit since empties the cache. */
  validate(version: unknown): void {
    if (version !== this.version) {
      this.rows.clear();
      this.version = version;
    }
  }

  /** Whether the cache may still be used at `version` (the same as when it was last validated). */
  isValidAt(version: unknown): boolean {
    return version === this.version;
  }

  forget(): void {
    this.rows.clear();
    this.version = undefined;
  }

  /** Whether `read` reads this table by its key alone, with the columns the rows held have. */
  serves(read: BatchRead): read is Extract<BatchRead, { kind: 'rows' }> {
    if (read.kind !== 'rows' || read.table !== this.table || read.key !== this.key || read.also !== undefined || read.columns === '*') return false;
    if (this.columns === null) return true;
    return read.columns.length === this.columns.length && read.columns.every((column, index) => column === this.columns![index]);
  }

  /** A row known, with the columns of the reads it serves, or undefined. */
  get(id: string): Row | undefined {
    return this.rows.get(id);
  }

  /** Rows as read inside the writer's transaction by `read` (one it serves). */
  remember(read: Extract<BatchRead, { kind: 'rows' }>, rows: readonly Row[]): void {
    this.columns ??= read.columns as readonly string[];
    for (const row of rows) this.rows.set(row[this.key] as string, row);
    this.trim();
  }

  /**
   * The batch's own writes to the table, once sent (before its commit is known: a commit that
   * fails rolls back, which forgets everything). An update sets its columns in a fresh copy of a row
   * already known (a row handed out is never changed under its holder); an insert with every column
   * is known whole. Anything else of the table (an upsert, an update by another key or of other
   * columns) forgets everything.
   */
  apply(writes: readonly BatchWrite[]): void {
    for (const write of writes) {
      if (write.table !== this.table || this.columns === null) continue;
      const at = write.columns.map((column) => this.columns!.indexOf(column));
      if (write.kind === 'update') {
        if (write.key !== this.key || at.includes(-1)) return this.forget();
        const last = write.columns.length;
        for (const values of write.rows) {
          const known = this.rows.get(values[last] as string);
          if (known === undefined) continue;
          const next = { ...known };
          for (let index = 0; index < last; index++) next[write.columns[index]!] = values[index];
          this.rows.set(values[last] as string, next);
        }
      } else {
        if (write.upsertKey !== undefined) return this.forget();
        const from = this.columns.map((column) => write.columns.indexOf(column));
        if (from.includes(-1)) continue;
        const keyAt = this.columns.indexOf(this.key);
        for (const values of write.rows) {
          const row: Row = {};
          this.columns.forEach((column, index) => { row[column] = values[from[index]!]; });
          this.rows.set(values[from[keyAt]!] as string, row);
        }
      }
    }
    this.trim();
  }

  /** Past `max` rows, the quarter remembered first goes (a Map keeps insertion order). */
  private trim(): void {
    if (this.rows.size <= this.max) return;
    let drop = this.rows.size - Math.floor(this.max * 0.75);
    for (const id of this.rows.keys()) {
      if (drop-- <= 0) break;
      this.rows.delete(id);
    }
  }
}
