import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { sendError, sendResult } from '../http/http-errors.ts';
import { actorOf, idempotencyKeyOf } from '../http/request-auth.ts';
import { AmountMinor, bearer, commonErrors, ErrorBody, IdempotencyHeaders, MsisdnInput, optionalBearer, PageOf, pageQueryOf } from '../http/schemas.ts';
import type { RouteOptions } from '../http/server.ts';
import { ensureAccounts } from '../ledger/ensure-system-accounts.ts';
import { confirmLine } from './confirm-line.ts';
import { createPayment } from './create-payment.ts';
import { getPayment } from './get-payment.ts';
import { importSettlement } from './import-settlement.ts';
import { listPayments, listWebhookEvents } from './list-payments.ts';
import { PAYMENT_STATUSES } from './payment-state.ts';
import { processInboxEventById } from './process-webhook-event.ts';
import { sandboxRoutes } from './providers/sandbox/sandbox-routes.ts';
import { clearingAccountSpecs, paymentProviders, WEBHOOK_ACKNOWLEDGEMENTS } from './provider-registry.ts';
import { receiveWebhook } from './receive-webhook.ts';
import { refundPayment } from './refund-payment.ts';

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) => Type.Union([schema, Type.Null()]);

export const PaymentSchema = Type.Object({
  id: Type.String(), status: Type.Union(PAYMENT_STATUSES.map((s) => Type.Literal(s))), provider: Type.String(), purpose: Type.String(),
  offering: Nullable(Type.String()), msisdn: Type.String({ description: 'masked' }), amount: Type.Integer(), currency: Type.String(),
  redirectUrl: Nullable(Type.String()), qrContent: Nullable(Type.String()), failureReason: Nullable(Type.String()),
  nextAction: Nullable(Type.String({ description: 'redirect | show_qr | wait | retry_with_another_method' })),
  topUpId: Nullable(Type.String()), packageId: Nullable(Type.String()), purchaseError: Nullable(Type.String()), receiptNumber: Nullable(Type.String()), cardLast4: Nullable(Type.String()), refundedAmount: Type.Integer(),
  expiresAt: Type.String(), createdAt: Type.String(), updatedAt: Type.String(),
  clientSecret: Type.Optional(Type.String({ description: 'Only in the create answer: send it as X-Payment-Client-Secret to read the payment' })),
  events: Type.Optional(Type.Array(Type.Object({ from: Nullable(Type.String()), to: Type.String(), source: Type.String(), at: Type.String() }))),
  refunds: Type.Optional(Type.Array(Type.Ref('PaymentRefund'))),
}, { $id: 'Payment' });

export const RefundSchema = Type.Object({
  id: Type.String(), paymentId: Type.String(), amount: Type.Integer(), currency: Type.String(),
  status: Type.String({ description: 'pending (the provider has not paid it back yet) | succeeded | failed (refused; the money went back to the line) | reversed (paid back, then failed at the bank; the money went back to the line)' }),
  receiptNumber: Nullable(Type.String()), failureReason: Nullable(Type.String()), createdAt: Type.String(),
}, { $id: 'PaymentRefund' });

const WEBHOOK_EVENT_STATUSES = ['received', 'processed', 'ignored', 'orphan', 'mismatch', 'late_success', 'failed'];
const WebhookEventSchema = Type.Object({
  id: Type.String(), provider: Type.String(), eventId: Type.String({ description: "the provider's event id" }), providerReference: Type.String(), paymentId: Nullable(Type.String()),
  eventStatus: Type.String({ description: 'the status the event reports' }), amount: Nullable(Type.Integer({ description: 'minor units, as the event states it' })), currency: Nullable(Type.String()),
  status: Type.String({ description: WEBHOOK_EVENT_STATUSES.join(' | ') }), attempts: Type.Integer(), lastError: Nullable(Type.String()), receivedAt: Type.String(), processedAt: Nullable(Type.String()),
});

const StatusQuery = (statuses: readonly string[], idPrefix: string) => Type.Composite([pageQueryOf(idPrefix), Type.Object({ status: Type.Optional(Type.Union(statuses.map((s) => Type.Literal(s)))) })], { additionalProperties: false });

/** Online payments (docs/payments.md): create and read, refunds, webhooks, reconciliation, the sandbox. */
export async function paymentRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  const providers = paymentProviders(ctx);
  await ensureAccounts(ctx.store, clearingAccountSpecs(providers.ids), ctx.clock.now());
  const inflight = new Set<Promise<unknown>>();
  app.addHook('onClose', async () => { await Promise.allSettled([...inflight]); });
  app.addSchema(RefundSchema);
  app.addSchema(PaymentSchema);

  app.post('/v1/payments', {
    schema: {
      tags: ['payments'], summary: 'Start an online payment for a top-up (no login needed; limited per IP)', security: optionalBearer,
      description: 'Reserves the top-up and answers where to send the payer (redirectUrl) or a QR code. Keep clientSecret to poll GET /v1/payments/{id}.',
      headers: IdempotencyHeaders,
      body: Type.Object({
        msisdn: MsisdnInput, amount: AmountMinor, currency: Type.String({ minLength: 3, maxLength: 3, examples: ['KZT'] }),
        purpose: Type.Union([Type.Literal('topup'), Type.Literal('purchase')]), offering: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
        provider: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })), language: Type.Optional(Type.Union(['en', 'ru', 'kk', 'zh'].map((l) => Type.Literal(l)))),
      }, { additionalProperties: false }),
      response: { 201: Type.Ref('Payment'), ...commonErrors },
    },
  }, async (request, reply) => {
    const result = await createPayment(ctx, request.actor, request.body as never, idempotencyKeyOf(request), request.ip);
    if (!result.ok) return sendError(reply, result.error);
    if (result.value.replayed) reply.header('idempotent-replayed', 'true');
    return reply.code(201).send(result.value.payment);
  });

  app.get('/v1/payments/confirm-line', {
    schema: {
      tags: ['payments'], summary: 'Confirm a number before paying: masked number and operator (no login; limited per IP)',
      querystring: Type.Object({ msisdn: MsisdnInput }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          msisdn: Type.String(), operator: Nullable(Type.String()), canTopUp: Type.Boolean(),
          amountMin: Type.Integer({ description: 'smallest top-up, minor units (TOPUP_AMOUNT_MIN_KZT)' }), amountMax: Type.Integer({ description: 'largest top-up, minor units (TOPUP_AMOUNT_MAX_KZT)' }),
        }),
        ...commonErrors,
      },
    },
  }, async (request, reply) => sendResult(reply, await confirmLine(ctx, (request.query as { msisdn: string }).msisdn, request.ip)));

  app.get('/v1/payments/:id', {
    schema: {
      tags: ['payments'], summary: 'A payment, for its creator (X-Payment-Client-Secret) or an admin', security: optionalBearer,
      params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
      headers: Type.Object({ 'x-payment-client-secret': Type.Optional(Type.String({ maxLength: 128 })) }),
      response: { 200: Type.Ref('Payment'), ...commonErrors },
    },
  }, async (request, reply) => sendResult(reply, await getPayment(ctx, request.actor, (request.params as { id: string }).id, request.headers['x-payment-client-secret'] as string | undefined)));

  app.get('/v1/payments', {
    schema: { tags: ['payments'], summary: 'List payments, newest first (admin)', security: bearer, querystring: StatusQuery(PAYMENT_STATUSES, 'pay'), response: { 200: PageOf(Type.Ref('Payment')), ...commonErrors } },
  }, async (request, reply) => sendResult(reply, await listPayments(ctx, actorOf(request), request.query as never)));

  app.post('/v1/payments/:id/refunds', {
    schema: {
      tags: ['payments'], summary: 'Refund all or part of a paid top-up, up to its unspent part (admin)', security: bearer, headers: IdempotencyHeaders,
      params: Type.Object({ id: Type.String({ maxLength: 64 }) }), body: Type.Object({ amount: AmountMinor }, { additionalProperties: false }),
      response: { 201: Type.Ref('PaymentRefund'), 202: { ...Type.Ref('PaymentRefund'), description: 'The provider has the refund but has not paid it back yet (status pending); Tolem asks after it' }, ...commonErrors, 502: ErrorBody },
    },
  }, async (request, reply) => {
    const actor = actorOf(request);
    const result = await refundPayment(ctx, actor, (request.params as { id: string }).id, request.body as never, idempotencyKeyOf(request));
    if (!result.ok) return sendError(reply, result.error);
    if (result.value.replayed) reply.header('idempotent-replayed', 'true');
    return reply.code(result.value.refund.status === 'pending' ? 202 : 201).send(result.value.refund);
  });

  app.get('/v1/admin/webhook-events', {
    schema: {
      tags: ['payments'], summary: 'Stored webhook events: orphans, mismatches, late successes, failures (admin)', security: bearer,
      querystring: StatusQuery(WEBHOOK_EVENT_STATUSES, 'whk'), response: { 200: PageOf(WebhookEventSchema), ...commonErrors },
    },
  }, async (request, reply) => sendResult(reply, await listWebhookEvents(ctx, actorOf(request), request.query as never)));

  // Webhooks and settlement files are read as raw text: signatures are computed over the exact bytes.
  await app.register(async (raw) => {
    raw.removeAllContentTypeParsers();
    raw.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => done(null, body));
    raw.post('/v1/webhooks/:provider', {
      // Alipay notifies with a form (application/x-www-form-urlencoded); signed, and no cookie is read here.
      config: { formBody: true },
      schema: {
        tags: ['payments'], summary: 'Payment provider webhooks: verified, stored once, acknowledged', params: Type.Object({ provider: Type.String({ maxLength: 32 }) }),
        response: { 200: Type.Unknown({ description: '{"received": true, "duplicate": …}, or the acknowledgement a provider expects (Alipay: the text success)' }) },
      },
    }, async (request, reply) => {
      const provider = (request.params as { provider: string }).provider;
      const result = await receiveWebhook(ctx, provider, { headers: request.headers, rawBody: typeof request.body === 'string' ? request.body : '' });
      if (!result.ok) return sendError(reply, result.error);
      if (!result.value.duplicate && ctx.settings.payments.processWebhooksInline) {
        const run = processInboxEventById(ctx, result.value.inboxId).catch((error) => ctx.reportError(error, { inboxId: result.value.inboxId })).finally(() => inflight.delete(run));
        inflight.add(run);
      }
      const acknowledgement = WEBHOOK_ACKNOWLEDGEMENTS[provider];
      if (acknowledgement) return reply.code(200).type(acknowledgement.contentType).send(acknowledgement.body);
      return reply.code(200).send({ received: true, duplicate: result.value.duplicate });
    });
    raw.post('/v1/admin/reconciliation/:provider', {
      bodyLimit: 8 * 1024 * 1024,
      schema: {
        tags: ['payments'], summary: 'Compare a provider settlement file (CSV: reference,amount,currency) with Tolem (admin)', security: bearer,
        params: Type.Object({ provider: Type.String({ maxLength: 32 }) }),
        querystring: Type.Object({
          from: Type.Optional(Type.String({ maxLength: 30, description: 'missing_at_provider only from this time: a date alone (2026-02-01) is that Almaty day\'s start, else an ISO-8601 instant with its offset' })),
          to: Type.Optional(Type.String({ maxLength: 30, description: 'and before this one (excluded), read as from is' })),
        }, { additionalProperties: false }),
        response: { 200: Type.Unknown({ description: '{provider, rows, matched, mismatches: [...]} (docs/payments.md, Settlement files)' }) },
      },
    }, async (request, reply) => sendResult(reply, await importSettlement(ctx, actorOf(request), (request.params as { provider: string }).provider,
      typeof request.body === 'string' ? request.body : '', request.query as never)));
  });

  const sandbox = providers.sandbox;
  if (sandbox) {
    // The sandbox delivers its webhooks through Tolem's own HTTP stack, signature check included.
    sandbox.setDeliverer(async ({ headers, body }) => (await app.inject({ method: 'POST', url: '/v1/webhooks/sandbox', headers, payload: body })).statusCode);
    await app.register(sandboxRoutes, { ctx, sandbox });
  }
}
