import { createHmac } from 'node:crypto';
import { isoInstant } from '../../../domain/time.ts';
import type { Kysely } from 'kysely';
import type { Clock } from '../../../platform/clock.ts';
import type { IdGenerator } from '../../../platform/ids.ts';
import type { Database } from '../../../store/schema.ts';
import type { PaymentSettings } from '../../payment-settings.ts';
import type { InitiateInput, InitiateResult, PaymentProvider, PaymentStatus, ProviderResult, RefundResult, StatusResult, WebhookEvent, WebhookRequest } from '../payment-provider.ts';
import { outcomeOf } from './sandbox-cards.ts';
import { dueProcessingSessions, findRefundUnderKey, refundUnderKey, findSession, insertSession, moveSession, type SandboxSessionRow } from './sandbox-repository.ts';
import { SANDBOX_SIGNATURE_HEADER, signPayload, verifySignature } from './sandbox-signature.ts';

export interface SandboxDeps {
  db: Kysely<Database>;
  clock: Clock;
  ids: IdGenerator;
  random(size: number): Buffer;
  /** Keys the card fingerprints; never stored with the card number, which is not stored at all. */
  fingerprintKey: string;
  publicUrl(): string;
  settings: PaymentSettings['sandbox'];
  toleranceSeconds: number;
}

/** Sends one signed webhook to Tolem's own endpoint, as a provider's servers would; answers the HTTP status. */
export type WebhookDeliverer = (request: { headers: Record<string, string>; body: string }) => Promise<number>;

/** The sandbox's own session statuses: the provider's view, which Tolem learns only by webhook or getStatus. */
type SessionStatus = 'requires_action' | 'challenge' | 'processing' | 'succeeded' | 'failed' | 'canceled';

export type CheckoutView = { view: 'succeeded' | 'declined' | 'challenge' | 'processing' | 'unknown' | 'canceled' | 'closed'; session: SandboxSessionRow; reason?: string };

const OPEN: readonly SessionStatus[] = ['requires_action'];

/**
 * The built-in test provider (DESIGN.md section 7): a hosted checkout inside Tolem that approves,
 * declines, challenges or times out by Stripe's test card numbers, and reports outcomes only
 * through signed webhooks, sometimes twice and out of order, as real providers do.
 */
export class SandboxProvider implements PaymentProvider {
  readonly id = 'sandbox';
  private deliverer: WebhookDeliverer | null = null;

  constructor(private readonly deps: SandboxDeps) {
    if (deps.settings.webhookSecret.length < 16) throw new Error('sandbox: SANDBOX_WEBHOOK_SECRET must be at least 16 characters');
    if (deps.settings.duplicatePercent > 100 || deps.settings.reorderPercent > 100) throw new Error('sandbox: webhook percentages must be 0-100');
  }

  setDeliverer(deliverer: WebhookDeliverer | null): void {
    this.deliverer = deliverer;
  }

  async initiate(input: InitiateInput): Promise<ProviderResult<InitiateResult>> {
    const now = this.deps.clock.now().toISOString();
    const id = this.deps.ids.next('sbx');
    await insertSession(this.deps.db, {
      id, payment_id: input.paymentId, amount: input.amount, currency: input.currency, status: 'requires_action', failure_reason: null,
      card_last4: null, refunded_amount: 0n, return_url: input.returnUrl, language: input.language, resolve_at: null, created_at: now, updated_at: now,
      description: input.description,
    });
    const redirectUrl = `${this.deps.publicUrl()}/sandbox/checkout/${id}?lang=${input.language}`;
    return { ok: true, value: { providerReference: id, status: 'requires_action', redirectUrl, raw: { id, object: 'sandbox.checkout_session' } } };
  }

  async getStatus(providerReference: string): Promise<ProviderResult<StatusResult>> {
    let session = await findSession(this.deps.db, providerReference);
    if (!session) return { ok: false, code: 'not_found' };
    if (session.status === 'processing' && session.resolve_at && session.resolve_at <= this.deps.clock.now().toISOString()) {
      await this.resolveProcessing(session, false);
      session = (await findSession(this.deps.db, providerReference))!;
    }
    return { ok: true, value: statusOf(session) };
  }

  async capture(providerReference: string): Promise<ProviderResult<StatusResult>> {
    // The sandbox captures automatically, as Stripe does by default.
    return this.getStatus(providerReference);
  }

  /** Honours the idempotency key as real providers do: a repeat gets the first answer and refunds nothing more. */
  async refund(providerReference: string, amount: bigint, idempotencyKey: string): Promise<ProviderResult<RefundResult>> {
    const done = await refundUnderKey(this.deps.db, idempotencyKey, providerReference, amount, this.deps.ids.next('re_sbx'), this.deps.clock.now().toISOString());
    if (done === 'key_reused') return { ok: false, code: 'idempotency_key_reused' };
    if (done.status !== 'succeeded') return { ok: false, code: 'refund_refused' };
    return { ok: true, value: { providerRefundId: done.refundId, status: 'succeeded', raw: { id: done.refundId, reference: providerReference, amount: Number(amount) } } };
  }

  /** The sandbox settles refunds at once; this reads back the answer given under the key. */
  async refundStatus(providerReference: string, providerRefundId: string, idempotencyKey: string): Promise<ProviderResult<RefundResult>> {
    const done = await findRefundUnderKey(this.deps.db, idempotencyKey);
    if (!done || done.refund_id !== providerRefundId || done.session_id !== providerReference) return { ok: false, code: 'not_found' };
    const status = done.status === 'succeeded' ? 'succeeded' : done.status === 'pending' ? 'pending' : 'failed';
    return { ok: true, value: { providerRefundId: done.refund_id, status, raw: { id: done.refund_id, reference: providerReference, amount: Number(done.amount), status: done.status } } };
  }

  async cancel(providerReference: string): Promise<ProviderResult<StatusResult>> {
    await moveSession(this.deps.db, providerReference, ['requires_action', 'challenge'], { status: 'canceled', updated_at: this.deps.clock.now().toISOString() });
    return this.getStatus(providerReference);
  }

  async parseWebhook(request: WebhookRequest): Promise<ProviderResult<WebhookEvent>> {
    const header = request.headers[SANDBOX_SIGNATURE_HEADER];
    const check = verifySignature(this.deps.settings.webhookSecret, typeof header === 'string' ? header : undefined, request.rawBody, this.deps.clock.now(), this.deps.toleranceSeconds);
    if (check !== 'ok') return { ok: false, code: check };
    return parseEventBody(request.rawBody);
  }

  // --- what the hosted page does (the payer's side) ---

  async session(id: string): Promise<SandboxSessionRow | undefined> {
    return findSession(this.deps.db, id);
  }

  fingerprintOf(cardNumber: string): string {
    return 'fp_' + createHmac('sha256', this.deps.fingerprintKey).update(`sandbox-card:${cardNumber}`).digest('base64url').slice(0, 22);
  }

  /** The payer submitted a (Luhn-valid) card number on the checkout page. */
  async submitCard(id: string, cardNumber: string): Promise<CheckoutView> {
    const session = await findSession(this.deps.db, id);
    if (!session) return { view: 'closed', session: session! };
    const last4 = cardNumber.slice(-4);
    const payer = { last4, payerFingerprint: this.fingerprintOf(cardNumber) };
    const now = this.deps.clock.now();
    const set = (status: SessionStatus, extra: Partial<SandboxSessionRow> = {}) => moveSession(this.deps.db, id, OPEN, { status, card_last4: last4, updated_at: now.toISOString(), ...extra });
    switch (outcomeOf(cardNumber)) {
      case 'approve':
        if (!(await set('succeeded'))) return this.closed(id);
        await this.emit(id, ['processing', 'succeeded'], payer);
        return { view: 'succeeded', session: (await findSession(this.deps.db, id))! };
      case 'decline':
      case 'insufficient_funds': {
        const reason = outcomeOf(cardNumber) === 'decline' ? 'card_declined' : 'insufficient_funds';
        if (!(await set('failed', { failure_reason: reason }))) return this.closed(id);
        await this.emit(id, ['failed'], payer);
        return { view: 'declined', reason, session: (await findSession(this.deps.db, id))! };
      }
      case 'challenge':
        if (!(await set('challenge'))) return this.closed(id);
        return { view: 'challenge', session: (await findSession(this.deps.db, id))! };
      case 'processing': {
        const resolveAt = new Date(now.getTime() + this.deps.settings.processingSeconds * 1000).toISOString();
        if (!(await set('processing', { resolve_at: resolveAt }))) return this.closed(id);
        await this.emit(id, ['processing'], payer);
        return { view: 'processing', session: (await findSession(this.deps.db, id))! };
      }
      case 'timeout':
        // The charge goes through, but the answer is lost on the way: Tolem only learns "unknown".
        if (!(await set('succeeded'))) return this.closed(id);
        await this.emit(id, ['unknown'], payer);
        return { view: 'unknown', session: (await findSession(this.deps.db, id))! };
    }
  }

  async resolveChallenge(id: string, approve: boolean): Promise<CheckoutView> {
    const now = this.deps.clock.now().toISOString();
    const moved = await moveSession(this.deps.db, id, ['challenge'], approve
      ? { status: 'succeeded', updated_at: now }
      : { status: 'failed', failure_reason: 'authentication_failed', updated_at: now });
    if (!moved) return this.closed(id);
    const session = (await findSession(this.deps.db, id))!;
    const payer = { last4: session.card_last4 ?? undefined };
    await this.emit(id, approve ? ['processing', 'succeeded'] : ['failed'], payer);
    return approve ? { view: 'succeeded', session } : { view: 'declined', reason: 'authentication_failed', session };
  }

  async cancelByPayer(id: string): Promise<CheckoutView> {
    const moved = await moveSession(this.deps.db, id, ['requires_action', 'challenge'], { status: 'canceled', updated_at: this.deps.clock.now().toISOString() });
    if (!moved) return this.closed(id);
    await this.emit(id, ['canceled'], {});
    return { view: 'canceled', session: (await findSession(this.deps.db, id))! };
  }

  /** Settles "processing" sessions whose time has come and tells Tolem; the sandbox job calls this. */
  async resolveDue(limit: number): Promise<number> {
    const due = await dueProcessingSessions(this.deps.db, this.deps.clock.now().toISOString(), limit);
    for (const session of due) await this.resolveProcessing(session, true);
    return due.length;
  }

  private async resolveProcessing(session: SandboxSessionRow, notify: boolean): Promise<void> {
    const moved = await moveSession(this.deps.db, session.id, ['processing'], { status: 'succeeded', updated_at: this.deps.clock.now().toISOString() });
    if (moved && notify) await this.emit(session.id, ['succeeded'], { last4: session.card_last4 ?? undefined });
  }

  private async closed(id: string): Promise<CheckoutView> {
    return { view: 'closed', session: (await findSession(this.deps.db, id))! };
  }

  /** Builds, signs and sends events; sometimes one twice, sometimes a pair reversed (settings). */
  private async emit(id: string, statuses: PaymentStatus[], payer: { last4?: string; payerFingerprint?: string }): Promise<void> {
    if (!this.deliverer) return;
    const session = (await findSession(this.deps.db, id))!;
    const created = Math.floor(this.deps.clock.now().getTime() / 1000);
    const bodies = statuses.map((status) => JSON.stringify({
      id: this.deps.ids.next('evt_sbx'), type: `payment.${status}`, created,
      data: {
        reference: session.id, paymentId: session.payment_id, status, amount: Number(session.amount), currency: session.currency,
        ...(session.failure_reason && status === 'failed' ? { failureReason: session.failure_reason } : {}),
        ...(payer.last4 ? { last4: payer.last4 } : {}), ...(payer.payerFingerprint ? { payerFingerprint: payer.payerFingerprint } : {}),
      },
    }));
    if (bodies.length > 1 && this.chance(this.deps.settings.reorderPercent)) bodies.reverse();
    if (this.chance(this.deps.settings.duplicatePercent)) bodies.push(bodies[bodies.length - 1]!);
    for (const body of bodies) {
      const headers = { 'content-type': 'application/json', [SANDBOX_SIGNATURE_HEADER]: signPayload(this.deps.settings.webhookSecret, created, body) };
      // A failed delivery is not retried by the sandbox: reconciliation (getStatus) is the safety net.
      await this.deliverer({ headers, body }).catch(() => 0);
    }
  }

  private chance(percent: number): boolean {
    if (percent <= 0) return false;
    if (percent >= 100) return true;
    return this.deps.random(1)[0]! < Math.floor((percent * 256) / 100);
  }
}

function statusOf(session: SandboxSessionRow): StatusResult {
  const status: PaymentStatus = session.status === 'challenge' ? 'requires_action' : (session.status as PaymentStatus);
  return {
    status,
    ...(status === 'succeeded' ? { amountCaptured: BigInt(session.amount) - BigInt(session.refunded_amount) } : {}),
    ...(session.failure_reason ? { failureReason: session.failure_reason } : {}),
    raw: { id: session.id, status: session.status, amount: Number(session.amount), refunded: Number(session.refunded_amount) },
  };
}

const EVENT_STATUSES: readonly PaymentStatus[] = ['requires_action', 'processing', 'succeeded', 'failed', 'canceled', 'expired', 'unknown'];

function parseEventBody(rawBody: string): ProviderResult<WebhookEvent> {
  let body: any;
  try {
    body = JSON.parse(rawBody);
  } catch {
    return { ok: false, code: 'webhook_payload_invalid' };
  }
  const data = body?.data;
  const valid = typeof body?.id === 'string' && body.id.length <= 100 && typeof data?.reference === 'string' && data.reference.length <= 100
    && EVENT_STATUSES.includes(data.status) && Number.isSafeInteger(data.amount) && typeof data.currency === 'string';
  // `created` (Unix seconds, as Stripe's) may be absent, but not a time no Date can hold.
  const occurredAt = Number.isSafeInteger(body.created) ? isoInstant(body.created * 1000) : undefined;
  if (!valid || (body.created !== undefined && occurredAt === undefined)) return { ok: false, code: 'webhook_payload_invalid' };
  return {
    ok: true,
    value: {
      eventId: body.id, providerReference: data.reference, status: data.status, amount: BigInt(data.amount), currency: data.currency,
      occurredAt,
      paymentId: typeof data.paymentId === 'string' ? data.paymentId : undefined,
      failureReason: typeof data.failureReason === 'string' ? data.failureReason : undefined,
      payerFingerprint: typeof data.payerFingerprint === 'string' ? data.payerFingerprint : undefined,
      cardLast4: typeof data.last4 === 'string' && /^\d{4}$/.test(data.last4) ? data.last4 : undefined,
      raw: body,
    },
  };
}

