import type { AppContext } from '../app-context.ts';
import { addDays } from '../domain/time.ts';
import { cursorPositions } from '../partners/partners-repository.ts';
import { READER_AGE_MAX_MS } from './read-outbox.ts';
import { deleteInChunks, type ChunkLimits } from './delete-in-chunks.ts';
import type { Job } from './job.ts';
import {
  deleteEndedRateLimits, deleteEndedTransferConfirmations, deleteExpiredSessions, deleteFinishedDeliveries, deleteFinishedInboxEvents, deleteFinishedSms, deleteOutboxEvents,
} from './retention-repository.ts';

/** Per table and run: up to 1,000 short deletes of 1,000 rows, for at most 30 s. */
const TABLE_LIMITS: ChunkLimits = { chunkRows: 1_000, chunksPerRunMax: 1_000, runBudgetMs: 30_000 };
/** An expired session already authenticates nothing; it stays a day to look into a recent sign-in problem. */
const SESSION_KEPT_AFTER_EXPIRY_HOURS = 24;
/** Rate-limit rows stay at least this long, whatever the configured windows. */
const RATE_LIMIT_KEPT_MINUTES_MIN = 24 * 60;

/**
 * Deletes rows that are no record once they have served (docs/architecture.md, "Retention"):
 * outbox events every reader has passed and older than OUTBOX_RETENTION_DAYS, finished partner
 * deliveries as old, payment webhooks processed or ignored more than WEBHOOK_INBOX_RETENTION_DAYS
 * ago, SMS over (sent, delivered, given up) written more than SMS_RETENTION_DAYS ago, sessions
 * expired a day ago, transfer confirmations ended as long ago as idempotency answers are kept,
 * rate-limit windows that have ended. Records (ledger, top-ups,
 * receipts, payments, usage events) are never touched. Deletes are idempotent: several processes
 * may run it at once.
 */
export const purgeRetentionJob: Job = {
  name: 'purge-retention',
  intervalMs: 10 * 60_000,
  async run(ctx: AppContext): Promise<number> {
    const now = ctx.clock.now();
    const { outboxDays, webhookInboxDays, smsDays } = ctx.settings.retention;
    const outboxBefore = await outboxCutoff(ctx, addDays(now, -outboxDays).toISOString());
    let deleted = 0;
    if (outboxBefore !== null) deleted += await deleteInChunks(ctx, TABLE_LIMITS, (rows) => deleteOutboxEvents(ctx, outboxBefore, rows));
    const deliveriesBefore = addDays(now, -outboxDays).toISOString();
    deleted += await deleteInChunks(ctx, TABLE_LIMITS, (rows) => deleteFinishedDeliveries(ctx, deliveriesBefore, rows));
    const inboxBefore = addDays(now, -webhookInboxDays).toISOString();
    deleted += await deleteInChunks(ctx, TABLE_LIMITS, (rows) => deleteFinishedInboxEvents(ctx, inboxBefore, rows));
    const smsBefore = addDays(now, -smsDays).toISOString();
    deleted += await deleteInChunks(ctx, TABLE_LIMITS, (rows) => deleteFinishedSms(ctx, smsBefore, rows));
    const sessionsBefore = new Date(now.getTime() - SESSION_KEPT_AFTER_EXPIRY_HOURS * 3_600_000).toISOString();
    deleted += await deleteInChunks(ctx, TABLE_LIMITS, (rows) => deleteExpiredSessions(ctx, sessionsBefore, rows));
    // Kept as long as an idempotency answer: a repeat of the request finds its confirmation, not a new code.
    const confirmationsBefore = new Date(now.getTime() - ctx.settings.idempotency.retentionHours * 3_600_000).toISOString();
    deleted += await deleteInChunks(ctx, TABLE_LIMITS, (rows) => deleteEndedTransferConfirmations(ctx, confirmationsBefore, rows));
    const windowsBefore = new Date(now.getTime() - rateLimitKeptMinutes(ctx) * 60_000).toISOString();
    deleted += await deleteInChunks(ctx, TABLE_LIMITS, (rows) => deleteEndedRateLimits(ctx, windowsBefore, rows));
    return deleted;
  },
};

/**
 * Outbox events are deleted only before the oldest reader's position (webhook_cursors): an event
 * a cursor has not passed stays, however old, except behind a reader that reads nothing older than
 * an age (READER_AGE_MAX_MS). No cursor yet means no reader has started, and the first one will
 * read from the beginning: nothing is deleted.
 */
async function outboxCutoff(ctx: AppContext, retainedAfter: string): Promise<string | null> {
  const nowMs = ctx.clock.now().getTime();
  // A reader with an age limit never reads behind it: its cursor holds events that long at most.
  const times = (await cursorPositions(ctx)).map(({ name, position }) => {
    const time = position.split('|')[0]!;
    const ageMax = READER_AGE_MAX_MS[name];
    const oldestRead = ageMax === undefined ? null : new Date(nowMs - ageMax).toISOString();
    return oldestRead !== null && oldestRead > time ? oldestRead : time;
  }).sort();
  if (times.length === 0) return null;
  return times[0]! < retainedAfter ? times[0]! : retainedAfter;
}

/** The longest window any caller of countAttempt counts in (logins, voucher PINs, payments), and at least a day. */
function rateLimitKeptMinutes(ctx: AppContext): number {
  const { auth, vouchers, payments } = ctx.settings;
  return Math.max(auth.loginWindowMinutes, vouchers.pinWindowMinutes, payments.velocityWindowMinutes, RATE_LIMIT_KEPT_MINUTES_MIN);
}
