import {
  BatchCommitError, identifier,
  type BatchConnection, type BatchOpen, type BatchRead, type BatchRows, type BatchWrite, type SqlValue,
} from './batch-statements.ts';
import type { CommittedRows } from './committed-rows.ts';
import { rowMaker } from './row-maker.ts';
import type { StepsRun } from './sqlite-worker-dialect.ts';

/**
 * One prepared statement, run once per parameter list. In-process SQLite has no round trip to
 * save with multi-row statements; a short statement prepared once and run per row costs least,
 * and keeps the worker's statement cache small (one text per table, whatever the batch size).
 */
export interface SqliteStep {
  sql: string;
  each: SqlValue[][];
}

/** The SQLite worker's failure of step `failedStep` (the index in the message). */
export interface SqliteStepError extends Error {
  failedStep?: number;
}

/** Runs steps on the worker's connection; the caller holds that connection (sqlite-worker-dialect.ts). */
export type RunSteps = (steps: SqliteStep[], aheadAt?: number) => StepsRun;

const NO_PARAMETERS: SqlValue[][] = [[]];
const COMMIT: SqliteStep = { sql: 'commit', each: NO_PARAMETERS };
/** BEGIN IMMEDIATE takes the database's write lock at once: one writer at a time, across processes. */
const BEGIN: SqliteStep = { sql: 'begin immediate', each: NO_PARAMETERS };
/** Changes when another connection (another process) has committed since this one last looked. */
const DATA_VERSION: SqliteStep = { sql: 'pragma data_version', each: NO_PARAMETERS };

/**
 * The ledger writer's batches on the SQLite worker's connection: one message per batch when busy.
 * With `known` (committed-rows.ts), reads of the accounts it holds are answered from it, checked
 * against `data_version` at each transaction's start.
 */
export function sqliteBatchConnection(runArrays: RunSteps, known?: CommittedRows): BatchConnection {
  const runSteps: RunSteps = (steps, aheadAt) => {
    const run = runArrays(steps, aheadAt);
    const both = { ahead: run.ahead.then(asObjects), done: run.done.then(asObjects) };
    both.ahead.catch(() => {});
    both.done.catch(() => {});
    return both;
  };
  const run = (steps: SqliteStep[]) => runSteps(steps).done as Promise<(BatchRows[number] | null)[]>;
  const version = (rows: BatchRows[number] | null | undefined) => rows![0]!.data_version;
  return {
    async open(batch) {
      // Everything read from the database: a chain's first batch is where the cache is checked.
      const reads = readsOf(batch, 2);
      const results = await run([BEGIN, DATA_VERSION, ...reads.steps]);
      known?.validate(version(results[1]));
      const rows = reads.rowSteps.map((index) => results[index]!);
      rememberRead(known, batch, rows);
      return rows;
    },
    async commit(writes, next) {
      const steps = [...writes.map(writeStep), COMMIT];
      const commitStep = steps.length - 1;
      const reads = next ? readsOf(next, steps.length + 2) : null;
      if (reads) steps.push(BEGIN, DATA_VERSION, ...reads.steps);
      try {
        const results = await run(steps);
        known?.apply(writes);
        if (!reads) return null;
        known?.validate(version(results[commitStep + 2]));
        const rows = reads.rowSteps.map((index) => results[index]!);
        rememberRead(known, next!, rows);
        return rows;
      } catch (error) {
        known?.forget();
        throw new BatchCommitError(((error as SqliteStepError).failedStep ?? -1) > commitStep, error);
      }
    },
    /**
     * The next batch's rows are read inside this batch's transaction, after its writes, so they
     * are what the next batch would read once this one has committed; they go back before the
     * COMMIT. After it, BEGIN IMMEDIATE opens the next batch; should another process have
     * committed in between (data_version moved), the rows may be stale and the next batch is not
     * valid. Accounts already known are not read: this batch's writes are applied to them first.
     */
    async commitAhead(writes, next) {
      known?.apply(writes);
      const steps = [...writes.map(writeStep), DATA_VERSION];
      const versionBefore = steps.length - 1;
      const reads = readsOf(next, steps.length, known);
      steps.push(...reads.steps);
      const aheadAt = steps.length;
      steps.push(COMMIT, BEGIN, DATA_VERSION);
      const commitStep = aheadAt;
      const { ahead, done } = runSteps(steps, aheadAt);
      let early: (BatchRows[number] | null)[];
      try {
        early = await ahead as (BatchRows[number] | null)[];
      } catch (error) {
        known?.forget();
        throw new BatchCommitError(false, error);
      }
      // No one else can commit inside this transaction, so the cache, valid when it opened, still
      // is. Should it not be (it forgot itself on a write of a shape it does not follow), any row it
      // answered is suspect: the next batch is not valid, though this one's COMMIT, already sent,
      // goes on and is reported as it ends.
      const served = reads.cached.some((rows) => rows !== null && rows.length > 0);
      const cacheSound = !known || !served || known.isValidAt(version(early[versionBefore]));
      const committed = done.then((results) => {
        // The final answer holds the steps from `aheadAt` on; the earlier ones came ahead.
        const nextValid = cacheSound && version(early[versionBefore]) === version(results[steps.length - 1] as BatchRows[number]);
        if (!nextValid) known?.forget();
        return { nextValid };
      }, (error: unknown) => {
        known?.forget();
        throw new BatchCommitError(((error as SqliteStepError).failedStep ?? -1) > commitStep, error);
      });
      committed.catch(() => {});
      const rows = reads.rowSteps.map((index, at) => {
        const read = early[index]!;
        const cached = reads.cached[at];
        return cached && cached.length > 0 ? [...read, ...cached] : read;
      });
      rememberRead(known, next, reads.rowSteps.map((index) => early[index]!));
      return { rows, committed };
    },
    async rollback() {
      known?.forget();
      await runSteps([{ sql: 'rollback', each: NO_PARAMETERS }]).done.catch(() => {});
    },
  };
}

/** The rows of the reads the cache serves, as read from the database, into the cache. */
function rememberRead(known: CommittedRows | undefined, batch: BatchOpen, rows: BatchRows): void {
  if (!known) return;
  batch.reads.forEach((read, index) => {
    if (known.serves(read)) known.remember(read, rows[index]!);
  });
}

/**
 * The steps that read `batch`'s rows, and the index each read's rows will have (from `offset`);
 * with `known`, the rows it holds are taken from it (`cached`, by read) and not read.
 */
function readsOf(batch: BatchOpen, offset: number, known?: CommittedRows): { steps: SqliteStep[]; rowSteps: number[]; cached: (BatchRows[number] | null)[] } {
  const steps: SqliteStep[] = [];
  const rowSteps: number[] = [];
  const cached: (BatchRows[number] | null)[] = [];
  for (const read of batch.reads) {
    if (known?.serves(read)) {
      const found: BatchRows[number] = [];
      const missing: string[] = [];
      for (const key of read.keys) {
        const row = known.get(key);
        if (row) found.push(row);
        else missing.push(key);
      }
      steps.push(...readSteps({ ...read, keys: missing }));
      cached.push(found);
    } else {
      steps.push(...readSteps(read));
      cached.push(null);
    }
    rowSteps.push(offset + steps.length - 1);
  }
  return { steps, rowSteps, cached };
}

/** Point reads by key; the write lock is the whole database's, so rows need no lock of their own. */
function readSteps(read: BatchRead): SqliteStep[] {
  if (read.kind === 'counters') {
    const each = read.keys.map((key) => [key]);
    return [
      { sql: 'insert or ignore into counters (key, value) values (?, 0)', each },
      { sql: 'select key, value from counters where key = ?', each },
    ];
  }
  const columns = read.columns === '*' ? '*' : read.columns.map(identifier).join(', ');
  const also = read.also ? ` and ${identifier(read.also.column)} = ?` : '';
  const value = read.also?.value;
  return [{
    sql: `select ${columns} from ${identifier(read.table)} where ${identifier(read.key)} = ?${also}`,
    each: read.keys.map((key) => (value === undefined ? [key] : [key, value])),
  }];
}

/**
 * Each write's statement text, by its table, kind and columns: a batch of top-ups writes ~9 of
 * them, and building each anew (every name checked by identifier()) cost ~1 % of the main thread.
 * The texts are as many as the code's tables and column lists; the cap only guards against a bug.
 */
const writeTexts = new Map<string, string>();
const WRITE_TEXTS_MAX = 1000;

function writeStep(write: BatchWrite): SqliteStep {
  // JSON, so that no two writes share a key: a name identifier() would refuse never meets a cached text.
  const key = JSON.stringify([write.kind, write.table, write.kind === 'update' ? write.key : write.upsertKey ?? null, write.columns]);
  let sql = writeTexts.get(key);
  if (sql === undefined) {
    if (writeTexts.size >= WRITE_TEXTS_MAX) writeTexts.clear();
    sql = writeText(write);
    writeTexts.set(key, sql);
  }
  return { sql, each: write.rows };
}

function writeText(write: BatchWrite): string {
  const table = identifier(write.table);
  if (write.kind === 'update') {
    const assignments = write.columns.map((column) => `${identifier(column)} = ?`).join(', ');
    return `update ${table} set ${assignments} where ${identifier(write.key)} = ?`;
  }
  const columns = write.columns.map(identifier);
  let sql = `insert into ${table} (${columns.join(', ')}) values (${columns.map(() => '?').join(', ')})`;
  if (write.upsertKey) {
    const others = columns.filter((column) => column !== write.upsertKey);
    sql += ` on conflict (${identifier(write.upsertKey)}) do update set ${others.map((column) => `${column} = excluded.${column}`).join(', ')}`;
  }
  return sql;
}

/** A reading step's answer from the worker: the column names once, then each row as an array. */
interface ArrayRows {
  columns: string[];
  rows: unknown[][];
}

/** The worker's rows as objects (row-maker.ts): the worker sends arrays and the column names once. */
function asObjects(results: unknown[]): unknown[] {
  return results.map((result) => {
    if (result === null || !Array.isArray((result as ArrayRows).rows)) return result;
    const { columns, rows } = result as ArrayRows;
    return rows.map(rowMaker(columns));
  });
}
