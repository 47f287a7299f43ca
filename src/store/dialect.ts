import { CompiledQuery, sql, type Kysely, type QueryResult } from 'kysely';
import type { Database } from './schema.ts';

/**
 * The seam between SQLite and PostgreSQL. Use cases and repositories never ask which database
 * they run on; the few things that differ live here (after Kysely's own Dialect seam).
 *
 * The ledger writer's batch is two calls: `openBatch` (begin, lock, load) and `commitBatch`
 * (write everything, commit). Each dialect does them in as few round trips as it can: SQLite's
 * connection lives in a worker thread and takes each call as one message; PostgreSQL needs its
 * advisory locks before the reads and sends all writes as one statement.
 */
export interface StoreDialect {
  readonly name: 'sqlite' | 'postgres';
  /** Whether rows read inside a write transaction must be locked explicitly (FOR UPDATE). */
  readonly lockRowsOnRead: boolean;
  /** Begins a write transaction, serialises writers sharing `keys`, runs the loads; their results in order. */
  openBatch(conn: Kysely<Database>, keys: readonly string[], loads: readonly CompiledQuery[]): Promise<QueryResult<any>[]>;
  /** Runs the batch's writes and commits. */
  commitBatch(conn: Kysely<Database>, writes: readonly CompiledQuery[]): Promise<void>;
  rollback(conn: Kysely<Database>): Promise<void>;
  isUniqueViolation(error: unknown): boolean;
}

/** Marks a query that carries a list of statements for the SQLite worker to run in one message. */
export const MANY_STATEMENTS = '-- tolem:many';

/** Several statements as one compiled query, for the SQLite worker driver (sqlite-worker-dialect.ts). */
export function manyStatements(queries: readonly CompiledQuery[]): CompiledQuery {
  return CompiledQuery.raw(MANY_STATEMENTS, queries.map((query) => ({ sql: query.sql, params: query.parameters })));
}

export const sqliteDialect: StoreDialect = {
  name: 'sqlite',
  lockRowsOnRead: false,
  async openBatch(conn, _keys, loads) {
    // BEGIN IMMEDIATE takes the database's write lock at once: one writer at a time, across processes.
    const result = await conn.executeQuery(manyStatements([CompiledQuery.raw('begin immediate'), ...loads]));
    return (result.rows as QueryResult<any>[]).slice(1);
  },
  async commitBatch(conn, writes) {
    await conn.executeQuery(manyStatements([...writes, CompiledQuery.raw('commit')]));
  },
  async rollback(conn) {
    await sql`rollback`.execute(conn).catch(() => {});
  },
  isUniqueViolation(error) {
    return typeof error === 'object' && error !== null && String((error as { code?: unknown }).code).startsWith('SQLITE_CONSTRAINT_UNIQUE')
      || String((error as { code?: unknown })?.code) === 'SQLITE_CONSTRAINT_PRIMARYKEY';
  },
};

/** PostgreSQL takes at most 65,535 parameters in one statement. */
const POSTGRES_PARAMETERS_MAX = 60_000;

export const postgresDialect: StoreDialect = {
  name: 'postgres',
  lockRowsOnRead: true,
  async openBatch(conn, keys, loads) {
    await sql`begin`.execute(conn);
    if (keys.length > 0) {
      // Sorted, in one statement: every writer takes key locks in the same order, so none deadlock.
      const hashes = [...new Set(keys.map(keyHash64))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
      await sql`select pg_advisory_xact_lock(k) from (select unnest(${hashes.map(String)}::bigint[]) as k order by 1) s`.execute(conn);
    }
    const results: QueryResult<any>[] = [];
    for (const load of loads) results.push(await conn.executeQuery(load));
    return results;
  },
  async commitBatch(conn, writes) {
    // Each round trip costs more than the statement: send the whole batch as one statement
    // (the writes touch distinct rows, so running them on one snapshot is safe).
    let group: CompiledQuery[] = [];
    let parameters = 0;
    for (const query of writes) {
      if (group.length > 0 && parameters + query.parameters.length > POSTGRES_PARAMETERS_MAX) {
        await conn.executeQuery(combineWrites(group));
        group = [];
        parameters = 0;
      }
      group.push(query);
      parameters += query.parameters.length;
    }
    if (group.length > 0) await conn.executeQuery(combineWrites(group));
    await sql`commit`.execute(conn);
  },
  async rollback(conn) {
    await sql`rollback`.execute(conn).catch(() => {});
  },
  isUniqueViolation(error) {
    return typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505';
  },
};

/** `with w0 as (…), w1 as (…) select 1`, renumbering each statement's $n parameters. */
function combineWrites(queries: readonly CompiledQuery[]): CompiledQuery {
  if (queries.length === 1) return queries[0]!;
  const parameters: unknown[] = [];
  const parts = queries.map((query, index) => {
    const offset = parameters.length;
    parameters.push(...query.parameters);
    return `w${index} as (${query.sql.replace(/\$(\d+)/g, (_match, n: string) => `$${Number(n) + offset}`)})`;
  });
  return CompiledQuery.raw(`with ${parts.join(', ')} select 1`, parameters);
}

/** FNV-1a 64-bit, as a signed bigint for pg_advisory_xact_lock. */
export function keyHash64(key: string): bigint {
  let hash = 0xcbf29ce484222325n;
  for (let index = 0; index < key.length; index++) {
    hash ^= BigInt(key.charCodeAt(index));
    hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return BigInt.asIntN(64, hash);
}
