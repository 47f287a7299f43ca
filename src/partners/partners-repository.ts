import type { AppContext } from '../app-context.ts';
import type { Database } from '../store/schema.ts';

/** All SQL of partner webhooks: endpoints, the outbox cursor, deliveries. */
export type EndpointRow = Database['webhook_endpoints'];
export type DeliveryRow = Database['webhook_deliveries'];

export async function insertEndpoint(ctx: AppContext, row: EndpointRow): Promise<void> {
  await ctx.db.insertInto('webhook_endpoints').values(row).execute();
}

export async function endpointsOfKey(ctx: AppContext, apiKeyId: string): Promise<EndpointRow[]> {
  return ctx.store.readDb.selectFrom('webhook_endpoints').selectAll().where('api_key_id', '=', apiKeyId).where('disabled_at', 'is', null).orderBy('id').execute();
}

export async function activeEndpointsOf(ctx: AppContext, apiKeyIds: string[]): Promise<EndpointRow[]> {
  if (apiKeyIds.length === 0) return [];
  return ctx.store.readDb.selectFrom('webhook_endpoints').selectAll().where('api_key_id', 'in', apiKeyIds).where('disabled_at', 'is', null).execute();
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
  const row = await ctx.store.readDb.selectFrom('webhook_cursors').select('position').where('name', '=', name).executeTakeFirst();
  return row?.position ?? null;
}

export async function saveCursor(ctx: AppContext, name: string, position: string): Promise<void> {
  await ctx.db.insertInto('webhook_cursors').values({ name, position })
    .onConflict((c) => c.column('name').doUpdateSet({ position })).execute();
}

/** Events strictly after the cursor (created_at, id) and no later than `until`, in that order. */
export async function outboxEventsSince(ctx: AppContext, topics: readonly string[], range: { afterTime: string; afterId: string; until: string }, limit: number) {
  return ctx.store.readDb.selectFrom('outbox').select(['id', 'topic', 'payload', 'created_at'])
    .where('topic', 'in', topics).where('created_at', '<=', range.until)
    .where((eb) => eb.or([eb('created_at', '>', range.afterTime), eb.and([eb('created_at', '=', range.afterTime), eb('id', '>', range.afterId)])]))
    .orderBy('created_at').orderBy('id').limit(limit).execute();
}

/** One row per (endpoint, event): scanning an event twice never delivers it twice. */
export async function insertDeliveries(ctx: AppContext, rows: DeliveryRow[]): Promise<void> {
  if (rows.length === 0) return;
  await ctx.db.insertInto('webhook_deliveries').values(rows).onConflict((c) => c.columns(['endpoint_id', 'event_id']).doNothing()).execute();
}

export async function dueDeliveries(ctx: AppContext, now: string, limit: number) {
  return ctx.store.readDb.selectFrom('webhook_deliveries').innerJoin('webhook_endpoints', 'webhook_endpoints.id', 'webhook_deliveries.endpoint_id')
    .selectAll('webhook_deliveries').select(['webhook_endpoints.url', 'webhook_endpoints.secret'])
    .where('webhook_deliveries.status', '=', 'pending').where('webhook_deliveries.next_attempt_at', '<=', now)
    .where('webhook_endpoints.disabled_at', 'is', null)
    .orderBy('webhook_deliveries.next_attempt_at').limit(limit).execute();
}

/** Takes a delivery for this process until `leaseUntil` (compare and set), so two processes never send it at once. */
export async function claimDelivery(ctx: AppContext, id: string, expectedNextAttemptAt: string, leaseUntil: string): Promise<boolean> {
  const result = await ctx.db.updateTable('webhook_deliveries').set({ next_attempt_at: leaseUntil })
    .where('id', '=', id).where('status', '=', 'pending').where('next_attempt_at', '=', expectedNextAttemptAt).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function recordAttempt(ctx: AppContext, id: string, patch: Partial<Pick<DeliveryRow, 'status' | 'attempts' | 'next_attempt_at' | 'last_status_code' | 'last_error' | 'delivered_at'>>): Promise<void> {
  await ctx.db.updateTable('webhook_deliveries').set(patch).where('id', '=', id).execute();
}

export async function deliveriesOf(ctx: AppContext, endpointId: string, limit: number) {
  return ctx.store.readDb.selectFrom('webhook_deliveries').selectAll().where('endpoint_id', '=', endpointId).orderBy('id', 'desc').limit(limit).execute();
}
