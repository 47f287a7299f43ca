import type { AppContext } from '../app-context.ts';
import { toAccountState } from '../ledger/ledger-repository.ts';
import type { AccountState } from '../domain/ledger.ts';
import type { Database } from '../store/schema.ts';

/**
 * All SQL of usage recording: batch pre-reads (one query each, up to 1,000 keys) before the one
 * ledger command. Each is one statement whatever the number of keys (Store.keyedRows), prepared
 * once: `… in (…)` with a list made a new statement for every list length.
 */

/** What an event id already recorded was recorded with, and its outcome (usage_events). */
export interface RecordedEvent {
  lineId: string;
  service: string;
  units: bigint;
  /** ISO-8601 UTC, as planUsage normalises an event's time. */
  at: string;
  consumed: number;
  charged: number;
  uncovered: number;
}

/**
 * The events of these ids already recorded, by id. One keyed read: each id is looked up in the
 * primary key's index, and only an id found there costs a read of its row's other columns (on the
 * hot path nearly every id is new).
 */
export async function findRecordedEvents(ctx: AppContext, ids: string[]): Promise<Map<string, RecordedEvent>> {
  const rows = await ctx.store.keyedRows<Pick<Database['usage_events'], 'id' | 'line_id' | 'service' | 'units' | 'at' | 'consumed' | 'charged' | 'uncovered'>>(RECORDED_EVENT_IDS, ids);
  const found = new Map<string, RecordedEvent>();
  for (const row of rows) {
    found.set(row.id, {
      lineId: row.line_id, service: row.service, units: BigInt(row.units), at: row.at,
      consumed: Number(row.consumed), charged: Number(row.charged), uncovered: Number(row.uncovered),
    });
  }
  return found;
}

export interface UsageLine {
  id: string;
  msisdn: string;
  status: string;
  language: string;
}

export async function findLinesByMsisdns(ctx: AppContext, msisdns: string[]): Promise<Map<string, UsageLine>> {
  const rows = await ctx.store.keyedRows<UsageLine>(LINES_BY_NUMBER, msisdns);
  return new Map(rows.map((r) => [r.msisdn, r]));
}

/** When these lines were created, by id: read only for a line some event is dated before its id's time (plan-usage.ts, createdFloors). */
export async function findLinesCreatedAt(ctx: AppContext, lineIds: string[]): Promise<Map<string, string>> {
  const rows = await ctx.store.readDb.selectFrom('lines').select(['id', 'created_at']).where('id', 'in', lineIds).execute();
  return new Map(rows.map((r) => [r.id, r.created_at]));
}

/**
 * Buckets of these lines with units left that have not expired before `earliest` (the earliest
 * event's time; each event checks expiry at its own time). Through (owner_id, kind, expires_at),
 * so a line's buckets expired long ago are passed over in the index, never read.
 */
export async function findOpenBuckets(ctx: AppContext, lineIds: string[], earliest: string): Promise<AccountState[]> {
  const rows = await ctx.store.keyedRows<Database['ledger_accounts']>(OPEN_BUCKETS, lineIds, earliest);
  return rows.map(toAccountState);
}

/** A tariff package's period of these lines, with its version's pay-as-you-go rates (null: the tariff sets none). */
export interface TariffPeriod {
  line_id: string;
  starts_at: string;
  expires_at: string;
  rate_per_mb: bigint | null;
  rate_per_minute: bigint | null;
  rate_per_sms: bigint | null;
}

/**
 * The tariff periods of these lines that end after `earliest`, through package_periods_line
 * (line_id, expires_at): each event is rated by the period it falls in.
 */
export async function findTariffPeriods(ctx: AppContext, lineIds: string[], earliest: string): Promise<TariffPeriod[]> {
  return ctx.store.keyedRows<TariffPeriod>(TARIFF_PERIODS, lineIds, earliest);
}

const RECORDED_EVENT_COLUMNS = 'id, line_id, service, units, at, consumed, charged, uncovered';
/**
 * The events already recorded among a request's ids, with what each was recorded with and its
 * outcome: a repeat answers that outcome, a reused id with another body is refused. Through the
 * primary key's index (on SQLite `sqlite_autoindex_usage_events_1 (id=?)`); the row itself is read
 * only for an id found there.
 */
export const RECORDED_EVENT_IDS = {
  name: 'usage-recorded-events',
  sqlite: `select ${RECORDED_EVENT_COLUMNS} from usage_events where id in (select value from json_each(?))`,
  postgres: `select ${RECORDED_EVENT_COLUMNS} from usage_events where id = any($1::text[])`,
};

/** Through the covering index lines_msisdn_rating, named on SQLite (the planner would take the unique index and the table). */
export const LINES_BY_NUMBER = {
  name: 'usage-lines-by-number',
  sqlite: 'select id, msisdn, status, language from lines indexed by lines_msisdn_rating where msisdn in (select value from json_each(?))',
  postgres: 'select id, msisdn, status, language from lines where msisdn = any($1::text[])',
};

/**
 * Every bucket has an expiry (its period's end), so a range on (owner_id, kind, expires_at) skips
 * the expired ones in the index. Columns named, not `*`: PostgreSQL's named statement would fail
 * once per pooled connection after a migration adds a column while processes run.
 */
const BUCKET_COLUMNS = 'id, unit, kind, owner_id, flags, debits_posted, credits_posted, debits_pending, credits_pending, expires_at';
const OPEN_BUCKETS_WHERE = "kind = 'bucket' and credits_posted > debits_posted + debits_pending";
export const OPEN_BUCKETS = {
  name: 'usage-open-buckets',
  sqlite: `select ${BUCKET_COLUMNS} from ledger_accounts where owner_id in (select value from json_each(?)) and ${OPEN_BUCKETS_WHERE} and expires_at > ?`,
  postgres: `select ${BUCKET_COLUMNS} from ledger_accounts where owner_id = any($1::text[]) and ${OPEN_BUCKETS_WHERE} and expires_at > $2`,
};

const TARIFF_PERIOD_COLUMNS = 'pp.line_id, pp.starts_at, pp.expires_at, v.rate_per_mb, v.rate_per_minute, v.rate_per_sms';
const TARIFF_PERIOD_FROM = "package_periods pp join packages p on p.id = pp.package_id and p.kind = 'tariff' join offering_versions v on v.id = pp.offering_version_id";
export const TARIFF_PERIODS = {
  name: 'usage-tariff-periods',
  sqlite: `select ${TARIFF_PERIOD_COLUMNS} from ${TARIFF_PERIOD_FROM} where pp.line_id in (select value from json_each(?)) and pp.expires_at > ?`,
  postgres: `select ${TARIFF_PERIOD_COLUMNS} from ${TARIFF_PERIOD_FROM} where pp.line_id = any($1::text[]) and pp.expires_at > $2`,
};
