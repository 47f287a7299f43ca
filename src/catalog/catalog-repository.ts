import type { AppContext } from '../app-context.ts';
import type { Kysely } from 'kysely';
import type { Database } from '../store/schema.ts';
import { sharedLookup } from '../store/batched-lookup.ts';
import type { OfferingTable, OfferingVersionTable } from '../packages/packages-tables.ts';
import type { OfferingDefinition } from './offering.ts';

/** All SQL of the catalog: offerings and their price versions. */
export interface OfferingRecord {
  offering: OfferingTable;
  version: OfferingVersionTable;
}

/** An offering with its current version; concurrent lookups share their queries (every purchase asks). */
export async function findOffering(ctx: AppContext, code: string): Promise<OfferingRecord | undefined> {
  return sharedLookup(ctx.store, 'offerings-by-code', async (codes) => {
    // Each offering with its current version, in one query (a purchase waits for it).
    const records = await offeringRecords(ctx.store.readDb, codes);
    return new Map(records.map((record) => [record.offering.code, record]));
  })(code);
}

export async function findVersion(ctx: AppContext, id: string): Promise<OfferingVersionTable | undefined> {
  return ctx.db.selectFrom('offering_versions').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function listOfferingRecords(ctx: AppContext): Promise<OfferingRecord[]> {
  return offeringRecords(ctx.db, null);
}

/** Offerings (those with `codes`, or all) with their current versions, by code. */
async function offeringRecords(db: Kysely<Database>, codes: string[] | null): Promise<OfferingRecord[]> {
  let query = db.selectFrom('offerings').innerJoin('offering_versions', (join) => join
    .onRef('offering_versions.offering_id', '=', 'offerings.id').onRef('offering_versions.version', '=', 'offerings.current_version'))
    .selectAll('offerings').select([
      'offering_versions.id as v_id', 'offering_versions.version as v_version', 'offering_versions.price as v_price',
      'offering_versions.currency as v_currency', 'offering_versions.validity_days as v_validity_days', 'offering_versions.fee_period as v_fee_period',
      'offering_versions.data_bytes as v_data_bytes', 'offering_versions.voice_seconds as v_voice_seconds', 'offering_versions.sms_count as v_sms_count',
      'offering_versions.rate_per_mb as v_rate_per_mb', 'offering_versions.rate_per_minute as v_rate_per_minute', 'offering_versions.rate_per_sms as v_rate_per_sms',
      'offering_versions.created_at as v_created_at',
    ]).orderBy('offerings.code');
  if (codes) query = query.where('offerings.code', 'in', codes);
  const rows = await query.execute();
  return rows.map((r) => ({
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
  }));
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
  const now = ctx.clock.now().toISOString();
  const id = ctx.ids.next('off');
  try {
    await ctx.db.transaction().execute(async (trx) => {
      await trx.insertInto('offerings').values({ id, code: definition.code, current_version: 1n, ...offeringColumns(definition), created_at: now, updated_at: now }).execute();
      await trx.insertInto('offering_versions').values(versionRow(id, 1n, definition, ctx.ids.next('ofv'), now)).execute();
    });
    return true;
  } catch (error) {
    if (ctx.store.dialect.isUniqueViolation(error)) return false;
    throw error;
  }
}

/**
 * Updates an offering in place and, when its terms changed, adds the next price version. Past
 * purchases keep the version they bought: versions are never updated. The version number moves
 * under a conditional update, so two concurrent edits cannot both take the same number.
 */
export async function updateOffering(ctx: AppContext, current: OfferingRecord, definition: OfferingDefinition, newVersion: boolean): Promise<boolean> {
  const now = ctx.clock.now().toISOString();
  return ctx.db.transaction().execute(async (trx) => {
    const next = newVersion ? BigInt(current.offering.current_version) + 1n : BigInt(current.offering.current_version);
    const updated = await trx.updateTable('offerings').set({ ...offeringColumns(definition), current_version: next, updated_at: now })
      .where('id', '=', current.offering.id).where('current_version', '=', current.offering.current_version).executeTakeFirst();
    if (Number(updated.numUpdatedRows) !== 1) return false;
    if (newVersion) await trx.insertInto('offering_versions').values(versionRow(current.offering.id, next, definition, ctx.ids.next('ofv'), now)).execute();
    return true;
  });
}

/** Staff actions on the catalog are audited (DESIGN.md section 9). */
export async function auditCatalog(ctx: AppContext, actor: { id: string; role: string }, action: string, target: string, details: unknown): Promise<void> {
  await ctx.db.insertInto('audit_log').values({
    id: ctx.ids.next('aud'), actor_id: actor.id, actor_role: actor.role, action, target, details: JSON.stringify(details), created_at: ctx.clock.now().toISOString(),
  }).execute();
}
