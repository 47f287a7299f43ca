import type { AppContext } from '../app-context.ts';
import { sql, type Kysely } from 'kysely';
import { sharedLookup } from '../store/batched-lookup.ts';
import type { OfferingTable, OfferingVersionTable } from '../packages/packages-tables.ts';
import type { Database } from '../store/schema.ts';
import { OFFERING_KINDS, type OfferingDefinition } from './offering.ts';

/** All SQL of the catalog: offerings and their price versions. */
export interface OfferingRecord {
  offering: OfferingTable;
  version: OfferingVersionTable;
}

const OFFERING_COLUMNS = ['id', 'code', 'kind', 'current_version', 'names', 'descriptions', 'features', 'available_from', 'available_until', 'auto_renew_allowed', 'stacks', 'created_at', 'updated_at'];
const VERSION_COLUMNS = ['id', 'version', 'price', 'currency', 'validity_days', 'fee_period', 'data_bytes', 'voice_seconds', 'sms_count', 'rate_per_mb', 'rate_per_minute', 'rate_per_sms', 'created_at'];
/**
 * Offerings with their current versions, the version's columns prefixed `v_` (OfferingRow). The
 * columns are named, not `o.*`: a PostgreSQL named statement must keep its result's shape should a
 * migration add a column while another process runs it.
 */
const CURRENT_VERSIONS = `select ${OFFERING_COLUMNS.map((column) => `o.${column}`).join(', ')}, ${VERSION_COLUMNS.map((column) => `v.${column} as v_${column}`).join(', ')}
  from offerings o join offering_versions v on v.offering_id = o.id and v.version = o.current_version`;
const OFFERINGS_BY_CODE = {
  name: 'offerings-by-code',
  sqlite: `${CURRENT_VERSIONS} where o.code in (select value from json_each(?))`,
  postgres: `${CURRENT_VERSIONS} where o.code = any($1::text[])`,
};

/** An offering with its current version; concurrent lookups share their queries (every purchase asks). */
export async function findOffering(ctx: AppContext, code: string): Promise<OfferingRecord | undefined> {
  return sharedLookup(ctx.store, 'offerings-by-code', async (codes) => {
    // Each offering with its current version, in one query (a purchase waits for it), prepared
    // once, as the other hot keyed reads are: no query builder compiling it for every lookup.
    const rows = await ctx.store.keyedRows<OfferingRow>(OFFERINGS_BY_CODE, codes);
    return new Map(rows.map((row) => [row.code, toRecord(row)]));
  })(code);
}

export async function findVersion(ctx: AppContext, id: string): Promise<OfferingVersionTable | undefined> {
  return ctx.db.selectFrom('offering_versions').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * The catalog as a subscriber reads it: by kind in OFFERING_KINDS' order (data, voice, sms, combo,
 * tariff; any other kind last), then cheapest first ("5 GB" before "20 GB"), then by code, so that
 * equal prices always come in the same order.
 */
const CATALOG_ORDER = `case o.kind ${OFFERING_KINDS.map((kind, index) => `when '${kind}' then ${index}`).join(' ')} else ${OFFERING_KINDS.length} end, v.price, o.code`;

export async function listOfferingRecords(ctx: AppContext): Promise<OfferingRecord[]> {
  return (await sql.raw<OfferingRow>(`${CURRENT_VERSIONS} order by ${CATALOG_ORDER}`).execute(ctx.db)).rows.map(toRecord);
}

/** An offering's row with its current version's columns prefixed `v_`. */
type OfferingRow = OfferingTable & { [K in keyof OfferingVersionTable as `v_${K & string}`]: OfferingVersionTable[K] };

function toRecord(r: OfferingRow): OfferingRecord {
  return {
    offering: {
      id: r.id, code: r.code, kind: r.kind, current_version: r.current_version, names: r.names, descriptions: r.descriptions, features: r.features,
      available_from: r.available_from, available_until: r.available_until, auto_renew_allowed: r.auto_renew_allowed, stacks: r.stacks,
      created_at: r.created_at, updated_at: r.updated_at,
    },
    version: {
      id: r.v_id, offering_id: r.id, version: r.v_version, price: r.v_price, currency: r.v_currency, validity_days: r.v_validity_days,
      fee_period: r.v_fee_period, data_bytes: r.v_data_bytes, voice_seconds: r.v_voice_seconds, sms_count: r.v_sms_count,
      rate_per_mb: r.v_rate_per_mb, rate_per_minute: r.v_rate_per_minute, rate_per_sms: r.v_rate_per_sms, created_at: r.v_created_at,
    },
  };
}

function versionRow(offeringId: string, version: bigint, definition: OfferingDefinition, id: string, now: string): OfferingVersionTable {
  const t = definition.terms;
  return {
    id, offering_id: offeringId, version, price: t.price, currency: 'KZT', validity_days: BigInt(t.validityDays), fee_period: t.feePeriod,
    data_bytes: t.dataBytes, voice_seconds: t.voiceSeconds, sms_count: t.smsCount, rate_per_mb: t.ratePerMb,
    rate_per_minute: t.ratePerMinute, rate_per_sms: t.ratePerSms, created_at: now,
  };
}

function offeringColumns(definition: OfferingDefinition) {
  return {
    kind: definition.kind, names: JSON.stringify(definition.names), descriptions: JSON.stringify(definition.descriptions),
    features: JSON.stringify(definition.features), available_from: definition.availableFrom, available_until: definition.availableUntil,
    auto_renew_allowed: definition.autoRenewAllowed ? 1n : 0n, stacks: definition.stacks ? 1n : 0n,
  };
}

/** Inserts an offering and its first version; false when the code is taken. */
export async function insertOffering(ctx: AppContext, definition: OfferingDefinition): Promise<boolean> {
  try {
    await ctx.db.transaction().execute((trx) => insertRows(ctx, trx, definition));
    return true;
  } catch (error) {
    if (ctx.store.dialect.isUniqueViolation(error)) return false;
    throw error;
  }
}

async function insertRows(ctx: AppContext, db: Kysely<Database>, definition: OfferingDefinition): Promise<void> {
  const now = ctx.clock.now().toISOString();
  const id = ctx.ids.next('off');
  await db.insertInto('offerings').values({ id, code: definition.code, current_version: 1n, ...offeringColumns(definition), created_at: now, updated_at: now }).execute();
  await db.insertInto('offering_versions').values(versionRow(id, 1n, definition, ctx.ids.next('ofv'), now)).execute();
}

/**
 * Updates an offering in place and, when its terms changed, adds the next price version. Past
 * purchases keep the version they bought: versions are never updated. The update is conditional on
 * the row as read (its version and every field written in place), so two concurrent edits cannot
 * both take the same number, nor can one write back the names, window or flags the other just
 * changed (an edit of the names undoing a concurrent `availableUntil` that took the offering off sale).
 */
export async function updateOffering(ctx: AppContext, current: OfferingRecord, definition: OfferingDefinition, newVersion: boolean): Promise<boolean> {
  return ctx.db.transaction().execute((trx) => updateRows(ctx, trx, current, definition, newVersion));
}

async function updateRows(ctx: AppContext, db: Kysely<Database>, current: OfferingRecord, definition: OfferingDefinition, newVersion: boolean): Promise<boolean> {
  const now = ctx.clock.now().toISOString();
  const next = newVersion ? BigInt(current.offering.current_version) + 1n : BigInt(current.offering.current_version);
  const read = current.offering;
  const updated = await db.updateTable('offerings').set({ ...offeringColumns(definition), current_version: next, updated_at: now })
    .where('id', '=', read.id).where('current_version', '=', read.current_version)
    .where('names', '=', read.names).where('descriptions', '=', read.descriptions).where('features', '=', read.features)
    .where('available_from', read.available_from === null ? 'is' : '=', read.available_from)
    .where('available_until', read.available_until === null ? 'is' : '=', read.available_until)
    .where('auto_renew_allowed', '=', read.auto_renew_allowed).where('stacks', '=', read.stacks)
    .executeTakeFirst();
  if (Number(updated.numUpdatedRows) !== 1) return false;
  if (newVersion) await db.insertInto('offering_versions').values(versionRow(current.offering.id, next, definition, ctx.ids.next('ofv'), now)).execute();
  return true;
}

/** One offering of a catalog import: new (`current` null) or an update of `current` as read. */
export interface OfferingWrite {
  definition: OfferingDefinition;
  current: OfferingRecord | null;
  newVersion: boolean;
  audit: unknown;
}

class CatalogChanged extends Error {}

/**
 * Writes a whole catalog in one transaction, audited: all of it or, when a code was taken or an
 * offering changed since it was read, nothing (false).
 */
export async function writeOfferings(ctx: AppContext, actor: { id: string; role: string }, writes: OfferingWrite[]): Promise<boolean> {
  try {
    await ctx.db.transaction().execute(async (trx) => {
      for (const write of writes) {
        if (!write.current) await insertRows(ctx, trx, write.definition);
        else if (!(await updateRows(ctx, trx, write.current, write.definition, write.newVersion))) throw new CatalogChanged();
        await auditCatalog(ctx, actor, write.current ? 'offering.update' : 'offering.create', write.definition.code, write.audit, trx);
      }
    });
    return true;
  } catch (error) {
    if (error instanceof CatalogChanged || ctx.store.dialect.isUniqueViolation(error)) return false;
    throw error;
  }
}

/** Staff actions on the catalog are audited (DESIGN.md section 9). */
export async function auditCatalog(ctx: AppContext, actor: { id: string; role: string }, action: string, target: string, details: unknown, db = ctx.db): Promise<void> {
  await db.insertInto('audit_log').values({
    id: ctx.ids.next('aud'), actor_id: actor.id, actor_role: actor.role, action, target, details: JSON.stringify(details), created_at: ctx.clock.now().toISOString(),
  }).execute();
}
