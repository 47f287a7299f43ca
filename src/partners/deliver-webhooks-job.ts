import type { AppContext } from '../app-context.ts';
import type { Job } from '../jobs/job.ts';
import {
  activeEndpointsOf, claimDelivery, cursorOf, dueDeliveries, insertDeliveries, outboxEventsSince, recordAttempt, saveCursor,
} from './partners-repository.ts';
import { WEBHOOK_TOPICS } from './register-webhook.ts';
import { signWebhook } from './webhook-signature.ts';

const CURSOR = 'partners';
/**
 * Events are read only once they are this old: a ledger batch commits within milliseconds of the
 * time it stamps on its rows, so by then every event up to that time is committed and the cursor
 * can move strictly forward without missing one written by another process.
 */
const SETTLE_MS = 15_000;
const EVENTS_PER_RUN_MAX = 1_000;
const DELIVERIES_PER_RUN_MAX = 100;
const DELIVERIES_AT_ONCE_MAX = 10;
const LEASE_MS = 60_000;
const BACKOFF_MINUTES_MAX = 60;

/**
 * Partner webhooks: turns outbox events caused by a partner's API key into delivery rows (one per
 * endpoint and event, so re-reading is harmless), then POSTs the due ones signed, retrying with
 * exponential backoff up to PARTNER_WEBHOOK_ATTEMPTS_MAX. Receivers dedupe by `Tolem-Event-Id`.
 */
export const deliverWebhooksJob: Job = {
  name: 'partner-webhooks',
  intervalMs: 5_000,
  // Delivered some 15-20 s after the event (SETTLE_MS + the interval).
  async run(ctx: AppContext): Promise<number> {
    await enqueue(ctx);
    return deliver(ctx);
  },
};

async function enqueue(ctx: AppContext): Promise<void> {
  const [afterTime = '', afterId = ''] = (await cursorOf(ctx, CURSOR))?.split('|') ?? [];
  const settled = new Date(ctx.clock.now().getTime() - SETTLE_MS).toISOString();
  const events = await outboxEventsSince(ctx, WEBHOOK_TOPICS, { afterTime, afterId, until: settled }, EVENTS_PER_RUN_MAX);
  if (events.length === 0) return;
  const payloads = events.map((event) => ({ event, payload: JSON.parse(event.payload) as Record<string, unknown> }));
  const actorIds = [...new Set(payloads.map((p) => p.payload.actorId).filter((id): id is string => typeof id === 'string'))];
  const endpoints = await activeEndpointsOf(ctx, actorIds);
  const now = ctx.clock.now().toISOString();
  const rows = payloads.flatMap(({ event, payload }) => endpoints
    .filter((endpoint) => endpoint.api_key_id === payload.actorId && (JSON.parse(endpoint.topics) as string[]).includes(event.topic) && event.created_at >= endpoint.created_at)
    .map((endpoint) => {
      const { actorId: _actor, language: _language, ...data } = payload;
      return {
        id: ctx.ids.next('whd'), endpoint_id: endpoint.id, event_id: event.id, topic: event.topic,
        payload: JSON.stringify({ id: event.id, type: event.topic, createdAt: event.created_at, data }),
        status: 'pending', attempts: 0n, next_attempt_at: now, last_status_code: null, last_error: null, created_at: now, delivered_at: null,
      };
    }));
  await insertDeliveries(ctx, rows);
  const last = events.at(-1)!;
  await saveCursor(ctx, CURSOR, `${last.created_at}|${last.id}`);
}

async function deliver(ctx: AppContext): Promise<number> {
  const now = ctx.clock.now();
  const due = await dueDeliveries(ctx, now.toISOString(), DELIVERIES_PER_RUN_MAX);
  let delivered = 0;
  for (let start = 0; start < due.length; start += DELIVERIES_AT_ONCE_MAX) {
    await Promise.all(due.slice(start, start + DELIVERIES_AT_ONCE_MAX).map(async (delivery) => {
      const leaseUntil = new Date(now.getTime() + LEASE_MS).toISOString();
      if (!(await claimDelivery(ctx, delivery.id, delivery.next_attempt_at, leaseUntil))) return;
      const outcome = await post(ctx, delivery.url, delivery.secret, delivery.event_id, delivery.payload, now);
      const attempts = Number(delivery.attempts) + 1;
      if (outcome.ok) {
        delivered += 1;
        await recordAttempt(ctx, delivery.id, { status: 'delivered', attempts: BigInt(attempts), last_status_code: BigInt(outcome.status ?? 0), last_error: null, delivered_at: ctx.clock.now().toISOString() });
        return;
      }
      const exhausted = attempts >= ctx.settings.partnerWebhooks.attemptsMax;
      const backoffMinutes = Math.min(2 ** (attempts - 1), BACKOFF_MINUTES_MAX);
      await recordAttempt(ctx, delivery.id, {
        status: exhausted ? 'failed' : 'pending', attempts: BigInt(attempts), last_status_code: outcome.status === null ? null : BigInt(outcome.status),
        last_error: outcome.error, next_attempt_at: new Date(now.getTime() + backoffMinutes * 60_000).toISOString(),
      });
    }));
  }
  return delivered;
}

async function post(ctx: AppContext, url: string, secret: string, eventId: string, body: string, now: Date): Promise<{ ok: boolean; status: number | null; error: string | null }> {
  try {
    const response = await fetch(url, {
      method: 'POST', body, redirect: 'manual', signal: AbortSignal.timeout(ctx.settings.partnerWebhooks.timeoutMs),
      headers: { 'content-type': 'application/json', 'user-agent': 'Tolem-Webhooks/1', 'tolem-event-id': eventId, 'tolem-signature': signWebhook(secret, Math.floor(now.getTime() / 1000), body) },
    });
    await response.body?.cancel();
    return { ok: response.status >= 200 && response.status < 300, status: response.status, error: response.ok ? null : `HTTP ${response.status}` };
  } catch (error) {
    return { ok: false, status: null, error: (error as Error).message.slice(0, 200) };
  }
}
