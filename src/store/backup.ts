import { spawnSync } from 'node:child_process';
import { existsSync, linkSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { verifyLedger } from '../ledger/verify-ledger.ts';
import { displayUrl, openStore, pendingMigrations } from './open-store.ts';

export interface Backup {
  file: string;
  bytes: number;
  /** The copy's own ledger check, as `tolem ledger verify` makes it (SQLite; null for a PostgreSQL dump, and where `unchecked` says why). */
  ledger: { ok: boolean; accounts: number; transfers: number; problems: number } | null;
  /** Why a SQLite copy's ledger was not checked: a schema older than this release's, which its checks do not read. */
  unchecked?: string;
}

/** Why no backup was made, in one line for the operator (the CLI prints it, exit 1). */
export class BackupError extends Error {
  override name = 'BackupError';
}

/**
 * A consistent copy of a running database, checked before it is called a backup.
 *
 * SQLite: `VACUUM INTO` a file, one read transaction on its own connection: the snapshot of the
 * moment it began, however the server writes meanwhile (WAL readers do not stop the writer), and
 * compacted. Copying the database file instead can tear it against its `-wal` file. The copy is
 * then opened on its own: `PRAGMA quick_check`, and the ledger's invariants as `tolem ledger verify`
 * checks them.
 *
 * PostgreSQL: `pg_dump --format=custom` (one repeatable-read snapshot), listed back with
 * `pg_restore --list` to see that it reads. The ledger is not checked on the dump (it would need a
 * database to restore into); `tolem ledger verify` on the live one checks the same data.
 *
 * The copy is made under a temporary name beside the target and appears under the target's name
 * only once checked (a hard link, which fails if the name is taken): a failed or half-made backup
 * never sits where a restore would look, and a retry under the same name is not refused.
 */
export async function backupDatabase(databaseUrl: string, target: string): Promise<Backup> {
  const file = resolve(target);
  if (existsSync(file)) throw new BackupError(`${file} exists: a backup never overwrites a file`);
  try {
    mkdirSync(dirname(file), { recursive: true });
  } catch (error) {
    throw new BackupError(`cannot make the folder ${dirname(file)}: ${(error as Error).message}`);
  }
  const partial = join(dirname(file), `.${basename(file)}.${process.pid}.partial`);
  try {
    const { ledger, unchecked } = databaseUrl.startsWith('sqlite:') ? await copySqlite(databaseUrl.slice('sqlite:'.length), partial) : { ledger: dumpPostgres(databaseUrl, partial), unchecked: undefined };
    try {
      linkSync(partial, file);
    } catch (error) {
      throw new BackupError((error as NodeJS.ErrnoException).code === 'EEXIST' ? `${file} exists: a backup never overwrites a file` : `cannot write ${file}: ${(error as Error).message}`);
    }
    return { file, bytes: statSync(file).size, ledger, ...(unchecked === undefined ? {} : { unchecked }) };
  } catch (error) {
    if (error instanceof BackupError) throw error;
    throw new BackupError(`backup failed: ${firstLine((error as Error).message ?? String(error))}`);
  } finally {
    rmSync(partial, { force: true });
  }
}

async function copySqlite(path: string, partial: string): Promise<Pick<Backup, 'ledger' | 'unchecked'>> {
  if (path === ':memory:') throw new BackupError('an in-memory database has nothing to copy');
  if (!existsSync(resolve(path))) throw new BackupError(`no database at ${resolve(path)}`);
  const source = new Database(resolve(path), { readonly: true, fileMustExist: true });
  try {
    source.pragma('busy_timeout = 10000');
    source.prepare('VACUUM INTO ?').run(partial);
  } finally {
    source.close();
  }
  const copy = new Database(partial, { readonly: true, fileMustExist: true });
  let checked: string;
  try {
    checked = String(copy.pragma('quick_check', { simple: true }));
  } finally {
    copy.close();
  }
  if (checked !== 'ok') throw new BackupError(`the copy failed its check: ${firstLine(checked)}`);
  // The copy opened as Tolem opens a database: it is what a restore would run on.
  const store = await openStore(`sqlite:${partial}`);
  try {
    // The backup taken before `tolem migrate` (to roll back to) is of an earlier release's schema,
    // whose columns this release's checks read in part: copied as it is, its ledger is left unchecked.
    const { pending, anyApplied } = await pendingMigrations(store);
    if (anyApplied && pending.length > 0) {
      return { ledger: null, unchecked: `its schema is older than this release's (${pending.length} migration${pending.length === 1 ? '' : 's'} to apply): \`tolem ledger verify\` checks it once migrated` };
    }
    const report = await verifyLedger(store);
    return { ledger: { ok: report.ok, accounts: report.accounts, transfers: report.transfers, problems: report.problems.length } };
  } finally {
    await store.close();
    // Opening it in WAL mode left these beside it.
    for (const suffix of ['-wal', '-shm']) rmSync(`${partial}${suffix}`, { force: true });
  }
}

function dumpPostgres(url: string, partial: string): null {
  // The password goes in the environment, not the command line that any local user can list.
  const parsed = new URL(url);
  const password = passwordOf(url);
  parsed.password = '';
  const env = password ? { ...process.env, PGPASSWORD: password } : process.env;
  const dumped = spawnSync('pg_dump', ['--format=custom', '--no-owner', `--file=${partial}`, `--dbname=${parsed.toString()}`], { encoding: 'utf8', env });
  if (dumped.error) throw new BackupError('pg_dump not found: install the PostgreSQL client (Debian: postgresql-client) of the server\'s major version or later');
  if (dumped.status !== 0) throw new BackupError(`pg_dump of ${displayUrl(url)} failed: ${firstLine(dumped.stderr ?? '')}`);
  const listed = spawnSync('pg_restore', ['--list', partial], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (listed.error) throw new BackupError('pg_restore not found: install the PostgreSQL client (Debian: postgresql-client)');
  if (listed.status !== 0) throw new BackupError(`the dump does not read back: ${firstLine(listed.stderr ?? '')}`);
  // Its table of contents must hold the ledger's data.
  const missing = ['ledger_accounts', 'ledger_transfers'].filter((table) => !new RegExp(`TABLE DATA \\S+ ${table} `).test(listed.stdout));
  if (missing.length > 0) throw new BackupError(`the dump lacks ${missing.join(' and ')}`);
  return null;
}

const firstLine = (text: string) => text.trim().split('\n')[0] ?? '';

/**
 * The URL's password as the server's connections take it: read by pg itself, which decodes the
 * escapes and keeps a `%` that is no escape (`pa%ss`) as written, also beside an escape
 * (`p%20a%ss` is "p a%ss"), where decodeURIComponent refuses the whole.
 */
export function passwordOf(url: string): string {
  return new pg.Client({ connectionString: url }).password ?? '';
}
