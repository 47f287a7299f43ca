import pg from 'pg';
import {
  BatchCommitError, identifier,
  type BatchConnection, type BatchOpen, type BatchRead, type BatchRows, type BatchWrite, type SqlValue,
} from './batch-statements.ts';

/**
 * The ledger writer's batches on PostgreSQL: each phase is one simple-protocol query holding
 * several statements, so a batch costs one round trip when the writer is busy (write, commit,
 * begin the next batch, lock and read its rows) instead of one per statement. Values are written
 * as escaped literals; table and column names come from code and are asserted.
 */
const INSERT_ROWS_MAX = 1_000;

export function postgresBatchConnection(client: pg.PoolClient): BatchConnection {
  return {
    async open(batch) {
      const statements = openStatements(batch);
      const { results } = await runStatements(client, statements.text);
      return statements.rowStatements.map((index) => results[index]!.rows);
    },
    async commit(writes, next) {
      const text = [...writes.flatMap(writeStatements), 'commit'];
      const opened = next ? openStatements(next, text.length) : null;
      const { results, committed, error } = await runStatements(client, [...text, ...(opened?.text ?? [])]);
      if (error) throw new BatchCommitError(committed, error);
      return opened ? opened.rowStatements.map((index) => results[index]!.rows) : null;
    },
    async rollback() {
      await client.query('rollback').catch(() => {});
    },
  };
}

interface Ran {
  results: pg.QueryResult[];
  /** Whether a COMMIT completed before the failure (its command tag arrived). */
  committed: boolean;
  error?: unknown;
}

/**
 * Sends the statements as one simple query. PostgreSQL stops at the first failing statement, so
 * the COMMIT tags that arrived before it tell whether the batch's commit went through.
 */
function runStatements(client: pg.PoolClient, statements: string[]): Promise<Ran> {
  return new Promise((resolve) => {
    let committed = false;
    const query = new pg.Query(statements.join(';\n'), undefined, (error: Error | undefined, results: unknown) => {
      if (error) resolve({ results: [], committed, error });
      else resolve({ results: Array.isArray(results) ? results : [results as pg.QueryResult], committed });
    }) as pg.Query & { handleCommandComplete(message: { command?: string; text?: string }, connection: unknown): void };
    const completed = query.handleCommandComplete.bind(query);
    query.handleCommandComplete = (message, connection) => {
      if (message.command === 'COMMIT' || message.text === 'COMMIT') committed = true;
      completed(message, connection);
    };
    client.query(query);
  });
}

/** BEGIN, advisory locks on the keys in sorted order (so writers never deadlock), then the reads. */
function openStatements(batch: BatchOpen, offset = 0): { text: string[]; rowStatements: number[] } {
  const text = ['begin'];
  if (batch.lockKeys.length > 0) {
    const hashes = [...new Set(batch.lockKeys.map(keyHash64))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    text.push(`select pg_advisory_xact_lock(k) from (select unnest(array[${hashes.join(',')}]::bigint[]) as k order by 1) s`);
  }
  const rowStatements: number[] = [];
  for (const read of batch.reads) {
    text.push(readStatement(read));
    rowStatements.push(offset + text.length - 1);
  }
  return { text, rowStatements };
}

function readStatement(read: BatchRead): string {
  const keys = `array[${read.keys.map(literal).join(',')}]::text[]`;
  if (read.kind === 'counters') {
    // ON CONFLICT DO UPDATE takes the row lock; keys sorted, so counters are locked in order.
    return `insert into counters (key, value) select k, 0 from unnest(${keys}) k order by k
      on conflict (key) do update set value = counters.value returning key, value`;
  }
  const columns = read.columns === '*' ? '*' : read.columns.map(identifier).join(', ');
  const key = identifier(read.key);
  const also = read.also ? ` and ${identifier(read.also.column)} = ${literal(read.also.value)}` : '';
  return `select ${columns} from ${identifier(read.table)} where ${key} = any(${keys})${also} order by ${key}${read.lock ? ' for update' : ''}`;
}

function writeStatements(write: BatchWrite): string[] {
  const statements: string[] = [];
  for (let start = 0; start < write.rows.length; start += INSERT_ROWS_MAX) {
    statements.push(writeStatement(write, write.rows.slice(start, start + INSERT_ROWS_MAX)));
  }
  return statements;
}

function writeStatement(write: BatchWrite, rows: SqlValue[][]): string {
  const table = identifier(write.table);
  const columns = write.columns.map(identifier);
  const values = rows.map((row) => `(${row.map(literal).join(',')})`).join(',\n');
  if (write.kind === 'update') {
    // VALUES types each column from its literals: integers as int or bigint, strings as text.
    const key = identifier(write.key);
    return `update ${table} set ${columns.map((column) => `${column} = v.${column}`).join(', ')}
      from (values ${values}) as v(${[...columns, key].join(', ')}) where ${table}.${key} = v.${key}`;
  }
  let sql = `insert into ${table} (${columns.join(', ')}) values ${values}`;
  if (write.upsertKey) {
    const others = columns.filter((column) => column !== write.upsertKey);
    sql += ` on conflict (${identifier(write.upsertKey)}) do update set ${others.map((column) => `${column} = excluded.${column}`).join(', ')}`;
  }
  return sql;
}

function literal(value: SqlValue): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new Error(`not a number for SQL: ${value}`);
    return String(value);
  }
  return quote(value);
}

/**
 * A string literal, as pg's escapeLiteral writes it (quotes doubled; with a backslash, an E''
 * literal with backslashes doubled, so it reads the same whatever standard_conforming_strings
 * says), without its character-by-character loop: outbox payloads and stored answers are long.
 */
export function quote(value: string): string {
  if (value.includes('\0')) throw new Error('PostgreSQL text cannot hold U+0000');
  const quoted = value.includes("'") ? value.replaceAll("'", "''") : value;
  return value.includes('\\') ? ` E'${quoted.replaceAll('\\', '\\\\')}'` : `'${quoted}'`;
}

const TWO_32 = 2 ** 32;

/**
 * FNV-1a 64-bit over UTF-16 code units, as a signed bigint for pg_advisory_xact_lock. Computed in
 * two 32-bit halves (the same value as 64-bit BigInt arithmetic, at a fraction of its cost):
 * every process must hash a key alike, or their locks would not meet.
 */
export function keyHash64(key: string): bigint {
  let high = 0xcbf29ce4;
  let low = 0x84222325;
  for (let index = 0; index < key.length; index++) {
    low = (low ^ key.charCodeAt(index)) >>> 0;
    // (high·2³² + low) · (0x100·2³² + 0x1b3) mod 2⁶⁴; every product stays below 2⁵³.
    const lowProduct = low * 0x1b3;
    const carry = Math.floor(lowProduct / TWO_32);
    high = (high * 0x1b3 + low * 0x100 + carry) % TWO_32;
    low = lowProduct % TWO_32;
  }
  return BigInt.asIntN(64, (BigInt(high) << 32n) | BigInt(low));
}
