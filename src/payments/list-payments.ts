import type { AppContext } from '../app-context.ts';
import { requireRole, type Actor } from '../auth/actor.ts';
import { cutPage, type Page } from '../domain/page.ts';
import { ok, type Result } from '../domain/result.ts';
import { paymentView, type PaymentView } from './payment-view.ts';
import { listInboxEvents, listPayments as selectPayments } from './payments-repository.ts';
import { cursorRefusal } from '../store/cursor-row.ts';

/** Admin list of payments, newest first, with a cursor (the last id seen). */
export async function listPayments(ctx: AppContext, actor: Actor, query: { limit: number; cursor?: string; status?: string }): Promise<Result<Page<PaymentView>>> {
  const denied = requireRole(actor, ['admin']);
  if (denied) return denied as Result<never>;
  const refused = await cursorRefusal(ctx, 'payments', query.cursor);
  if (refused) return refused;
  const rows = await selectPayments(ctx, { limit: query.limit + 1, before: query.cursor ?? null, status: query.status });
  const page = cutPage(rows, query.limit);
  return ok({ data: page.rows.map(paymentView), nextCursor: page.nextCursor });
}

export interface WebhookEventView {
  id: string; provider: string; eventId: string; providerReference: string; paymentId: string | null; eventStatus: string;
  amount: number | null; currency: string | null; status: string; attempts: number; lastError: string | null; receivedAt: string; processedAt: string | null;
}

/** Admin list of stored webhook events: where orphans, mismatches and failures are reported. */
export async function listWebhookEvents(ctx: AppContext, actor: Actor, query: { limit: number; cursor?: string; status?: string }): Promise<Result<Page<WebhookEventView>>> {
  const denied = requireRole(actor, ['admin']);
  if (denied) return denied as Result<never>;
  const refused = await cursorRefusal(ctx, 'webhook_inbox', query.cursor);
  if (refused) return refused;
  const rows = await listInboxEvents(ctx, { limit: query.limit + 1, before: query.cursor ?? null, status: query.status });
  const page = cutPage(rows, query.limit);
  return ok({
    data: page.rows.map((r) => ({
      id: r.id, provider: r.provider, eventId: r.event_id, providerReference: r.provider_reference, paymentId: r.payment_id, eventStatus: r.event_status,
      amount: r.amount === null ? null : Number(r.amount), currency: r.currency, status: r.status, attempts: Number(r.attempts), lastError: r.last_error,
      receivedAt: r.received_at, processedAt: r.processed_at,
    })),
    nextCursor: page.nextCursor,
  });
}
