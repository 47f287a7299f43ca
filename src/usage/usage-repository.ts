import type { AppContext } from '../app-context.ts';
import { toAccountState } from '../ledger/ledger-repository.ts';
import type { AccountState } from '../domain/ledger.ts';

/** All SQL of usage recording: batch pre-reads (one query each) before the one ledger command. */
export async function findRecordedEventIds(ctx: AppContext, ids: string[]): Promise<Set<string>> {
  if (ids.length === 0) return new Set();
  const rows = await ctx.store.readDb.selectFrom('usage_events').select('id').where('id', 'in', ids).execute();
  return new Set(rows.map((r) => r.id));
}

export interface UsageLine {
  id: string;
  msisdn: string;
  status: string;
  language: string;
}

export async function findLinesByMsisdns(ctx: AppContext, msisdns: string[]): Promise<Map<string, UsageLine>> {
  if (msisdns.length === 0) return new Map();
  const rows = await ctx.store.readDb.selectFrom('lines').select(['id', 'msisdn', 'status', 'language']).where('msisdn', 'in', msisdns).execute();
  return new Map(rows.map((r) => [r.msisdn, r]));
}

/** Buckets of these lines with units left (expiry is checked per event, at the event's time). */
export async function findOpenBuckets(ctx: AppContext, lineIds: string[]): Promise<AccountState[]> {
  if (lineIds.length === 0) return [];
  const rows = await ctx.store.readDb.selectFrom('ledger_accounts').selectAll()
    .where('owner_id', 'in', lineIds).where('kind', '=', 'bucket')
    .where((eb) => eb('credits_posted', '>', eb('debits_posted', '+', eb.ref('debits_pending'))))
    .execute();
  return rows.map(toAccountState);
}
