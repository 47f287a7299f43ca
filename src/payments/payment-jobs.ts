import type { Job } from '../jobs/job.ts';
import { checkPendingRefunds } from './check-pending-refunds.ts';
import { expirePayments } from './expire-payments.ts';
import { processInboxEvent } from './process-webhook-event.ts';
import { dueInboxEvents } from './payments-repository.ts';
import { paymentProviders } from './provider-registry.ts';
import { recheckPaidRefunds } from './recheck-paid-refunds.ts';
import { reconcilePayments } from './reconcile-payments.ts';

/** Works through stored webhook events that are due (new ones and retries with backoff). */
export const webhookInboxJob: Job = {
  name: 'payments.webhook-inbox',
  intervalMs: 2_000,
  async run(ctx) {
    const due = await dueInboxEvents(ctx, ctx.settings.payments.batchSizeMax);
    let handled = 0;
    for (const row of due) if ((await processInboxEvent(ctx, row)) !== 'skipped') handled++;
    return handled;
  },
};

export const paymentExpiryJob: Job = { name: 'payments.expiry', intervalMs: 60_000, run: expirePayments };

export const paymentReconciliationJob: Job = { name: 'payments.reconciliation', intervalMs: 5 * 60_000, run: reconcilePayments };

/** Refunds the provider answered `pending`, asked after until it settles them (check-pending-refunds.ts). */
export const refundStatusJob: Job = { name: 'payments.refund-status', intervalMs: 60_000, run: checkPendingRefunds };

/** Refunds paid back by a provider that may still fail them (Stripe), asked after daily for PAYMENT_REFUND_RECHECK_DAYS (recheck-paid-refunds.ts). */
export const refundRecheckJob: Job = { name: 'payments.refund-recheck', intervalMs: 60 * 60_000, run: recheckPaidRefunds };

/** The sandbox provider's own clock: settles its "processing" test payments when their time comes. */
export const sandboxResolveJob: Job = {
  name: 'payments.sandbox-resolve',
  intervalMs: 5_000,
  async run(ctx) {
    const sandbox = paymentProviders(ctx).sandbox;
    return sandbox ? sandbox.resolveDue(ctx.settings.payments.batchSizeMax) : 0;
  },
};

export const PAYMENT_JOBS: Job[] = [webhookInboxJob, paymentExpiryJob, paymentReconciliationJob, refundStatusJob, refundRecheckJob, sandboxResolveJob];
