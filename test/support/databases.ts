import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

/**
 * Integration tests run every case on a real SQLite file and on a real PostgreSQL database
 * (each test app gets a fresh one). PostgreSQL is DATABASE_URL when it is postgres://…, else
 * 127.0.0.1:5432; when none answers the PostgreSQL half is skipped with a reason, except under
 * CI=true where that is a failure.
 */
export type DialectName = 'sqlite' | 'postgres';

const POSTGRES_ADMIN_URL = process.env.DATABASE_URL?.startsWith('postgres')
  ? process.env.DATABASE_URL
  : 'postgres://postgres@127.0.0.1:5432/postgres';

// A refused connection fails at once; the wait is for a server slow to answer (a loaded machine: 3 s failed a CI run).
async function probePostgres(): Promise<string | null> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
    await client.query('select 1');
    return null;
  } catch (error) {
    return `PostgreSQL not reachable at ${POSTGRES_ADMIN_URL.replace(/:[^:@/]*@/, ':***@')}: ${(error as Error).message}`;
  } finally {
    await client.end().catch(() => {});
  }
}

const postgresProblem = await probePostgres();
if (postgresProblem && process.env.CI === 'true') {
  throw new Error(`CI=true requires PostgreSQL for the integration tests. ${postgresProblem}`);
}
if (postgresProblem) console.log(`# skipping PostgreSQL tests: ${postgresProblem}`);

export const DIALECTS: { name: DialectName; skip: string | false }[] = [
  { name: 'sqlite', skip: false },
  { name: 'postgres', skip: postgresProblem ?? false },
];

export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/**
 * A fresh database. `encoding` (PostgreSQL only) makes it with another server encoding than the
 * cluster's (WIN1251, LATIN1…), from template0 as PostgreSQL requires.
 */
export async function createTestDatabase(dialect: DialectName, options: { encoding?: string } = {}): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const folder = mkdtempSync(join(tmpdir(), 'tolem-test-'));
    return { url: `sqlite:${join(folder, 'tolem.db')}`, drop: async () => rmSync(folder, { recursive: true, force: true }) };
  }
  const name = `tolem_test_${randomBytes(6).toString('hex')}`;
  const encoding = options.encoding ? ` template template0 encoding '${options.encoding}' locale 'C'` : '';
  await adminQuery(`create database ${name}${encoding}`);
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return { url: url.toString(), drop: () => adminQuery(`drop database if exists ${name} with (force)`) };
}

async function adminQuery(statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}
