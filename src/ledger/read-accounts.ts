import type { Kysely } from 'kysely';
import type { AccountState } from '../domain/ledger.ts';
import { inChunks } from '../store/in-chunks.ts';
import type { Database } from '../store/schema.ts';
import { toAccountState } from './ledger-repository.ts';

/**
 * Ledger accounts by id as they are now, read without a lock: for showing them, or for a job's
 * guess of what its ledger command will find (the command reads them again under lock). `db` is
 * the store's reader for a request, `ctx.db` for a job (on SQLite the reader is on the main thread).
 */
export async function readAccounts(db: Kysely<Database>, ids: readonly string[]): Promise<Map<string, AccountState>> {
  const rows = await inChunks(ids, (chunk) => db.selectFrom('ledger_accounts').selectAll().where('id', 'in', chunk).execute());
  return new Map(rows.map((row) => [row.id, toAccountState(row)]));
}
