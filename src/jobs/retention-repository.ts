import type { Kysely } from 'kysely';
import type { AppContext } from '../app-context.ts';

/**
 * All SQL of the retention job (docs/architecture.md, "Retention"): deletes of rows past their
 * use, at most `chunkRows` a statement. The outer delete repeats the inner select's condition, so
 * a row that changed in between (a rate-limit window started again) stays.
 */

/** A column compared with a value: the conditions a purge repeats in its select and its delete. */
type Condition = [column: string, operator: '<' | 'in', value: string | readonly string[]];

/** Deletes at most `chunkRows` rows of `table` meeting every condition (the first by `orderBy`, if given). */
async function deleteChunk(ctx: AppContext, table: string, key: string, conditions: Condition[], chunkRows: number, orderBy: string[] = []): Promise<number> {
  // Table and column names are this file's constants; Kysely's types cannot follow them through a helper.
  const db = ctx.db as unknown as Kysely<any>;
  let chunk = db.selectFrom(table).select(key).limit(chunkRows);
  let remove = db.deleteFrom(table);
  for (const [column, operator, value] of conditions) {
    chunk = chunk.where(column, operator, value);
    remove = remove.where(column, operator, value);
  }
  for (const column of orderBy) chunk = chunk.orderBy(column);
  const result = await remove.where(key, 'in', chunk).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export function deleteExpiredSessions(ctx: AppContext, expiredBefore: string, chunkRows: number): Promise<number> {
  return deleteChunk(ctx, 'sessions', 'token_hash', [['expires_at', '<', expiredBefore]], chunkRows);
}

/** A transfer confirmation past its time serves nothing (a confirmed one's transfer is in the ledger). */
export function deleteEndedTransferConfirmations(ctx: AppContext, expiredBefore: string, chunkRows: number): Promise<number> {
  return deleteChunk(ctx, 'transfer_confirmations', 'id', [['expires_at', '<', expiredBefore]], chunkRows);
}

export function deleteEndedRateLimits(ctx: AppContext, windowStartedBefore: string, chunkRows: number): Promise<number> {
  return deleteChunk(ctx, 'rate_limits', 'key', [['window_started_at', '<', windowStartedBefore]], chunkRows);
}

/** Oldest first, through the (created_at, id) index the partner cursor reads by. */
export function deleteOutboxEvents(ctx: AppContext, createdBefore: string, chunkRows: number): Promise<number> {
  return deleteChunk(ctx, 'outbox', 'id', [['created_at', '<', createdBefore]], chunkRows, ['created_at', 'id']);
}

/**
 * Partner deliveries that are over (delivered or given up) and were last attempted before the
 * cutoff: `next_attempt_at` then holds the last attempt's lease or backoff, and the
 * (status, next_attempt_at) index finds them.
 */
export function deleteFinishedDeliveries(ctx: AppContext, lastAttemptBefore: string, chunkRows: number): Promise<number> {
  return deleteChunk(ctx, 'webhook_deliveries', 'id', [['status', 'in', ['delivered', 'failed']], ['next_attempt_at', '<', lastAttemptBefore]], chunkRows);
}

/**
 * Payment webhooks that changed a payment or were recognised as stale (`processed`, `ignored`).
 * Those still waiting (`received`) and those kept for people (`orphan`, `mismatch`,
 * `late_success`, `failed`) are never deleted (docs/payments.md).
 */
export function deleteFinishedInboxEvents(ctx: AppContext, processedBefore: string, chunkRows: number): Promise<number> {
  return deleteChunk(ctx, 'webhook_inbox', 'id', [['status', 'in', ['processed', 'ignored']], ['processed_at', '<', processedBefore]], chunkRows);
}

/** An SMS in one of these is over: it will not be sent again. A queued one, however old, stays. */
const SMS_FINISHED = ['sent', 'delivered', 'failed', 'undeliverable', 'canceled'];

/**
 * SMS that are over and were written before the cutoff, oldest first through (created_at, id),
 * with their segments in the same transaction. Their texts hold balances and receipt numbers, so
 * they are kept no longer than support needs them (SMS_RETENTION_DAYS).
 */
export async function deleteFinishedSms(ctx: AppContext, createdBefore: string, chunkRows: number): Promise<number> {
  const ids = (await ctx.db.selectFrom('sms_messages').select('id').where('status', 'in', SMS_FINISHED).where('created_at', '<', createdBefore)
    .orderBy('created_at').orderBy('id').limit(chunkRows).execute()).map((row) => row.id);
  if (ids.length === 0) return 0;
  // The messages first, then their segments: the order a receipt takes them in (it locks its
  // message rows before touching segments, sms-repository.ts), so the two never deadlock.
  return ctx.db.transaction().execute(async (trx) => {
    const deleted = await trx.deleteFrom('sms_messages').where('id', 'in', ids).where('status', 'in', SMS_FINISHED).returning('id').execute();
    if (deleted.length > 0) await trx.deleteFrom('sms_segments').where('message_id', 'in', deleted.map((row) => row.id)).execute();
    return deleted.length;
  });
}
