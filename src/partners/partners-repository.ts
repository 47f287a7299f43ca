import type { AppContext } from '../app-context.ts';
import type { Database } from '../store/schema.ts';

/** All SQL of partner webhooks: endpoints, the outbox cursor, deliveries. */
export type EndpointRow = Database['webhook_endpoints'];
export type DeliveryRow = Database['webhook_deliveries'];

/**
 * Adds an endpoint unless its key already has `endpointsMax` active ones; false when refused. The
 * first statement is a no-op update of the key's row: it locks that row on PostgreSQL and takes
 * the write lock on SQLite, so two registrations at once count one after the other.
 */
export async function insertEndpointWithin(ctx: AppContext, row: EndpointRow, endpointsMax: number): Promise<boolean> {
  return ctx.db.transaction().execute(async (trx) => {
    await trx.updateTable('api_keys').set((eb) => ({ revoked_at: eb.ref('revoked_at') })).where('id', '=', row.api_key_id).execute();
    const { active } = await trx.selectFrom('webhook_endpoints').select((eb) => eb.fn.countAll<bigint>().as('active'))
      .where('api_key_id', '=', row.api_key_id).where('disabled_at', 'is', null).executeTakeFirstOrThrow();
    if (Number(active) >= endpointsMax) return false;
    await trx.insertInto('webhook_endpoints').values(row).execute();
    return true;
  });
}

export async function endpointsOfKey(ctx: AppContext, apiKeyId: string): Promise<EndpointRow[]> {
  return ctx.store.readDb.selectFrom('webhook_endpoints').selectAll().where('api_key_id', '=', apiKeyId).where('disabled_at', 'is', null).orderBy('id').execute();
}

// The job's reads go through ctx.db: on SQLite store.readDb is a connection on the main thread,
// where a scan would hold up HTTP serving.

/** The active endpoints of these keys (at most one page of events' distinct actors). */
export async function activeEndpointsOf(ctx: AppContext, apiKeyIds: string[]): Promise<EndpointRow[]> {
  if (apiKeyIds.length === 0) return [];
  return ctx.db.selectFrom('webhook_endpoints').selectAll().where('api_key_id', 'in', apiKeyIds).where('disabled_at', 'is', null).execute();
}

/** Every topic some active endpoint listens to: the job reads only events of these. */
export async function subscribedTopics(ctx: AppContext): Promise<string[]> {
  const rows = await ctx.db.selectFrom('webhook_endpoints').select('topics').distinct().where('disabled_at', 'is', null).execute();
  return [...new Set(rows.flatMap((row) => JSON.parse(row.topics) as string[]))].sort();
}

/** Stops an endpoint: nothing more is sent to it, and what was still waiting is given up. */
export async function disableEndpoint(ctx: AppContext, apiKeyId: string, id: string): Promise<boolean> {
  return ctx.db.transaction().execute(async (trx) => {
    const result = await trx.updateTable('webhook_endpoints').set({ disabled_at: ctx.clock.now().toISOString() })
      .where('id', '=', id).where('api_key_id', '=', apiKeyId).where('disabled_at', 'is', null).executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) return false;
    await trx.updateTable('webhook_deliveries').set({ status: 'failed', last_error: 'endpoint_deleted' })
      .where('endpoint_id', '=', id).where('status', '=', 'pending').execute();
    return true;
  });
}

export async function cursorOf(ctx: AppContext, name: string): Promise<string | null> {
  const row = await ctx.db.selectFrom('webhook_cursors').select('position').where('name', '=', name).executeTakeFirst();
  return row?.position ?? null;
}

/** Every reader's position in the outbox (`<created_at>|<id>`): the retention job deletes only events behind all of them. */
export async function cursorPositions(ctx: AppContext): Promise<{ name: string; position: string }[]> {
  return ctx.db.selectFrom('webhook_cursors').select(['name', 'position']).execute();
}

export async function saveCursor(ctx: AppContext, name: string, position: string): Promise<void> {
  await ctx.db.insertInto('webhook_cursors').values({ name, position })
    .onConflict((c) => c.column('name').doUpdateSet({ position })).execute();
}

/** Events of these topics strictly after the cursor (created_at, id) and strictly before `until`, in that order. */
export async function outboxEventsSince(ctx: AppContext, topics: readonly string[], range: { afterTime: string; afterId: string; until: string }, limit: number) {
  return ctx.db.selectFrom('outbox').select(['id', 'topic', 'payload', 'created_at'])
    .where('topic', 'in', topics).where('created_at', '<', range.until)
    // A row value, which both databases start the index scan at: as an OR of two conditions
    // PostgreSQL scanned from the oldest kept event and filtered (~0.5 s a run at 1M events).
    .where((eb) => eb(eb.refTuple('created_at', 'id'), '>', eb.tuple(range.afterTime, range.afterId)))
    .orderBy('created_at').orderBy('id').limit(limit).execute();
}

/**
 * Rows per insert statement: 12 columns each, so 6,000 parameters, well under SQLite's 32,766
 * and PostgreSQL's 65,535 (a page of events times its endpoints went over both).
 */
const DELIVERY_ROWS_PER_INSERT_MAX = 500;

/** One row per (endpoint, event): scanning an event twice never delivers it twice. */
export async function insertDeliveries(ctx: AppContext, rows: DeliveryRow[]): Promise<void> {
  for (let start = 0; start < rows.length; start += DELIVERY_ROWS_PER_INSERT_MAX) {
    await ctx.db.insertInto('webhook_deliveries').values(rows.slice(start, start + DELIVERY_ROWS_PER_INSERT_MAX))
      .onConflict((c) => c.columns(['endpoint_id', 'event_id']).doNothing()).execute();
  }
}

/**
 * Due deliveries with their endpoint, deleted ones too: a run that read its endpoint active just
 * before the DELETE wrote deliveries after it gave up those waiting, and they are given up in turn.
 */
export async function dueDeliveries(ctx: AppContext, now: string, limit: number, exceptEndpoints: readonly string[] = []) {
  let query = ctx.db.selectFrom('webhook_deliveries').innerJoin('webhook_endpoints', 'webhook_endpoints.id', 'webhook_deliveries.endpoint_id')
    .selectAll('webhook_deliveries').select(['webhook_endpoints.url', 'webhook_endpoints.secret', 'webhook_endpoints.disabled_at'])
    .where('webhook_deliveries.status', '=', 'pending').where('webhook_deliveries.next_attempt_at', '<=', now);
  if (exceptEndpoints.length > 0) query = query.where('webhook_deliveries.endpoint_id', 'not in', exceptEndpoints);
  return query.orderBy('webhook_deliveries.next_attempt_at').limit(limit).execute();
}

/** Takes a delivery for this process until `leaseUntil` (compare and set), so two processes never send it at once. */
export async function claimDelivery(ctx: AppContext, id: string, expectedNextAttemptAt: string, leaseUntil: string): Promise<boolean> {
  const result = await ctx.db.updateTable('webhook_deliveries').set({ next_attempt_at: leaseUntil })
    .where('id', '=', id).where('status', '=', 'pending').where('next_attempt_at', '=', expectedNextAttemptAt).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * Records an attempt's outcome. A failed one only on a delivery still pending: one given up while
 * it was under way (its endpoint deleted) stays given up, rather than pending for ever on an
 * endpoint nothing sends to any more (and that retention never deletes).
 */
export async function recordAttempt(ctx: AppContext, id: string, patch: Partial<Pick<DeliveryRow, 'status' | 'attempts' | 'next_attempt_at' | 'last_status_code' | 'last_error' | 'delivered_at'>>): Promise<void> {
  let update = ctx.db.updateTable('webhook_deliveries').set(patch).where('id', '=', id);
  if (patch.status !== 'delivered') update = update.where('status', '=', 'pending');
  await update.execute();
}

/** The latest deliveries of an endpoint, newest event first: read backwards along the (endpoint_id, event_id) index, no sort. */
export async function deliveriesOf(ctx: AppContext, endpointId: string, limit: number) {
  return ctx.store.readDb.selectFrom('webhook_deliveries').selectAll().where('endpoint_id', '=', endpointId).orderBy('event_id', 'desc').limit(limit).execute();
}
