import { CompiledQuery, type Kysely } from 'kysely';
import {
  BatchCommitError, identifier,
  type BatchConnection, type BatchOpen, type BatchRead, type BatchRows, type BatchWrite, type SqlValue,
} from './batch-statements.ts';

/** Marks a query that carries steps for the SQLite worker to run in one message (sqlite-worker-dialect.ts). */
export const SQLITE_STEPS = '-- tolem:steps';

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

const NO_PARAMETERS: SqlValue[][] = [[]];

/** The ledger writer's batches on the SQLite worker's connection: one message per batch when busy. */
export function sqliteBatchConnection(conn: Kysely<any>): BatchConnection {
  const run = async (steps: SqliteStep[]) => (await conn.executeQuery(CompiledQuery.raw(SQLITE_STEPS, [steps]))).rows as (BatchRows[number] | null)[];
  return {
    async open(batch) {
      const { steps, rowSteps } = openSteps(batch, 0);
      const results = await run(steps);
      return rowSteps.map((index) => results[index]!);
    },
    async commit(writes, next) {
      const steps = writes.map(writeStep);
      steps.push({ sql: 'commit', each: NO_PARAMETERS });
      const commitStep = steps.length - 1;
      const opened = next ? openSteps(next, steps.length) : null;
      if (opened) steps.push(...opened.steps);
      try {
        const results = await run(steps);
        return opened ? opened.rowSteps.map((index) => results[index]!) : null;
      } catch (error) {
        throw new BatchCommitError(((error as SqliteStepError).failedStep ?? -1) > commitStep, error);
      }
    },
    async rollback() {
      await conn.executeQuery(CompiledQuery.raw('rollback')).catch(() => {});
    },
  };
}

/** BEGIN IMMEDIATE takes the database's write lock at once: one writer at a time, across processes. */
function openSteps(batch: BatchOpen, offset: number): { steps: SqliteStep[]; rowSteps: number[] } {
  const steps: SqliteStep[] = [{ sql: 'begin immediate', each: NO_PARAMETERS }];
  const rowSteps: number[] = [];
  for (const read of batch.reads) {
    steps.push(...readSteps(read));
    rowSteps.push(offset + steps.length - 1);
  }
  return { steps, rowSteps };
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

function writeStep(write: BatchWrite): SqliteStep {
  const table = identifier(write.table);
  if (write.kind === 'update') {
    const assignments = write.columns.map((column) => `${identifier(column)} = ?`).join(', ');
    return { sql: `update ${table} set ${assignments} where ${identifier(write.key)} = ?`, each: write.rows };
  }
  const columns = write.columns.map(identifier);
  let sql = `insert into ${table} (${columns.join(', ')}) values (${columns.map(() => '?').join(', ')})`;
  if (write.upsertKey) {
    const others = columns.filter((column) => column !== write.upsertKey);
    sql += ` on conflict (${identifier(write.upsertKey)}) do update set ${others.map((column) => `${column} = excluded.${column}`).join(', ')}`;
  }
  return { sql, each: write.rows };
}
