/**
 * What the ledger writer reads and writes in one batch, described without SQL. Each dialect turns
 * it into its own statements in as few round trips as it can (sqlite-batch.ts, postgres-batch.ts):
 * the writer's hot path builds no query through Kysely, whose builder cost more per top-up than
 * the database did.
 */
export type SqlValue = string | bigint | number | null;

/** Rows of `table` whose `key` column is one of `keys`; locked until commit when `lock` (PostgreSQL `FOR UPDATE`, in key order). */
export interface KeyedRead {
  kind: 'rows';
  table: string;
  columns: readonly string[] | '*';
  key: string;
  keys: readonly string[];
  /** An equality on one more column (`kind = 'pending'`). */
  also?: { column: string; value: string };
  lock: boolean;
}

/** Counters by key, created at 0 when missing and locked until commit, so numbering stays gapless across processes. */
export interface CounterRead {
  kind: 'counters';
  keys: readonly string[];
}

export type BatchRead = KeyedRead | CounterRead;

/** Rows into `table`; with `upsertKey`, a row whose key exists replaces that row's other columns. */
export interface RowsInsert {
  kind: 'insert';
  table: string;
  columns: readonly string[];
  rows: SqlValue[][];
  upsertKey?: string;
}

/**
 * Sets `columns` of existing rows; each row lists the columns' values, then the key. PostgreSQL
 * types a column of the rows by its values, so a non-text column must not be NULL in every row.
 */
export interface RowsUpdate {
  kind: 'update';
  table: string;
  key: string;
  columns: readonly string[];
  rows: SqlValue[][];
}

export type BatchWrite = RowsInsert | RowsUpdate;

/** Opening a batch: begin, serialise writers sharing `lockKeys` (PostgreSQL advisory locks), read. */
export interface BatchOpen {
  lockKeys: readonly string[];
  reads: readonly BatchRead[];
}

export type BatchRows = Record<string, unknown>[][];

/**
 * One connection's batches. `commit` writes and commits; given `next`, it also opens the next
 * batch in the same round trip and returns that batch's rows, so that a busy writer pays one
 * round trip per batch. A failure says whether the commit had happened (BatchCommitError).
 */
export interface BatchConnection {
  open(batch: BatchOpen): Promise<BatchRows>;
  commit(writes: readonly BatchWrite[], next?: BatchOpen): Promise<BatchRows | null>;
  /**
   * Where the database allows it (SQLite: one connection writes): like `commit` with `next`, but
   * the next batch's rows come back before this batch's commit, and `committed` settles after it,
   * so that the writer works out the next batch while this one waits for the disk. `nextValid`
   * false: the rows may be stale (another process wrote between the commit and the next begin),
   * and the next batch, though open, must be rolled back and run again.
   */
  commitAhead?(writes: readonly BatchWrite[], next: BatchOpen): Promise<{ rows: BatchRows; committed: Promise<{ nextValid: boolean }> }>;
  rollback(): Promise<void>;
}

/** A failed `commit` (or `commitAhead`'s `committed`): `committed` tells whether the batch's own commit had gone through before the failure. */
export class BatchCommitError extends Error {
  constructor(readonly committed: boolean, override readonly cause: unknown) {
    super(`ledger batch ${committed ? 'committed, but the next batch failed to open' : 'failed to commit'}: ${(cause as Error)?.message ?? cause}`);
  }
}

const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;

/** Table and column names come from code, never from input: asserted, since they are written into SQL as they are. */
export function identifier(name: string): string {
  if (!IDENTIFIER.test(name)) throw new Error(`not an SQL identifier: ${name}`);
  return name;
}
