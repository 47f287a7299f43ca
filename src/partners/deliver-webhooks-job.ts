import type { AppContext } from '../app-context.ts';
import type { Job } from '../jobs/job.ts';
import { readOutbox, type OutboxEvent } from '../jobs/read-outbox.ts';
import {
  activeEndpointsOf, claimDelivery, dueDeliveries, insertDeliveries, recordAttempt, subscribedTopics, type DeliveryRow,
} from './partners-repository.ts';
import { signWebhook } from './webhook-signature.ts';
import { isPrivateHost, publicOnlyLookup } from './public-address.ts';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

const CURSOR = 'partners';
/** Delivered some 15-20 s after the event: events are read once settled (src/jobs/read-outbox.ts, docs/partners.md). */
const SETTLE_MS = 15_000;
/**
 * Every top-up of any channel writes an outbox event, partner or not. A run reads pages until one
 * comes back short (caught up), at most 50 pages (50,000 events, ~10,000/s at one run every 5 s)
 * and for at most 2 s, then sends for at most 3 s: a run fits its interval.
 */
const EVENTS_PER_PAGE = 1_000;
const EVENT_PAGES_PER_RUN_MAX = 50;
const ENQUEUE_BUDGET_MS = 2_000;
const DELIVERIES_PER_PAGE = 100;
const DELIVERY_PAGES_PER_RUN_MAX = 50;
const DELIVER_BUDGET_MS = 3_000;
const DELIVERIES_AT_ONCE_MAX = 10;
const LEASE_MS = 60_000;
const BACKOFF_MINUTES_MAX = 60;
/** Of an answer's body, which is not read, at most this much is drained before the connection is closed. */
const ANSWER_BODY_BYTES_MAX = 64 * 1024;

/**
 * Partner webhooks: turns outbox events caused by a partner's API key into delivery rows (one per
 * endpoint and event, so re-reading is harmless), then POSTs the due ones signed, retrying with
 * exponential backoff up to PARTNER_WEBHOOK_ATTEMPTS_MAX. Receivers dedupe by `Tolem-Event-Id`.
 */
export const deliverWebhooksJob: Job = {
  name: 'partner-webhooks',
  intervalMs: 5_000,
  // Every process sends, each claiming different rows (a lease per row).
  everyProcess: true,
  // Delivered some 15-20 s after the event (SETTLE_MS + the interval).
  async run(ctx: AppContext): Promise<number> {
    await enqueue(ctx);
    return deliver(ctx);
  },
};

async function enqueue(ctx: AppContext): Promise<void> {
  // Only topics some endpoint listens to are read (filtered along the (created_at, id) index; who caused an event is in
  // its JSON payload and is matched below). With no endpoint at all nothing is read.
  const topics = await subscribedTopics(ctx);
  const reading = { cursor: CURSOR, topics, settleMs: SETTLE_MS, eventsPerPage: EVENTS_PER_PAGE, pagesMax: EVENT_PAGES_PER_RUN_MAX, budgetMs: ENQUEUE_BUDGET_MS };
  await readOutbox(ctx, reading, async (events) => insertDeliveries(ctx, await deliveryRowsFor(ctx, events)));
}


/** One delivery row per event and endpoint of the partner key that caused it, listening to its topic since before it. */
async function deliveryRowsFor(ctx: AppContext, events: OutboxEvent[]): Promise<DeliveryRow[]> {
  if (events.length === 0) return [];
  const payloads = events.map((event) => ({ event, payload: JSON.parse(event.payload) as Record<string, unknown> }));
  const actorIds = [...new Set(payloads.map((p) => p.payload.actorId).filter((id): id is string => typeof id === 'string'))];
  const endpoints = (await activeEndpointsOf(ctx, actorIds)).map((endpoint) => ({ ...endpoint, topicList: JSON.parse(endpoint.topics) as string[] }));
  const now = ctx.clock.now().toISOString();
  return payloads.flatMap(({ event, payload }) => endpoints
    .filter((endpoint) => endpoint.api_key_id === payload.actorId && endpoint.topicList.includes(event.topic) && event.created_at >= endpoint.created_at)
    .map((endpoint) => {
      const { actorId: _actor, language: _language, ...data } = payload;
      return {
        id: ctx.ids.next('whd'), endpoint_id: endpoint.id, event_id: event.id, topic: event.topic,
        payload: JSON.stringify({ id: event.id, type: event.topic, createdAt: event.created_at, data }),
        status: 'pending', attempts: 0n, next_attempt_at: now, last_status_code: null, last_error: null, created_at: now, delivered_at: null,
      };
    }));
}

type DueDelivery = Awaited<ReturnType<typeof dueDeliveries>>[number];

/**
 * Sends due deliveries, DELIVERIES_AT_ONCE_MAX at once, each slot taking the next as soon as it is
 * free, page after page until none is due, the page maximum or the budget. An endpoint gets one
 * attempt at a time until one is answered in this run; once one went unanswered (a timeout, a
 * refused connection), its other due deliveries are counted an attempt failed the same way without
 * being sent (their retries and giving up keep their schedule). An endpoint that hangs so holds up
 * one slot for the timeout, not every partner's deliveries behind its own.
 */
async function deliver(ctx: AppContext): Promise<number> {
  const startedMs = ctx.clock.now().getTime();
  const answered = new Set<string>();
  // Endpoints whose attempt went unanswered in this run, with its error.
  const unanswered = new Map<string, string>();
  const trying = new Set<string>();
  // Endpoints some of whose deliveries were passed over while one was being tried: read again after.
  const passedOver = new Set<string>();
  const queue: DueDelivery[] = [];
  let pages = 0;
  let lastPage = false;
  let fetching: Promise<void> | null = null;
  let delivered = 0;
  // One page read at a time, leaving out the endpoints passed over (they would fill it again).
  const nextPage = () => fetching ??= (async () => {
    const due = await dueDeliveries(ctx, ctx.clock.now().toISOString(), DELIVERIES_PER_PAGE, [...trying]);
    pages += 1;
    lastPage = due.length < DELIVERIES_PER_PAGE || pages >= DELIVERY_PAGES_PER_RUN_MAX;
    queue.push(...due);
  })().finally(() => { fetching = null; });
  const slot = async () => {
    while (ctx.clock.now().getTime() - startedMs < DELIVER_BUDGET_MS) {
      const delivery = queue.shift();
      if (!delivery) {
        if (lastPage && fetching === null) return;
        await nextPage();
        continue;
      }
      const endpoint = delivery.endpoint_id;
      if (trying.has(endpoint)) {
        passedOver.add(endpoint);
        continue;
      }
      const first = !answered.has(endpoint) && !unanswered.has(endpoint);
      if (first) trying.add(endpoint);
      const outcome = await attempt(ctx, delivery, unanswered.get(endpoint) ?? null);
      if (first) {
        trying.delete(endpoint);
        if (passedOver.delete(endpoint) && pages < DELIVERY_PAGES_PER_RUN_MAX) lastPage = false;
      }
      if (outcome.sent === 'delivered') delivered += 1;
      if (outcome.sent === 'delivered' || outcome.sent === 'answered') answered.add(endpoint);
      else if (outcome.sent === 'unanswered' && first) unanswered.set(endpoint, `not sent: the endpoint did not answer another delivery (${outcome.error ?? ''})`.slice(0, 200));
    }
  };
  await Promise.all(Array.from({ length: DELIVERIES_AT_ONCE_MAX }, slot));
  return delivered;
}

/**
 * Claims one delivery (a lease, so no other process sends it meanwhile), POSTs it, or with
 * `unansweredError` counts it failed so without sending, and records the outcome: delivered,
 * answered otherwise (an HTTP status), unanswered, or not sent (another took it, its endpoint is deleted).
 */
async function attempt(ctx: AppContext, delivery: DueDelivery, unansweredError: string | null): Promise<{ sent: 'delivered' | 'answered' | 'unanswered' | 'not_sent'; error: string | null }> {
  if (delivery.disabled_at !== null) {
    await recordAttempt(ctx, delivery.id, { status: 'failed', last_error: 'endpoint_deleted' });
    return { sent: 'not_sent', error: null };
  }
  const now = ctx.clock.now();
  // Held for as long as the attempt may wait for its answer and a minute more: with
  // PARTNER_WEBHOOK_TIMEOUT_MS above LEASE_MS, another run or process sent it again meanwhile.
  const leaseUntil = new Date(now.getTime() + LEASE_MS + ctx.settings.partnerWebhooks.timeoutMs).toISOString();
  if (!(await claimDelivery(ctx, delivery.id, delivery.next_attempt_at, leaseUntil))) return { sent: 'not_sent', error: null };
  const outcome = unansweredError === null
    ? await post(ctx, delivery.url, delivery.secret, delivery.event_id, delivery.payload, now)
    : { ok: false, status: null, error: unansweredError };
  const attempts = Number(delivery.attempts) + 1;
  if (outcome.ok) {
    await recordAttempt(ctx, delivery.id, { status: 'delivered', attempts: BigInt(attempts), last_status_code: BigInt(outcome.status ?? 0), last_error: null, delivered_at: ctx.clock.now().toISOString() });
    return { sent: 'delivered', error: null };
  }
  const exhausted = attempts >= ctx.settings.partnerWebhooks.attemptsMax;
  const backoffMinutes = Math.min(2 ** (attempts - 1), BACKOFF_MINUTES_MAX);
  await recordAttempt(ctx, delivery.id, {
    status: exhausted ? 'failed' : 'pending', attempts: BigInt(attempts), last_status_code: outcome.status === null ? null : BigInt(outcome.status),
    last_error: outcome.error, next_attempt_at: new Date(now.getTime() + backoffMinutes * 60_000).toISOString(),
  });
  return { sent: outcome.status === null ? 'unanswered' : 'answered', error: outcome.error };
}

interface PostOutcome { ok: boolean; status: number | null; error: string | null }

/**
 * One delivery: a POST, no redirects followed, answered within the timeout. Unless private
 * addresses are allowed, the host must be public, both as written and as every address its name
 * resolves to when connecting (public-address.ts): a webhook never reaches this machine or the
 * operator's networks.
 */
function post(ctx: AppContext, target: string, secret: string, eventId: string, body: string, now: Date): Promise<PostOutcome> {
  const { allowPrivate, timeoutMs } = ctx.settings.partnerWebhooks;
  return new Promise((resolve) => {
    const fail = (error: string) => resolve({ ok: false, status: null, error: error.slice(0, 200) });
    let url: URL;
    try {
      url = new URL(target);
    } catch {
      return fail('invalid URL');
    }
    if (!allowPrivate && isPrivateHost(url.hostname)) return fail(`webhook host ${url.hostname} is a private address`);
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const request = send(url, {
      method: 'POST', ...(allowPrivate ? {} : { lookup: publicOnlyLookup as never }),
      headers: {
        'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'Tolem-Webhooks/1', 'tolem-event-id': eventId,
        'tolem-signature': signWebhook(secret, Math.floor(now.getTime() / 1000), body),
      },
    }, (response) => {
      // The body says nothing: drained, so that the connection can serve the next delivery, but only
      // within the deadline and up to a size; a longer one is cut (an endless body would otherwise
      // hold a connection, reading, for ever: one more every delivery).
      let bodyBytes = 0;
      response.on('data', (chunk: Buffer) => {
        bodyBytes += chunk.length;
        if (bodyBytes > ANSWER_BODY_BYTES_MAX) request.destroy();
      });
      response.on('end', () => clearTimeout(deadline));
      response.on('error', () => clearTimeout(deadline));
      const status = response.statusCode ?? 0;
      const ok = status >= 200 && status < 300;
      resolve({ ok, status, error: ok ? null : `HTTP ${status}` });
    });
    // The whole answer's deadline, not the socket's idle timeout: an endpoint sending its headers a
    // byte at a time would otherwise hold the attempt, and this run of every partner's deliveries, for ever.
    // Once the status is in, it only closes a connection whose body is not over by then.
    const deadline = setTimeout(() => request.destroy(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    request.on('error', (error) => {
      clearTimeout(deadline);
      fail(error.message);
    });
    request.end(body);
  });
}
