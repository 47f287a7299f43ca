import type { Kysely } from 'kysely';
import type { AppContext } from '../app-context.ts';
import type { Database } from '../store/schema.ts';
import type { ReceiptOutcome } from './delivery-receipt.ts';
import type { SmsMessageTable, SmsSegmentTable } from './sms-tables.ts';

/** All SQL of the SMS worker (src/sms): the messages, their segments, and the lines they go to. */
export type SmsMessageRow = SmsMessageTable;

// The job's reads go through ctx.db: on SQLite store.readDb is a connection on the main thread,
// where the job's queries would hold up HTTP serving.

/** The lines a page of events is about, found by id or by number (a transfer's receiver is named by number). */
export async function linesByIdOrNumber(ctx: AppContext, ids: string[], msisdns: string[]): Promise<{ id: string; msisdn: string; language: string }[]> {
  if (ids.length === 0 && msisdns.length === 0) return [];
  return ctx.db.selectFrom('lines').select(['id', 'msisdn', 'language'])
    .where((eb) => eb.or([...(ids.length > 0 ? [eb('id', 'in', ids)] : []), ...(msisdns.length > 0 ? [eb('msisdn', 'in', msisdns)] : [])]))
    .execute();
}

/** Rows per insert: 16 columns each, 8,000 parameters, under SQLite's 32,766 and PostgreSQL's 65,535. */
const MESSAGE_ROWS_PER_INSERT_MAX = 500;

/** One row per event (the unique event_id): reading an event again, in this process or another, adds nothing. */
export async function insertMessages(ctx: AppContext, rows: SmsMessageRow[]): Promise<void> {
  for (let start = 0; start < rows.length; start += MESSAGE_ROWS_PER_INSERT_MAX) {
    await ctx.db.insertInto('sms_messages').values(rows.slice(start, start + MESSAGE_ROWS_PER_INSERT_MAX))
      .onConflict((c) => c.column('event_id').doNothing()).execute();
  }
}

/**
 * Takes up to `limit` queued messages that are due and not leased, oldest first, leasing them to
 * this process until `leaseUntil`, in one statement. On PostgreSQL the rows are locked and rows
 * another process is claiming are passed over (SKIP LOCKED), so processes take different rows.
 */
export async function claimDueMessages(ctx: AppContext, now: string, leaseUntil: string, limit: number): Promise<SmsMessageRow[]> {
  const claimed = await ctx.db.updateTable('sms_messages').set({ lease_until: leaseUntil })
    .where('id', 'in', (eb) => eb.selectFrom('sms_messages').select('id')
      .where('status', '=', 'queued').where('next_attempt_at', '<=', now)
      .where((inner) => inner.or([inner('lease_until', 'is', null), inner('lease_until', '<=', now)]))
      .orderBy('next_attempt_at').orderBy('id').limit(limit)
      .$if(ctx.store.dialect.skipsLockedRows, (query) => query.forUpdate().skipLocked()))
    .where('status', '=', 'queued')
    .returningAll().execute();
  // RETURNING keeps no order: oldest first again.
  return claimed.sort((a, b) => (a.next_attempt_at === b.next_attempt_at ? (a.id < b.id ? -1 : 1) : a.next_attempt_at < b.next_attempt_at ? -1 : 1));
}

/** The segments of a message the SMSC has already accepted (a retry sends only the others). */
export async function acceptedSegmentsOf(ctx: AppContext, messageId: string): Promise<Set<number>> {
  const rows = await ctx.db.selectFrom('sms_segments').select('segment').where('message_id', '=', messageId).execute();
  return new Set(rows.map((row) => Number(row.segment)));
}

export async function insertSegment(ctx: AppContext, row: SmsSegmentTable): Promise<void> {
  await ctx.db.insertInto('sms_segments').values(row).onConflict((c) => c.columns(['message_id', 'segment']).doNothing()).execute();
}

/**
 * Records an attempt that did not send the whole message, and gives the lease back: only while
 * the lease is still this run's (`leaseUntil`, as claimed) and the message queued, so that a run
 * whose lease ran out never writes over what another process did with the message since.
 */
export async function recordAttempt(ctx: AppContext, id: string, leaseUntil: string | null, patch: Pick<SmsMessageRow, 'status' | 'attempts' | 'next_attempt_at' | 'last_error'>): Promise<void> {
  await ctx.db.updateTable('sms_messages').set({ ...patch, lease_until: null }).where('id', '=', id).where('status', '=', 'queued')
    .where('lease_until', leaseUntil === null ? 'is' : '=', leaseUntil).execute();
}

/** A claimed message's text made again before any of its segments went (a transfer code's minutes left), with its segment count. */
export async function rewriteMessageText(ctx: AppContext, id: string, leaseUntil: string | null, text: string, segments: bigint): Promise<void> {
  await ctx.db.updateTable('sms_messages').set({ text, segments }).where('id', '=', id).where('status', '=', 'queued')
    .where('lease_until', leaseUntil === null ? 'is' : '=', leaseUntil).execute();
}

/** Gives back the leases of messages claimed but not tried (the run stopped early): due again at once, or not before `notBefore`. */
export async function releaseMessages(ctx: AppContext, ids: string[], notBefore: string | null = null): Promise<void> {
  if (ids.length === 0) return;
  await ctx.db.updateTable('sms_messages').set(notBefore === null ? { lease_until: null } : { lease_until: null, next_attempt_at: notBefore })
    .where('id', 'in', ids).where('status', '=', 'queued').execute();
}

/** Every segment accepted: the message is sent, and settled at once should its receipts already be in. */
export async function recordSent(ctx: AppContext, id: string, attempts: bigint, now: string): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    await trx.updateTable('sms_messages').set({ status: 'sent', attempts, sent_at: now, lease_until: null, last_error: null }).where('id', '=', id).where('status', '=', 'queued').execute();
    await settle(trx, id, now);
  });
}

/**
 * Records a receipt on the segment the SMSC named and settles its message: undeliverable once a
 * segment is, delivered once every segment is. False when no segment has that id (yet).
 */
export async function recordReceipt(ctx: AppContext, smscMessageId: string, outcome: ReceiptOutcome, now: string): Promise<boolean> {
  return ctx.db.transaction().execute(async (trx) => {
    const segments = await trx.selectFrom('sms_segments').select('message_id').where('smsc_message_id', '=', smscMessageId).execute();
    if (segments.length === 0) return false;
    // The message rows first, in id order: the receipts of a message's segments (handled at once)
    // and recordSent then settle one after the other, each seeing the others' segments. Without
    // it, on PostgreSQL two receipts each saw only their own segment delivered, and the message
    // stayed `sent` for good. (SQLite runs one write transaction at a time.)
    const messageIds = [...new Set(segments.map((segment) => segment.message_id))].sort();
    if (ctx.store.dialect.skipsLockedRows) await trx.selectFrom('sms_messages').select('id').where('id', 'in', messageIds).orderBy('id').forUpdate().execute();
    await trx.updateTable('sms_segments').set({ status: outcome, receipt_at: now }).where('smsc_message_id', '=', smscMessageId).where('status', '=', 'sent').execute();
    for (const messageId of messageIds) await settle(trx, messageId, now);
    return true;
  });
}

/** A sent message's status from its segments' receipts; a message still queued (segments missing) is left alone. */
async function settle(db: Kysely<Database>, messageId: string, now: string): Promise<void> {
  const segments = await db.selectFrom('sms_segments').select('status').where('message_id', '=', messageId).execute();
  const undeliverable = segments.some((segment) => segment.status === 'undeliverable');
  const delivered = segments.length > 0 && segments.every((segment) => segment.status === 'delivered');
  if (!undeliverable && !delivered) return;
  await db.updateTable('sms_messages')
    .set(undeliverable ? { status: 'undeliverable' } : { status: 'delivered', delivered_at: now })
    .where('id', '=', messageId).where('status', '=', 'sent').where('segments', '=', BigInt(segments.length)).execute();
}

/** What a message is checked against when it is due (stale-messages.ts): its event, its line, and a package reminder's package. */
export interface MessageState {
  payloads: Map<string, Record<string, unknown>>;
  lines: Map<string, { status: string; valid_until: string | null }>;
  /** Each package's latest period and whether it renews automatically. */
  packages: Map<string, { lastPeriod: bigint; autoRenew: boolean }>;
}

/**
 * The events of these messages (kept in the outbox for OUTBOX_RETENTION_DAYS, far longer
 * than a night), the lines `lineIds` as they are now, and the packages the package reminders are about.
 */
export async function messageStateOf(ctx: AppContext, messages: readonly Pick<SmsMessageRow, 'event_id' | 'line_id'>[], lineIds: readonly string[]): Promise<MessageState> {
  const state: MessageState = { payloads: new Map(), lines: new Map(), packages: new Map() };
  if (messages.length === 0) return state;
  const events = await ctx.db.selectFrom('outbox').select(['id', 'payload']).where('id', 'in', messages.map((m) => m.event_id)).execute();
  for (const event of events) state.payloads.set(event.id, JSON.parse(event.payload) as Record<string, unknown>);
  const lines = lineIds.length === 0 ? [] : await ctx.db.selectFrom('lines').select(['id', 'status', 'valid_until']).where('id', 'in', [...new Set(lineIds)]).execute();
  for (const line of lines) state.lines.set(line.id, { status: line.status, valid_until: line.valid_until });
  const packageIds = [...new Set([...state.payloads.values()].map((payload) => payload.packageId).filter((id): id is string => typeof id === 'string'))];
  if (packageIds.length > 0) {
    const periods = await ctx.db.selectFrom('package_periods as pp').innerJoin('packages as p', 'p.id', 'pp.package_id')
      .select(['pp.package_id', 'p.auto_renew']).select((eb) => eb.fn.max('pp.period').as('last_period'))
      .where('pp.package_id', 'in', packageIds).groupBy(['pp.package_id', 'p.auto_renew']).execute();
    for (const row of periods) state.packages.set(row.package_id, { lastPeriod: BigInt(row.last_period as bigint | number), autoRenew: Number(row.auto_renew) === 1 });
  }
  return state;
}

/** Messages that no longer hold when due: not sent, and never tried again (`canceled`, with why). */
export async function cancelMessages(ctx: AppContext, canceled: readonly { id: string; leaseUntil: string | null; reason: string }[]): Promise<void> {
  for (const { id, leaseUntil, reason } of canceled) {
    await ctx.db.updateTable('sms_messages').set({ status: 'canceled', lease_until: null, last_error: reason }).where('id', '=', id).where('status', '=', 'queued')
      .where('lease_until', leaseUntil === null ? 'is' : '=', leaseUntil).execute();
  }
}

/** Drops the SMS cursor when SMS are off, so that outbox retention does not wait for a reader that no longer reads. */
export async function dropCursor(ctx: AppContext, name: string): Promise<void> {
  await ctx.db.deleteFrom('webhook_cursors').where('name', '=', name).execute();
}

/** A line's messages, newest first (ids sort by time), before the cursor: through (line_id, id). */
/**
 * A page of a line's messages below the cursor `before`; undefined when `before` is another line's
 * message. A cursor no longer found is taken as the place it held: retention may have deleted the
 * last message of the page before.
 */
export async function messagesOfLine(ctx: AppContext, lineId: string, before: string | null, limit: number): Promise<SmsMessageRow[] | undefined> {
  if (before !== null) {
    const cursor = await ctx.store.readDb.selectFrom('sms_messages').select('line_id').where('id', '=', before).executeTakeFirst();
    if (cursor && cursor.line_id !== lineId) return undefined;
  }
  return ctx.store.readDb.selectFrom('sms_messages').selectAll().where('line_id', '=', lineId)
    .$if(before !== null, (query) => query.where('id', '<', before!))
    .orderBy('id', 'desc').limit(limit).execute();
}
