import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { verifyLedger } from '../ledger/verify-ledger.ts';
import { displayUrl, openStore } from './open-store.ts';

export interface Backup {
  file: string;
  bytes: number;
  /** The copy's own ledger check, as `tolem ledger verify` makes it (SQLite; null for a PostgreSQL dump). */
  ledger: { ok: boolean; accounts: number; transfers: number; problems: number } | null;
}

/** Why no backup was made, in one line for the operator (the CLI prints it, exit 1). */
export class BackupError extends Error {
  override name = 'BackupError';
}

/**
 * A consistent copy of a running database, checked before it is called a backup.
 *
 * SQLite: `VACUUM INTO` the file, one read transaction on its own connection: the snapshot of the
 * moment it began, however the server writes meanwhile (WAL readers do not stop the writer), and
 * compacted. Copying the database file instead can tear it against its `-wal` file. The copy is
 * then opened on its own: `PRAGMA quick_check`, and the ledger's invariants as `tolem ledger verify`
 * checks them.
 *
 * PostgreSQL: `pg_dump --format=custom` (one repeatable-read snapshot), listed back with
 * `pg_restore --list` to see that it reads. The ledger is not checked on the dump (it would need a
 * database to restore into); `tolem ledger verify` on the live one checks the same data.
 */
export async function backupDatabase(databaseUrl: string, target: string): Promise<Backup> {
  const file = resolve(target);
  if (existsSync(file)) throw new BackupError(`${file} exists: a backup never overwrites a file`);
  if (!existsSync(dirname(file))) mkdirSync(dirname(file), { recursive: true });
  if (databaseUrl.startsWith('sqlite:')) return backupSqlite(databaseUrl.slice('sqlite:'.length), file);
  return backupPostgres(databaseUrl, file);
}

async function backupSqlite(path: string, file: string): Promise<Backup> {
  if (path === ':memory:') throw new BackupError('an in-memory database has nothing to copy');
  if (!existsSync(resolve(path))) throw new BackupError(`no database at ${resolve(path)}`);
  const source = new Database(resolve(path), { readonly: true, fileMustExist: true });
  try {
    source.pragma('busy_timeout = 10000');
    source.prepare('VACUUM INTO ?').run(file);
  } finally {
    source.close();
  }
  const copy = new Database(file, { readonly: true, fileMustExist: true });
  let checked: string;
  try {
    checked = String(copy.pragma('quick_check', { simple: true }));
  } finally {
    copy.close();
  }
  if (checked !== 'ok') throw new BackupError(`the copy at ${file} failed its check: ${checked.split('\n')[0]}`);
  // The copy opened as Tolem opens a database: it is what a restore would run on.
  const store = await openStore(`sqlite:${file}`);
  try {
    const report = await verifyLedger(store);
    return { file, bytes: statSync(file).size, ledger: { ok: report.ok, accounts: report.accounts, transfers: report.transfers, problems: report.problems.length } };
  } finally {
    await store.close();
  }
}

async function backupPostgres(url: string, file: string): Promise<Backup> {
  const dumped = spawnSync('pg_dump', ['--format=custom', '--no-owner', `--file=${file}`, `--dbname=${url}`], { encoding: 'utf8' });
  if (dumped.error) throw new BackupError('pg_dump not found: install the PostgreSQL client (Debian: postgresql-client) of the server\'s major version or later');
  if (dumped.status !== 0) throw new BackupError(`pg_dump of ${displayUrl(url)} failed: ${firstLine(dumped.stderr)}`);
  const listed = spawnSync('pg_restore', ['--list', file], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (listed.status !== 0) throw new BackupError(`the dump at ${file} does not read back: ${firstLine(listed.stderr)}`);
  // Its table of contents must hold the ledger's data.
  const missing = ['ledger_accounts', 'ledger_transfers'].filter((table) => !new RegExp(`TABLE DATA \\S+ ${table} `).test(listed.stdout));
  if (missing.length > 0) throw new BackupError(`the dump at ${file} lacks ${missing.join(' and ')}`);
  return { file, bytes: statSync(file).size, ledger: null };
}

const firstLine = (text: string) => text.trim().split('\n')[0] ?? '';
