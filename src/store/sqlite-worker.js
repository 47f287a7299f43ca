// The SQLite connection of a Tolem process, in a worker thread: statements run and commits wait for
// the disk here, while the main thread goes on serving HTTP. Plain JavaScript so that it starts
// without the TypeScript loader. Protocol: {id, sql, params} → {id, rows} | {id, changes} | {id, error};
// {id, steps, aheadAt?} → {id, ahead}? then {id, results} | {id, error} (see runSteps; steps, ahead
// and results in step-codec.js's parts; a reading step's rows decode as {columns, rows: arrays}).
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { statementCache } from './statement-cache.js';
import { decodeSteps, encodeResults } from './step-codec.js';

const STATEMENT_CACHE_SIZE_MAX = 2000;
// Ten times a second: each checkpoint copies a short stretch of WAL, so commits meet short bursts
// of checkpoint I/O (its fsync of the database file queues ahead of the commits' fsyncs).
const CHECKPOINT_INTERVAL_MS = 100;
// The WAL only starts again from its beginning when the writer begins a transaction with every
// frame already copied back, and the writer begins its next batch the moment it commits, before
// the checkpointer can have copied that commit. So the writer checkpoints itself once the WAL
// holds this many frames (~12 MB; the checkpointer has copied all but the last ~100 ms), and the
// WAL starts over. At 50,000 frames it grew to ~200 MB between restarts and commits stalled up to
// ~100 ms; measured side by side (2026-12-03, with the interval above against 250 ms): top-up p99
// 55–81 ms (median 66) against 82–116 ms (median 95), top-ups/s ~5–8 % lower (2,239 against 2,369/s
// at equal steal).
const WAL_PAGES_MAX = 3000;
// After a restart, a WAL that one huge batch grew is cut back to this size.
const WAL_BYTES_KEPT = 32 * 1024 * 1024;
const database = new Database(workerData.path);
// The same file runs the checkpointer (workerData.checkpointer): a second connection whose only
// job is to copy the WAL back into the database (see sqlite-reader.ts); and the read worker
// (workerData.reader): a read-only connection for keyed reads of many keys (sqliteReadWorker in
// sqlite-worker-dialect.ts; open-store.ts sends them there).
const writer = !workerData.checkpointer && !workerData.reader;
if (writer) database.pragma('journal_mode = WAL');
if (workerData.reader) database.pragma('query_only = ON');
// Durability is not traded for speed: a full fsync on every commit.
database.pragma('synchronous = FULL');
database.pragma('busy_timeout = 10000');
// Memory-mapped reads: lines and accounts are read at random. With mmap the page cache holds only
// pages this connection has written (and WAL pages not yet checkpointed), and SQLite walks the
// whole cache at every commit that split a B-tree page (pcache1TruncateUnsafe, after
// balance_nonroot's temporary page number): 16 MB rather than 64 MB took top-ups' worker time per
// top-up from ~205 to ~170 µs (measured side by side, 2026-12-02).
database.pragma('cache_size = -16384');
// A reader has none: another connection's commit unmaps it (sqlite-reader.ts says more).
database.pragma(`mmap_size = ${workerData.reader ? 0 : 268435456}`);
if (workerData.checkpointer) {
  // The checkpointer copies the WAL back into the database (PASSIVE: never blocks the writer),
  // so that the writer's commits do not pay for checkpoints.
  setInterval(() => {
    try { database.pragma('wal_checkpoint(PASSIVE)'); } catch { /* busy: the next round will do */ }
  }, CHECKPOINT_INTERVAL_MS);
} else if (writer) {
  database.pragma(`wal_autocheckpoint = ${WAL_PAGES_MAX}`);
  database.pragma(`journal_size_limit = ${WAL_BYTES_KEPT}`);
}
database.pragma('foreign_keys = ON');
database.defaultSafeIntegers(true);

const prepare = statementCache(database, STATEMENT_CACHE_SIZE_MAX);

function run(sql, params) {
  const statement = prepare(sql);
  if (statement.reader) return { rows: statement.all(params) };
  const { changes, lastInsertRowid } = statement.run(params);
  return { changes: BigInt(changes), lastInsertRowid: BigInt(lastInsertRowid) };
}

/**
 * A ledger batch in one message: each step is a statement run once per parameter list; a reading
 * step answers all its rows, a writing one null. On a failure the step's index goes back with the
 * error, so the writer knows whether the batch's COMMIT step had run. With `aheadAt`, the results
 * of the steps before it go back at once, before the rest runs (the next batch's rows, read
 * before this batch's COMMIT: the writer works on them while the commit waits for the disk).
 */
function runSteps(id, steps, aheadAt) {
  const results = [];
  for (let index = 0; index < steps.length; index++) {
    if (index === aheadAt) {
      parentPort.postMessage({ id, ahead: encodeResults(results) });
      // Sent once (postMessage copies at once): the final answer holds only the steps from here on.
      results.fill(null);
    }
    const { sql, each } = steps[index];
    try {
      const statement = prepare(sql);
      if (statement.reader) {
        // Rows as arrays, with the column names once: an object per row cost more to build here
        // and to copy to the main thread than the statement did (sqlite-batch.ts makes the objects).
        const rows = [];
        statement.raw(true);
        try {
          for (const params of each) for (const row of statement.all(params)) rows.push(row);
        } finally {
          statement.raw(false);
        }
        results.push({ columns: statement.columns().map((column) => column.name), rows });
      } else {
        for (const params of each) statement.run(params);
        results.push(null);
      }
    } catch (error) {
      error.failedStep = index;
      throw error;
    }
  }
  return results;
}

parentPort.on('message', (message) => {
  if (message.close) {
    database.close();
    parentPort.postMessage({ id: message.id, closed: true });
    return;
  }
  try {
    if (message.steps) parentPort.postMessage({ id: message.id, results: encodeResults(runSteps(message.id, decodeSteps(message.steps), message.aheadAt)) });
    else parentPort.postMessage({ id: message.id, ...run(message.sql, message.params) });
  } catch (error) {
    parentPort.postMessage({ id: message.id, error: { message: error.message, code: error.code, name: error.name, failedStep: error.failedStep } });
  }
});
