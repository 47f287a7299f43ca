import type { AppContext } from '../app-context.ts';

/**
 * All SQL of the retention job (docs/architecture.md, "Retention"): deletes of rows past their
 * use, at most `chunkRows` a statement. The outer delete repeats the inner select's condition, so
 * a row that changed in between (a rate-limit window started again) stays.
 */

export async function deleteExpiredSessions(ctx: AppContext, expiredBefore: string, chunkRows: number): Promise<number> {
  const chunk = ctx.db.selectFrom('sessions').select('token_hash').where('expires_at', '<', expiredBefore).limit(chunkRows);
  const result = await ctx.db.deleteFrom('sessions').where('token_hash', 'in', chunk).where('expires_at', '<', expiredBefore).executeTakeFirst();
  return Number(result.numDeletedRows);
}

export async function deleteEndedRateLimits(ctx: AppContext, windowStartedBefore: string, chunkRows: number): Promise<number> {
  const chunk = ctx.db.selectFrom('rate_limits').select('key').where('window_started_at', '<', windowStartedBefore).limit(chunkRows);
  const result = await ctx.db.deleteFrom('rate_limits').where('key', 'in', chunk).where('window_started_at', '<', windowStartedBefore).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/** Oldest first, through the (created_at, id) index the partner cursor reads by. */
export async function deleteOutboxEvents(ctx: AppContext, createdBefore: string, chunkRows: number): Promise<number> {
  const chunk = ctx.db.selectFrom('outbox').select('id').where('created_at', '<', createdBefore).orderBy('created_at').orderBy('id').limit(chunkRows);
  const result = await ctx.db.deleteFrom('outbox').where('id', 'in', chunk).where('created_at', '<', createdBefore).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Partner deliveries that are over (delivered or given up) and were last attempted before the
 * cutoff: `next_attempt_at` then holds the last attempt's lease or backoff, and the
 * (status, next_attempt_at) index finds them.
 */
export async function deleteFinishedDeliveries(ctx: AppContext, lastAttemptBefore: string, chunkRows: number): Promise<number> {
  const finished = ['delivered', 'failed'];
  const chunk = ctx.db.selectFrom('webhook_deliveries').select('id').where('status', 'in', finished).where('next_attempt_at', '<', lastAttemptBefore).limit(chunkRows);
  const result = await ctx.db.deleteFrom('webhook_deliveries').where('id', 'in', chunk)
    .where('status', 'in', finished).where('next_attempt_at', '<', lastAttemptBefore).executeTakeFirst();
  return Number(result.numDeletedRows);
}

/**
 * Payment webhooks that changed a payment or were recognised as stale (`processed`, `ignored`).
 * Those still waiting (`received`) and those kept for people (`orphan`, `mismatch`,
 * `late_success`, `failed`) are never deleted (docs/payments.md).
 */
export async function deleteFinishedInboxEvents(ctx: AppContext, processedBefore: string, chunkRows: number): Promise<number> {
  const finished = ['processed', 'ignored'];
  const chunk = ctx.db.selectFrom('webhook_inbox').select('id').where('status', 'in', finished).where('processed_at', '<', processedBefore).limit(chunkRows);
  const result = await ctx.db.deleteFrom('webhook_inbox').where('id', 'in', chunk)
    .where('status', 'in', finished).where('processed_at', '<', processedBefore).executeTakeFirst();
  return Number(result.numDeletedRows);
}
