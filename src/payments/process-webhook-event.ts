import type { AppContext } from '../app-context.ts';
import { capturePayment } from './capture-payment.ts';
import { completePurchase } from './complete-purchase.ts';
import { canTransition, isPaymentStatus } from './payment-state.ts';
import { claimInboxEvent, creditRefundIdOf, findInboxEvent, findPayment, findPaymentByReference, findRefundByProviderId, finishInboxEvent, hasRefundWithoutProviderId, type InboxRow } from './payments-repository.ts';
import { CREDIT_REFUSED, transitionPayment } from './transition-payment.ts';

/** How long a claimed event is reserved for the worker that claimed it (then due again). */
const LEASE_MS = 60_000;

export type InboxOutcome = 'processed' | 'ignored' | 'orphan' | 'mismatch' | 'late_success' | 'failed' | 'retry' | 'skipped';

/** The stored status of a refund's notification (WebhookEvent.refundId): not a payment status. */
export const REFUND_EVENT_STATUS = 'refund';

/** Tries a refund's notification gets before it is called one Tolem did not make: the provider may notify before Tolem has stored the refund's id. */
const REFUND_EVENT_ATTEMPTS = 3;

/** Ends in which the reservation was voided: a success reported after one is money the line never got. */
const VOIDED_ENDS = ['expired', 'canceled', 'failed'];

/**
 * Processes one stored webhook event at most once at a time (a claimed lease): finds its payment,
 * checks amount and currency, and moves the payment. Duplicates and stale (out-of-order) events
 * are ignored by the state machine; the ledger settles a payment once whatever arrives.
 */
export async function processInboxEvent(ctx: AppContext, row: InboxRow): Promise<InboxOutcome> {
  const now = ctx.clock.now();
  if (!(await claimInboxEvent(ctx, row, new Date(now.getTime() + LEASE_MS).toISOString()))) return 'skipped';
  const attempts = Number(row.attempts) + 1;
  const finish = async (status: InboxOutcome, lastError: string | null = null) => {
    await finishInboxEvent(ctx, row.id, { status, last_error: lastError, processed_at: ctx.clock.now().toISOString() });
    return status;
  };
  try {
    const payment = row.payment_id ? await findPayment(ctx, row.payment_id) : await findPaymentByReference(ctx, row.provider, row.provider_reference);
    // Kept and listed for people to look at, never dropped: money may have moved that Tolem does not know of.
    if (!payment) return finish('orphan', 'payment_not_found');
    if (row.payment_id === null) await finishInboxEvent(ctx, row.id, { payment_id: payment.id });
    if (row.event_status === REFUND_EVENT_STATUS) {
      // A refund's notification moves nothing: Tolem's own refunds settle through the refund API and
      // its status job. One Tolem did not make (the provider's dashboard, a dispute) paid the payer
      // back without debiting the line: kept for people to settle.
      const known = row.provider_refund_id === null ? undefined : await findRefundByProviderId(ctx, payment.id, row.provider_refund_id);
      if (known) return finish('ignored', `refund ${known.id} (${row.provider_refund_id}): settled through the refund API`);
      // The whole payment, refunded by Tolem itself when the line could not take it (refuseCredit in
      // transition-payment.ts): the line was never credited, so there is nothing to debit. Only a
      // notification that this refund failed (WeChat Pay's REFUND.CLOSED, ABNORMAL) is for people.
      // A notification of another refund of it (made in the provider's dashboard, a chargeback) is not this one.
      if (payment.status === 'failed' && payment.failure_reason?.startsWith(CREDIT_REFUSED) && await isCreditRefund(ctx, payment.id, row.provider_refund_id)) {
        if (row.failure_reason !== null) return finish('mismatch', `the refund of a refused credit (${payment.failure_reason}) did not reach the payer (${row.failure_reason}): the payer was charged and the line not credited`);
        return finish('ignored', `the refund of a refused credit (${payment.failure_reason}): the line was never credited`);
      }
      // A refund of the payment still waiting for the provider's answer may be this one: asked about until the retries run out.
      const unanswered = await hasRefundWithoutProviderId(ctx, payment.id);
      if (attempts < REFUND_EVENT_ATTEMPTS || unanswered) return retryLater(ctx, row, attempts, unanswered ? 'refund_not_known_yet: a refund of the payment has no answer from the provider yet' : 'refund_not_known_yet');
      return finish('mismatch', `a refund Tolem did not make (${row.provider_refund_id}, ${row.amount === null ? 'amount unknown' : `${row.amount} ${row.currency}`}): the payer was paid back and the line not debited`);
    }
    if ((row.amount !== null && BigInt(row.amount) !== BigInt(payment.amount)) || (row.currency !== null && row.currency !== payment.currency)) {
      return finish('mismatch', `expected ${payment.amount} ${payment.currency}, event says ${row.amount} ${row.currency}`);
    }
    const to = row.event_status;
    if (!isPaymentStatus(to)) return finish('failed', `unknown status ${to}`);
    // A success is credited only against the amount and currency it reports: one whose amount the
    // parser could not read (a string, a fraction, missing) is for people to look at, like a wrong one.
    if (to === 'succeeded' && (row.amount === null || row.currency === null)) {
      return finish('mismatch', `expected ${payment.amount} ${payment.currency}, a success without a readable amount and currency`);
    }
    // The success whose credit the top-up rules refused, told again (PayPal notifies the capture
    // Tolem made, and the order's completion, after Tolem has refused the credit and refunded the
    // whole payment): the same money, already on its way back to the payer, not a late success
    // for people to pay back a second time.
    if (to === 'succeeded' && payment.status === 'failed' && payment.failure_reason?.startsWith(CREDIT_REFUSED)) {
      return finish('ignored', `succeeded, the credit refused (${payment.failure_reason}) and the payment refunded in full`);
    }
    // The provider says it took the money after Tolem gave up on the payment (voided, line not
    // credited): kept for people to settle (refund the payer or credit the line), never ignored.
    if (to === 'succeeded' && VOIDED_ENDS.includes(payment.status)) {
      return finish('late_success', `succeeded after ${payment.status}: the payer was charged and the line not credited`);
    }
    // A purchase whose success was recorded but whose package was never bought nor refused: the
    // process died between the two (transitionPayment, completePurchase), and the event it had
    // claimed comes back. Bought now, under the payment's key (once, however often it is told).
    if (to === 'succeeded' && payment.status === 'succeeded' && payment.purpose === 'purchase' && payment.package_id === null && payment.purchase_error === null) {
      await completePurchase(ctx, payment);
      return finish('processed');
    }
    if (payment.status === to || !canTransition(payment.status as never, to)) return finish('ignored', `stale: ${payment.status} -> ${to}`);
    const moved = await transitionPayment(ctx, payment, { to, source: 'webhook', raw: { inboxId: row.id, eventId: row.event_id }, failureReason: to === 'failed' ? row.failure_reason ?? 'declined' : undefined });
    if (moved.ok) {
      const outcome = await finish('processed');
      await capturePayment(ctx, moved.value);
      return outcome;
    }
    if (moved.error.code === 'payment_state_invalid') return finish('ignored', `refused: ${JSON.stringify(moved.error.details)}`);
    return retryLater(ctx, row, attempts, moved.error.code);
  } catch (error) {
    ctx.reportError(error, { inboxId: row.id });
    return retryLater(ctx, row, attempts, 'exception');
  }
}

/** Whether a refund notification is of the refund Tolem made when it refused the payment's credit (when either id is unknown, taken to be). */
async function isCreditRefund(ctx: AppContext, paymentId: string, providerRefundId: string | null): Promise<boolean> {
  if (providerRefundId === null) return true;
  const ours = await creditRefundIdOf(ctx, paymentId);
  return ours === null || ours === providerRefundId;
}

/** Exponential backoff, bounded: after webhookAttemptsMax tries the event is left as failed, for review. */
async function retryLater(ctx: AppContext, row: InboxRow, attempts: number, reason: string): Promise<InboxOutcome> {
  const { webhookAttemptsMax, webhookBackoffSecondsBase } = ctx.settings.payments;
  if (attempts >= webhookAttemptsMax) {
    await finishInboxEvent(ctx, row.id, { status: 'failed', last_error: reason, processed_at: ctx.clock.now().toISOString() });
    return 'failed';
  }
  const delayMs = webhookBackoffSecondsBase * 1000 * 2 ** (attempts - 1);
  await finishInboxEvent(ctx, row.id, { next_attempt_at: new Date(ctx.clock.now().getTime() + delayMs).toISOString(), last_error: reason });
  return 'retry';
}

/** Processes one event by id right after it was stored (the inline path; the job is the safety net). */
export async function processInboxEventById(ctx: AppContext, id: string): Promise<InboxOutcome> {
  const row = await findInboxEvent(ctx, id);
  if (!row || row.status !== 'received') return 'skipped';
  return processInboxEvent(ctx, row);
}
