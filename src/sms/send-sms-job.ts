import { createHash } from 'node:crypto';
import type { AppContext } from '../app-context.ts';
import type { Job } from '../jobs/job.ts';
import { READER_AGE_MAX_MS, readOutbox } from '../jobs/read-outbox.ts';
import { afterQuietHours, QUIET_TOPICS } from './quiet-hours.ts';
import { CHECKED_TOPICS, staleMessageReason } from './stale-messages.ts';
import { CONFIRMATION_TOPIC } from '../transfers/confirm-transfer.ts';
import type { SmppClient, SubmitOutcome } from './smpp-client.ts';
import { STATUS } from './smpp-pdu.ts';
import { encodeSms, withConcatenationHeaders } from './sms-encoding.ts';
import { smsLinkOf, type SmsLink } from './sms-link.ts';
import {
  acceptedSegmentsOf, cancelMessages, linesByIdOrNumber, claimDueMessages, dropCursor, insertMessages, insertSegment, recordAttempt, recordSent, releaseMessages, messageStateOf, rewriteMessageText, type SmsMessageRow,
} from './sms-repository.ts';
import { messageRowsFor, SMS_TOPICS } from './sms-rows.ts';
import { subscriberMessage } from '../lifecycle/subscriber-messages.ts';
import { balancesOf } from '../lines/lines-repository.ts';

const CURSOR = 'sms';
/** Events are read once this old: every event up to then is committed (src/jobs/read-outbox.ts). */
const SETTLE_MS = 15_000;
/**
 * An event older than this is not sent: after a long outage, or when SMS are first turned on, a
 * day-old "your balance was topped up" is noise and a reminder may be past. Also where a first
 * run starts reading.
 */
const EVENT_AGE_MAX_MS = READER_AGE_MAX_MS[CURSOR]!;
const EVENTS_PER_PAGE = 1_000;
const EVENT_PAGES_PER_RUN_MAX = 20;
const ENQUEUE_BUDGET_MS = 2_000;
const MESSAGES_PER_PAGE = 100;
const MESSAGE_PAGES_PER_RUN_MAX = 20;
const SEND_BUDGET_MS = 3_000;
/** Messages submitted at once: a common SMSC window. */
const MESSAGES_AT_ONCE_MAX = 10;
/** Longer than a whole message's submits can take (each waits at most 10 s, sms-link.ts). */
const LEASE_MS = 5 * 60_000;
const BACKOFF_MINUTES_MAX = 60;
/** The SMSC asked us to slow down: the message is tried again this soon, and the attempt is not counted. */
const THROTTLED_RETRY_MS = 10_000;
/**
 * Answers that ask us to slow down: ESME_RTHROTTLED, and ESME_RMSGQFUL (the SMSC's queue is full),
 * which SMSCs send under load as they would a throttle. Neither says anything of the message: it
 * is tried again, never failed for it.
 */
const THROTTLE_STATUSES: readonly number[] = [STATUS.throttled, STATUS.messageQueueFull];
/**
 * Answers that no retry can change: the message fails at once. The addresses and their TON/NPI,
 * and the message itself: its length (ESME_RINVMSGLEN) or its esm_class (ESME_RINVESMCLASS, a
 * concatenation header the SMSC does not take), the same on every retry.
 */
const PERMANENT_STATUSES: readonly number[] = [STATUS.invalidSourceAddress, STATUS.invalidDestinationAddress, 0x48, 0x49, 0x50, 0x51, STATUS.invalidMessageLength, STATUS.invalidEsmClass];
/**
 * Alphanumeric sender: TON 5 (alphanumeric), NPI 0; a short code (up to 6 digits, e.g. 1414):
 * TON 3 (network specific), NPI 0, as SMSCs route them; a longer number: TON 1 (international),
 * NPI 1 (E.164).
 */
const ALPHANUMERIC = { ton: 5, npi: 0 };
const SHORT_CODE = { ton: 3, npi: 0 };
const INTERNATIONAL = { ton: 1, npi: 1 };

export function sourceOf(sourceAddr: string): { ton: number; npi: number; address: string } {
  const address = sourceAddr.replace(/^\+/, '');
  if (!/^\d+$/.test(address)) return { ...ALPHANUMERIC, address };
  return { ...(address.length <= 6 && !sourceAddr.startsWith('+') ? SHORT_CODE : INTERNATIONAL), address };
}
const ESM_CLASS_UDH = 0x40;
/** A receipt for the final outcome, delivered or not. */
const REGISTERED_DELIVERY_FINAL = 0x01;

/**
 * The notification worker (docs/sms.md): turns outbox events that tell a subscriber something into
 * SMS rows (one per event), then sends the due ones over the process's SMPP session, retrying
 * with exponential backoff up to SMS_ATTEMPTS_MAX. Off (reads and writes nothing) without SMPP_URL.
 */
export const sendSmsJob: Job = {
  name: 'sms',
  intervalMs: 5_000,
  // Every process sends, each claiming different rows (a lease per row).
  everyProcess: true,
  async run(ctx: AppContext): Promise<number> {
    if (!ctx.settings.sms.smpp) {
      await dropCursor(ctx, CURSOR);
      return 0;
    }
    await enqueue(ctx);
    return send(ctx);
  },
};

async function enqueue(ctx: AppContext): Promise<void> {
  const reading = { cursor: CURSOR, topics: SMS_TOPICS, settleMs: SETTLE_MS, eventsPerPage: EVENTS_PER_PAGE, pagesMax: EVENT_PAGES_PER_RUN_MAX, budgetMs: ENQUEUE_BUDGET_MS, ageMaxMs: EVENT_AGE_MAX_MS };
  await readOutbox(ctx, reading, async (events) => insertMessages(ctx, await messageRowsFor(ctx, events)));
}

type Outcome = 'sent' | 'retry' | 'failed' | 'throttled';
/** What became of a message, and for one to be tried again ('retry'), when at the earliest (quiet hours aside). */
interface Sent { outcome: Outcome; retryAt: string | null }

/**
 * Claims due messages page by page and submits them until none is due, the SMSC throttles, or the
 * budget: the messages of up to MESSAGES_AT_ONCE_MAX numbers at once, each number's one after
 * the other, oldest first (a suspension and the reactivation after it arrive in that order).
 */
async function send(ctx: AppContext): Promise<number> {
  const startedMs = ctx.clock.now().getTime();
  // Set once the SMSC throttles: every number's queue stops before its next message.
  const run = { startedMs, throttled: false };
  const link = smsLinkOf(ctx, ctx.settings.sms.smpp!);
  let sent = 0;
  for (let page = 0; page < MESSAGE_PAGES_PER_RUN_MAX; page++) {
    const now = ctx.clock.now();
    const claimedAll = await claimDueMessages(ctx, now.toISOString(), new Date(now.getTime() + LEASE_MS).toISOString(), MESSAGES_PER_PAGE);
    if (claimedAll.length === 0) return sent;
    // A reminder that waited the night (or retries), a code tried again: checked again, and not sent once it no longer holds.
    const claimed = await withoutStaleMessages(ctx, await withoutQuietReminders(ctx, claimedAll, now), now.toISOString());
    if (claimed.length === 0) {
      if (claimedAll.length < MESSAGES_PER_PAGE) return sent;
      continue;
    }
    const session = await link.session().catch((error: Error) => error);
    if (session instanceof Error) {
      // The SMSC cannot be reached or refused the bind: an attempt of every message claimed.
      await Promise.all(claimed.map((message) => recordFailure(ctx, message, { ok: false, status: null, error: session.message })));
      return sent;
    }
    const byNumber = new Map<string, SmsMessageRow[]>();
    for (const message of claimed) {
      const queue = byNumber.get(message.msisdn);
      if (queue) queue.push(message);
      else byNumber.set(message.msisdn, [message]);
    }
    const queues = [...byNumber.values()];
    for (let start = 0; start < queues.length; start += MESSAGES_AT_ONCE_MAX) {
      const outcomes = (await Promise.all(queues.slice(start, start + MESSAGES_AT_ONCE_MAX).map((queue) => sendInOrder(ctx, link, session, queue, run)))).flat();
      sent += outcomes.filter((outcome) => outcome === 'sent').length;
      if (outcomes.includes('throttled') || ctx.clock.now().getTime() - startedMs >= SEND_BUDGET_MS) {
        await releaseMessages(ctx, queues.slice(start + MESSAGES_AT_ONCE_MAX).flat().map((message) => message.id));
        return sent;
      }
    }
    if (claimedAll.length < MESSAGES_PER_PAGE) return sent;
  }
  return sent;
}

/** The claimed messages less those that no longer hold (stale-messages.ts), which are canceled; a transfer's code with its minutes, a validity reminder with the balance, as of now. */
async function withoutStaleMessages(ctx: AppContext, claimedAll: SmsMessageRow[], nowIso: string): Promise<SmsMessageRow[]> {
  const claimed = await withoutNumbersGiven(ctx, claimedAll);
  const checked = claimed.filter((message) => CHECKED_TOPICS.includes(message.topic));
  if (checked.length === 0) return claimed;
  // A transfer's code is checked against its event alone: its line is not read.
  const state = await messageStateOf(ctx, checked, checked.filter((message) => message.topic !== CONFIRMATION_TOPIC).map((message) => message.line_id));
  const canceled = new Map<string, string>();
  for (const message of checked) {
    const reason = staleMessageReason(message, state, nowIso);
    if (reason) canceled.set(message.id, reason);
  }
  if (canceled.size > 0) await cancelMessages(ctx, claimed.filter((message) => canceled.has(message.id)).map((message) => ({ id: message.id, leaseUntil: message.lease_until, reason: canceled.get(message.id)! })));
  const due = canceled.size === 0 ? claimed : claimed.filter((message) => !canceled.has(message.id));
  // A validity reminder tells the balance as it is sent (it may have waited the night, while a renewal or usage spent some).
  const reminded = due.filter((message) => message.topic === VALIDITY_REMINDER_TOPIC).map((message) => message.line_id);
  const balances = reminded.length === 0 ? new Map<string, { main: bigint }>() : await balancesOf(ctx, reminded, ctx.db);
  return Promise.all(due.map((message) => {
    const payload = state.payloads.get(message.event_id);
    if (message.topic === CONFIRMATION_TOPIC) return textAsOfNow(ctx, message, payload, nowIso);
    const balance = balances.get(message.line_id)?.main;
    return message.topic === VALIDITY_REMINDER_TOPIC && payload && balance !== undefined ? textAsOfNow(ctx, message, { ...payload, balance: Number(balance) }, nowIso) : message;
  }));
}

/**
 * The claimed messages less the reminders, when claimed in the quiet hours, which are given back
 * until the night is over: one queued before it starts may be claimed after (given back untried by
 * a run that ran out of time or was throttled, or left by a process that stopped after claiming it).
 */
async function withoutQuietReminders(ctx: AppContext, claimed: SmsMessageRow[], now: Date): Promise<SmsMessageRow[]> {
  const quietUntil = afterQuietHours(now, ctx.settings.sms.quietFromHour, ctx.settings.sms.quietToHour);
  if (quietUntil.getTime() === now.getTime()) return claimed;
  const held = claimed.filter((message) => QUIET_TOPICS.includes(message.topic));
  if (held.length === 0) return claimed;
  await releaseMessages(ctx, held.map((message) => message.id), quietUntil.toISOString());
  return claimed.filter((message) => !held.includes(message));
}

/**
 * The claimed messages less those whose line no longer holds the number they go to, which are
 * canceled: a message tried again later (the SMSC down) of a line whose number has gone to a new
 * line since (LIFECYCLE_QUARANTINE_DAYS short) would tell the new owner the old one's top-up or closing.
 */
async function withoutNumbersGiven(ctx: AppContext, claimed: SmsMessageRow[]): Promise<SmsMessageRow[]> {
  if (claimed.length === 0) return claimed;
  const numbers = new Map((await linesByIdOrNumber(ctx, [...new Set(claimed.map((message) => message.line_id))], [])).map((line) => [line.id, line.msisdn]));
  const given = claimed.filter((message) => numbers.has(message.line_id) && numbers.get(message.line_id) !== message.msisdn);
  if (given.length === 0) return claimed;
  await cancelMessages(ctx, given.map((message) => ({ id: message.id, leaseUntil: message.lease_until, reason: 'the line has given its number to another line' })));
  return claimed.filter((message) => !given.includes(message));
}

const VALIDITY_REMINDER_TOPIC = 'line.validity_expiring';

/**
 * A text that says how much is left, made again as it is sent: a transfer's code the minutes it is
 * still valid (a try again after the SMSC failed, minutes later, would otherwise say those of when
 * it was queued: "Valid 5 min" with two left), a validity reminder the balance. Made again only
 * while none of its segments has gone, so that its parts stay one text.
 */
async function textAsOfNow(ctx: AppContext, message: SmsMessageRow, payload: Record<string, unknown> | undefined, nowIso: string): Promise<SmsMessageRow> {
  if (!payload) return message;
  const text = subscriberMessage(message.topic, { ...payload, language: message.language }, { now: nowIso });
  if (text === null || text === message.text || (await acceptedSegmentsOf(ctx, message.id)).size > 0) return message;
  const segments = BigInt(encodeSms(text).segments.length);
  await rewriteMessageText(ctx, message.id, message.lease_until, text, segments);
  return { ...message, text, segments };
}

/**
 * A number's messages one after the other; after a throttle, once the session is lost, or once the
 * run's budget is spent, the rest are given back untried. The budget holds within a number's queue too: a slow SMSC (each
 * submit may wait 10 s) would otherwise keep a run on one number's hundred messages past their
 * lease, and another process, claiming them again, would send them twice.
 */
async function sendInOrder(ctx: AppContext, link: SmsLink, session: SmppClient, queue: readonly SmsMessageRow[], run: { startedMs: number; throttled: boolean }): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  // When the message before was on its way as the connection went, and is to be tried again.
  let retryAt: string | null = null;
  for (const [index, message] of queue.entries()) {
    // The SMSC dropped the connection (or the bind) meanwhile: what is not tried is given back, no
    // attempt counted, for a run that binds again; behind the number's message on its way then,
    // so as not to overtake it on the phone.
    if (run.throttled || !session.bound || (index > 0 && ctx.clock.now().getTime() - run.startedMs >= SEND_BUDGET_MS)) {
      await releaseMessages(ctx, queue.slice(index).map((next) => next.id), session.bound ? null : retryAt);
      break;
    }
    const sent = await sendMessage(ctx, link, session, message);
    const outcome = sent.outcome;
    retryAt = sent.retryAt;
    outcomes.push(outcome);
    if (outcome === 'throttled') {
      run.throttled = true;
      await releaseMessages(ctx, queue.slice(index + 1).map((next) => next.id));
      break;
    }
  }
  return outcomes;
}

/** Submits the segments of a message the SMSC has not accepted yet, in order, recording each; then the message as sent. */
async function sendMessage(ctx: AppContext, link: SmsLink, session: SmppClient, message: SmsMessageRow): Promise<Sent> {
  const { dataCoding, segments } = encodeSms(message.text);
  const parts = withConcatenationHeaders(segments, referenceOf(message.id));
  const accepted = await acceptedSegmentsOf(ctx, message.id);
  const { sourceAddr } = ctx.settings.sms;
  for (const [index, shortMessage] of parts.entries()) {
    if (accepted.has(index + 1)) continue;
    const outcome = await link.track(async () => {
      const answer = await session.submit({
        source: sourceOf(sourceAddr),
        destination: { ...INTERNATIONAL, address: message.msisdn.replace(/^\+/, '') },
        esmClass: parts.length > 1 ? ESM_CLASS_UDH : 0, registeredDelivery: REGISTERED_DELIVERY_FINAL, dataCoding, shortMessage,
      });
      if (answer.ok) {
        await insertSegment(ctx, {
          message_id: message.id, segment: BigInt(index + 1), smsc_message_id: answer.messageId, status: 'sent', sent_at: ctx.clock.now().toISOString(), receipt_at: null,
        });
      }
      return answer;
    });
    if (!outcome.ok) return recordFailure(ctx, message, outcome);
  }
  await recordSent(ctx, message.id, message.attempts + 1n, ctx.clock.now().toISOString());
  return { outcome: 'sent', retryAt: null };
}

/** The concatenation reference of a message: the same for its every segment and retry, and spread over 0-255 across messages. */
function referenceOf(messageId: string): number {
  return createHash('sha256').update(messageId).digest()[0]!;
}

/** Records a send that did not go through: soon again when throttled, failed when permanent or the last attempt, else later with backoff. */
async function recordFailure(ctx: AppContext, message: SmsMessageRow, outcome: Extract<SubmitOutcome, { ok: false }>): Promise<Sent> {
  const now = ctx.clock.now();
  const lastError = outcome.error.slice(0, 200);
  const { quietFromHour, quietToHour } = ctx.settings.sms;
  // A reminder tried again is held through the night like a first try.
  const notQuiet = (at: Date) => (QUIET_TOPICS.includes(message.topic) ? afterQuietHours(at, quietFromHour, quietToHour) : at);
  if (outcome.status !== null && THROTTLE_STATUSES.includes(outcome.status)) {
    const next = notQuiet(new Date(now.getTime() + THROTTLED_RETRY_MS));
    await recordAttempt(ctx, message.id, message.lease_until, { status: 'queued', attempts: message.attempts, next_attempt_at: next.toISOString(), last_error: lastError });
    return { outcome: 'throttled', retryAt: null };
  }
  const attempts = Number(message.attempts) + 1;
  const failed = attempts >= ctx.settings.sms.attemptsMax || (outcome.status !== null && PERMANENT_STATUSES.includes(outcome.status));
  const retryAt = new Date(now.getTime() + Math.min(2 ** (attempts - 1), BACKOFF_MINUTES_MAX) * 60_000);
  await recordAttempt(ctx, message.id, message.lease_until, { status: failed ? 'failed' : 'queued', attempts: BigInt(attempts), next_attempt_at: notQuiet(retryAt).toISOString(), last_error: lastError });
  return failed ? { outcome: 'failed', retryAt: null } : { outcome: 'retry', retryAt: retryAt.toISOString() };
}
