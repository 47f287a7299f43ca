import { sql } from 'kysely';
import type { AppContext } from '../app-context.ts';
import type { Database } from '../store/schema.ts';

/**
 * All SQL of online payments: the payment record, its transitions, the webhook inbox, refunds.
 * Request paths' point lookups and one-page admin lists read through `ctx.store.readDb`; jobs and
 * the settlement import read through `ctx.db`: on SQLite `readDb` is a synchronous connection on
 * the main thread, and a scan there would stop HTTP serving.
 */
export type PaymentRow = Database['payments'];
export type InboxRow = Database['webhook_inbox'];
export type RefundRow = Database['payment_refunds'];

export async function findPayment(ctx: AppContext, id: string): Promise<PaymentRow | undefined> {
  return ctx.store.readDb.selectFrom('payments').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function findPaymentByReference(ctx: AppContext, provider: string, reference: string): Promise<PaymentRow | undefined> {
  return ctx.store.readDb.selectFrom('payments').selectAll().where('provider', '=', provider).where('provider_reference', '=', reference).executeTakeFirst();
}

export async function setProviderDetails(ctx: AppContext, id: string, patch: Pick<PaymentRow, 'provider_reference' | 'redirect_url' | 'qr_content' | 'provider_amount' | 'provider_currency'>): Promise<void> {
  await ctx.db.updateTable('payments').set({ ...patch, updated_at: ctx.clock.now().toISOString() }).where('id', '=', id).execute();
}

/**
 * Moves a payment from `from` to `to` and records the transition, in one transaction. False when
 * another process moved it first (the caller re-reads): transitions are compare-and-set.
 */
export async function recordTransition(ctx: AppContext, payment: PaymentRow, to: string, source: string, raw: unknown, patch: Partial<PaymentRow> = {}): Promise<boolean> {
  const now = ctx.clock.now().toISOString();
  return ctx.db.transaction().execute(async (trx) => {
    const result = await trx.updateTable('payments').set({ ...patch, status: to, updated_at: now })
      .where('id', '=', payment.id).where('status', '=', payment.status).executeTakeFirst();
    if (Number(result.numUpdatedRows) !== 1) return false;
    await trx.insertInto('payment_events').values({
      id: ctx.ids.next('pev'), payment_id: payment.id, from_status: payment.status, to_status: to, source,
      raw: raw === undefined ? null : JSON.stringify(raw, bigintAsNumber), created_at: now,
    }).execute();
    return true;
  });
}

/**
 * The provider's id of the refund Tolem made of a payment whose credit it refused (kept in the raw of
 * the move to failed, transition-payment.ts), or null when none was recorded (an answer without one).
 */
export async function creditRefundIdOf(ctx: AppContext, paymentId: string): Promise<string | null> {
  const rows = await ctx.store.readDb.selectFrom('payment_events').select('raw').where('payment_id', '=', paymentId).where('to_status', '=', 'failed').execute();
  for (const row of rows) {
    const raw = row.raw === null ? null : JSON.parse(row.raw) as { creditRefundId?: unknown } | null;
    if (raw && typeof raw === 'object' && typeof raw.creditRefundId === 'string') return raw.creditRefundId;
  }
  return null;
}

export async function listPaymentEvents(ctx: AppContext, paymentId: string) {
  return ctx.store.readDb.selectFrom('payment_events').selectAll().where('payment_id', '=', paymentId).orderBy('id').execute();
}

/** One page, newest first: by the primary key, or by (status, id) with a status (index payments_status_id). */
export async function listPayments(ctx: AppContext, filter: { limit: number; before: string | null; status?: string }): Promise<PaymentRow[]> {
  let query = ctx.store.readDb.selectFrom('payments').selectAll().orderBy('id', 'desc').limit(filter.limit);
  if (filter.before) query = query.where('id', '<', filter.before);
  if (filter.status) query = query.where('status', '=', filter.status);
  return query.execute();
}

export async function paymentsDueForExpiry(ctx: AppContext, limit: number): Promise<PaymentRow[]> {
  return ctx.db.selectFrom('payments').selectAll().where('status', 'in', ['created', 'requires_action'])
    .where('expires_at', '<=', ctx.clock.now().toISOString()).orderBy('expires_at').limit(limit).execute();
}

export async function paymentsStuck(ctx: AppContext, olderThan: string, limit: number): Promise<PaymentRow[]> {
  return ctx.db.selectFrom('payments').selectAll().where('status', 'in', ['processing', 'unknown'])
    .where('updated_at', '<=', olderThan).orderBy('updated_at').limit(limit).execute();
}

/** A provider's payments with these references, whatever their status (unique index payments_provider_reference). */
export async function paymentsByReferences(ctx: AppContext, provider: string, references: string[]): Promise<PaymentRow[]> {
  if (references.length === 0) return [];
  return ctx.db.selectFrom('payments').selectAll().where('provider', '=', provider).where('provider_reference', 'in', references).execute();
}

/**
 * One page of a provider's succeeded payments created in [from, to), in (created_at, id) order after
 * `after` (index payments_provider_status_created, so a page reads only its rows).
 */
export async function succeededPaymentsPage(ctx: AppContext, provider: string, page: { from?: string; to?: string; after: { createdAt: string; id: string } | null; limit: number }): Promise<PaymentRow[]> {
  let query = ctx.db.selectFrom('payments').selectAll().where('provider', '=', provider).where('status', '=', 'succeeded');
  if (page.from) query = query.where('created_at', '>=', page.from);
  if (page.to) query = query.where('created_at', '<', page.to);
  if (page.after) query = query.where((eb) => eb(eb.refTuple('created_at', 'id'), '>', eb.tuple(page.after!.createdAt, page.after!.id)));
  return query.orderBy('created_at').orderBy('id').limit(page.limit).execute();
}

export async function setPayerDetails(ctx: AppContext, id: string, details: { payer_fingerprint?: string; card_last4?: string }): Promise<void> {
  if (!details.payer_fingerprint && !details.card_last4) return;
  await ctx.db.updateTable('payments').set(details).where('id', '=', id).execute();
}

// --- webhook inbox ---

/** Stores a verified event once per (provider, event id); false when it was already stored. */
export async function insertInboxEvent(ctx: AppContext, row: InboxRow): Promise<boolean> {
  const result = await ctx.db.insertInto('webhook_inbox').values(row)
    .onConflict((c) => c.columns(['provider', 'event_id']).doNothing()).executeTakeFirst();
  return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
}

export async function findInboxEvent(ctx: AppContext, id: string): Promise<InboxRow | undefined> {
  return ctx.store.readDb.selectFrom('webhook_inbox').selectAll().where('id', '=', id).executeTakeFirst();
}

export async function dueInboxEvents(ctx: AppContext, limit: number): Promise<InboxRow[]> {
  return ctx.db.selectFrom('webhook_inbox').selectAll().where('status', '=', 'received')
    .where('next_attempt_at', '<=', ctx.clock.now().toISOString()).orderBy('next_attempt_at').orderBy('id').limit(limit).execute();
}

/**
 * Claims a due inbox row for one worker by moving its next attempt into the future (a lease);
 * portable compare-and-set instead of SKIP LOCKED. False when another worker claimed it.
 */
export async function claimInboxEvent(ctx: AppContext, row: InboxRow, leaseUntil: string): Promise<boolean> {
  const result = await ctx.db.updateTable('webhook_inbox').set({ next_attempt_at: leaseUntil, attempts: BigInt(row.attempts) + 1n })
    .where('id', '=', row.id).where('status', '=', 'received').where('next_attempt_at', '=', row.next_attempt_at)
    .where('attempts', '=', row.attempts).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function finishInboxEvent(ctx: AppContext, id: string, patch: Partial<InboxRow>): Promise<void> {
  await ctx.db.updateTable('webhook_inbox').set(patch).where('id', '=', id).execute();
}

/** One page, newest first: by the primary key, or by (status, id) with a status (index webhook_inbox_status_id). */
export async function listInboxEvents(ctx: AppContext, filter: { limit: number; before: string | null; status?: string }): Promise<InboxRow[]> {
  let query = ctx.store.readDb.selectFrom('webhook_inbox').selectAll().orderBy('id', 'desc').limit(filter.limit);
  if (filter.before) query = query.where('id', '<', filter.before);
  if (filter.status) query = query.where('status', '=', filter.status);
  return query.execute();
}

// --- refunds ---

export async function findRefund(ctx: AppContext, id: string): Promise<RefundRow | undefined> {
  return ctx.store.readDb.selectFrom('payment_refunds').selectAll().where('id', '=', id).executeTakeFirst();
}

/** When a payment's top-up was credited (its row in topups): the Almaty day its amount counted against. */
export async function topUpCreatedAt(ctx: AppContext, topupId: string): Promise<string | undefined> {
  return (await ctx.store.readDb.selectFrom('topups').select('created_at').where('id', '=', topupId).executeTakeFirst())?.created_at;
}

export async function updateRefund(ctx: AppContext, id: string, patch: Partial<RefundRow>): Promise<void> {
  await ctx.db.updateTable('payment_refunds').set({ ...patch, updated_at: ctx.clock.now().toISOString() }).where('id', '=', id).execute();
}

/**
 * Sets what a payment's succeeded refunds add up to. Recounted rather than added to, so that the
 * repeat that finishes a refund whose process died after posting it (the refund-status job's, or
 * the client's) sets the figure right, and counts the refund once however often it runs.
 */
export async function recountRefundedAmount(ctx: AppContext, paymentId: string): Promise<void> {
  await ctx.db.updateTable('payments')
    .set({ refunded_amount: sql<bigint>`coalesce((select sum(r.amount) from payment_refunds r where r.payment_id = ${paymentId} and r.status = 'succeeded'), 0)` })
    .where('id', '=', paymentId).execute();
}

/** Refunds the provider has not settled, last asked before `askedBefore`, least recently asked first (index payment_refunds_pending). */
export async function pendingRefundsDue(ctx: AppContext, askedBefore: string, limit: number): Promise<RefundRow[]> {
  return ctx.db.selectFrom('payment_refunds').selectAll().where('status', '=', 'pending').where('updated_at', '<=', askedBefore)
    .where('provider_refund_id', 'is not', null).orderBy('updated_at').orderBy('id').limit(limit).execute();
}

/**
 * Refunds paid back since `paidSince` by one of `providers`, last asked before `askedBefore`, least
 * recently asked first (index payment_refunds_paid: the last days of paid-back refunds).
 */
export async function paidRefundsDue(ctx: AppContext, providers: string[], paidSince: string, askedBefore: string, limit: number): Promise<RefundRow[]> {
  return paidRefundsDueQuery(ctx, providers, paidSince, askedBefore, limit).execute();
}

/** paidRefundsDue's query, for its plan to be checked. */
export function paidRefundsDueQuery(ctx: AppContext, providers: string[], paidSince: string, askedBefore: string, limit: number) {
  // A cross join, which SQLite takes for the order to join in: refunds first, through the index of
  // the last days' paid-back refunds, not every payment of the provider. (PostgreSQL plans it as the join it is.)
  return ctx.db.selectFrom('payment_refunds as r').crossJoin('payments as p').whereRef('p.id', '=', 'r.payment_id').selectAll('r')
    .where('r.status', '=', 'succeeded').where('r.created_at', '>=', paidSince).where('r.updated_at', '<=', askedBefore)
    .where('r.provider_refund_id', 'is not', null).where('p.provider', 'in', providers)
    .orderBy('r.updated_at').orderBy('r.id').limit(limit);
}

/** A payment's refund by the provider's id for it (a refund notification names it so). */
export async function findRefundByProviderId(ctx: AppContext, paymentId: string, providerRefundId: string): Promise<RefundRow | undefined> {
  return ctx.db.selectFrom('payment_refunds').selectAll().where('payment_id', '=', paymentId).where('provider_refund_id', '=', providerRefundId).executeTakeFirst();
}

/** Whether a refund of the payment is pending without the provider's id for it (the provider's answer to it was lost). */
export async function hasRefundWithoutProviderId(ctx: AppContext, paymentId: string): Promise<boolean> {
  const row = await ctx.db.selectFrom('payment_refunds').select('id').where('payment_id', '=', paymentId).where('status', '=', 'pending').where('provider_refund_id', 'is', null).executeTakeFirst();
  return row !== undefined;
}

export async function listRefunds(ctx: AppContext, paymentId: string): Promise<RefundRow[]> {
  return ctx.store.readDb.selectFrom('payment_refunds').selectAll().where('payment_id', '=', paymentId).orderBy('id').execute();
}

function bigintAsNumber(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? Number(value) : value;
}

export async function setPurchaseOutcome(ctx: AppContext, paymentId: string, outcome: { package_id: string | null; purchase_error: string | null }): Promise<void> {
  await ctx.db.updateTable('payments').set(outcome).where('id', '=', paymentId).execute();
}

/** Marks a live payment as just looked at (only if nothing moved it meanwhile). */
export async function touchPayment(ctx: AppContext, payment: PaymentRow): Promise<void> {
  await ctx.db.updateTable('payments').set({ updated_at: ctx.clock.now().toISOString() })
    .where('id', '=', payment.id).where('status', '=', payment.status).where('updated_at', '=', payment.updated_at).execute();
}
