import { PostgresAdapter, sql, type Kysely } from 'kysely';

/**
 * PostgreSQL only: every top-up and purchase rewrites account totals and line rows. With free
 * room on a page (fillfactor 80) such an update stays on its page and writes no index entries
 * (a HOT update), where a full page sends the new row version elsewhere and writes one entry in
 * every index of the table. SQLite rewrites rows in place and has no such setting.
 */
const TABLES = ['ledger_accounts', 'lines', 'counters'];

export async function up(db: Kysely<any>): Promise<void> {
  if (!(await isPostgres(db))) return;
  for (const table of TABLES) await sql`alter table ${sql.table(table)} set (fillfactor = 80)`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (!(await isPostgres(db))) return;
  for (const table of TABLES) await sql`alter table ${sql.table(table)} reset (fillfactor)`.execute(db);
}

async function isPostgres(db: Kysely<any>): Promise<boolean> {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}
