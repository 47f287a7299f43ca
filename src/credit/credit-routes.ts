import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { sendError, sendResult } from '../http/http-errors.ts';
import { actorOf, idempotencyKeyOf } from '../http/request-auth.ts';
import { AmountMinor, bearer, commonErrors, IdempotencyHeaders, MsisdnInput } from '../http/schemas.ts';
import type { RouteOptions } from '../http/server.ts';
import { getPromisedPayments } from './get-promised-payments.ts';
import { takePromisedPayment } from './take-promised-payment.ts';

const PromisedPaymentSchema = Type.Object({
  id: Type.String(), lineId: Type.String(), msisdn: Type.String(), amount: Type.Integer(), fee: Type.Integer(), owed: Type.Integer(),
  currency: Type.Literal('KZT'), dueAt: Type.String(), balanceAfter: Type.Object({ main: Type.Integer() }), createdAt: Type.String(),
});

export async function creditRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  app.get('/v1/lines/:msisdn/promised-payment', {
    schema: {
      tags: ['lines'], summary: 'What a line owes on promised payments, what it may take now, and their history', security: bearer,
      params: Type.Object({ msisdn: MsisdnInput }),
      response: {
        200: Type.Object({
          msisdn: Type.String(), owed: Type.Integer(), currency: Type.Literal('KZT'),
          offer: Type.Object({
            available: Type.Boolean({ description: 'whether POST would grant one now' }),
            refusal: Type.Union([Type.Object({
              reason: Type.String({ description: 'tenure | no_recent_topup | line_not_active | credit_open' }),
              tenureDaysMin: Type.Optional(Type.Integer()), recentTopupDays: Type.Optional(Type.Integer()), status: Type.Optional(Type.String()),
            }), Type.Null()], { description: 'why not, as POST would answer (credit_not_eligible details, or credit_open)' }),
            amounts: Type.Array(Type.Object({ amount: Type.Integer(), fee: Type.Integer(), owed: Type.Integer() })),
            termDays: Type.Integer(),
          }),
          data: Type.Array(Type.Object({
            id: Type.String(), amount: Type.Integer(), fee: Type.Integer(), status: Type.String({ description: 'open | debt | closed' }),
            grantedAt: Type.String(), dueAt: Type.String(), closedAt: Type.Union([Type.String(), Type.Null()]),
          })),
        }),
        ...commonErrors,
      },
    },
  }, async (request, reply) => sendResult(reply, await getPromisedPayments(ctx, actorOf(request), (request.params as { msisdn: string }).msisdn)));

  app.post('/v1/lines/:msisdn/promised-payment', {
    schema: {
      tags: ['lines'], summary: 'Take a promised payment (credit) into the main balance', security: bearer,
      description: 'One at a time, for an active line with tenure and a recent top-up; repaid from the next top-up or at the end of the term, with a fee.',
      headers: IdempotencyHeaders, params: Type.Object({ msisdn: MsisdnInput }),
      body: Type.Object({ amount: AmountMinor }, { additionalProperties: false }),
      response: { 201: PromisedPaymentSchema, ...commonErrors },
    },
  }, async (request, reply) => {
    const actor = actorOf(request);
    const key = idempotencyKeyOf(request);
    const result = await takePromisedPayment(ctx, actor, (request.params as { msisdn: string }).msisdn, request.body as never, key);
    if (!result.ok) return sendError(reply, result.error);
    if (result.value.replayed) reply.header('idempotent-replayed', 'true');
    return reply.code(201).send(result.value.credit);
  });
}
