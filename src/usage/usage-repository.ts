import { sql } from 'kysely';
import type { AppContext } from '../app-context.ts';
import { toAccountState } from '../ledger/ledger-repository.ts';
import type { AccountState } from '../domain/ledger.ts';
import { selectByKeys } from './select-by-keys.ts';

/** All SQL of usage recording: batch pre-reads (one query each) before the one ledger command. */
export async function findRecordedEventIds(ctx: AppContext, ids: string[]): Promise<Set<string>> {
  const db = ctx.store.readDb;
  const rows = await selectByKeys(db, 'recorded-event-ids', ids, (keys) => db.selectFrom('usage_events').select('id').where('id', 'in', keys));
  return new Set(rows.map((r) => r.id));
}

export interface UsageLine {
  id: string;
  msisdn: string;
  status: string;
  language: string;
}

export async function findLinesByMsisdns(ctx: AppContext, msisdns: string[]): Promise<Map<string, UsageLine>> {
  const db = ctx.store.readDb;
  const from = sql.raw(ctx.store.dialect.linesByNumber);
  const rows = await selectByKeys(db, 'usage-lines', msisdns, (keys) => ({
    compile: () => sql<UsageLine>`select id, msisdn, status, language from ${from} where msisdn in (${sql.join(keys)})`.compile(db),
  }));
  return new Map(rows.map((r) => [r.msisdn, r]));
}

/** Buckets of these lines with units left (expiry is checked per event, at the event's time). */
export async function findOpenBuckets(ctx: AppContext, lineIds: string[]): Promise<AccountState[]> {
  const db = ctx.store.readDb;
  const rows = await selectByKeys(db, 'usage-buckets', lineIds, (keys) => db.selectFrom('ledger_accounts').selectAll()
    .where('kind', '=', 'bucket')
    .where((eb) => eb('credits_posted', '>', eb('debits_posted', '+', eb.ref('debits_pending'))))
    .where('owner_id', 'in', keys));
  return rows.map(toAccountState);
}
