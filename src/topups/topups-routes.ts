import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { sendError } from '../http/http-errors.ts';
import { actorOf, idempotencyKeyOf } from '../http/request-auth.ts';
import { AmountMinor, bearer, commonErrors, IdempotencyHeaders, MsisdnInput } from '../http/schemas.ts';
import type { RouteOptions } from '../http/server.ts';
import { createTopUp } from './create-top-up.ts';

/** A top-up as every channel answers it (`AppliedTopUp`); added in server.ts, so that any route may refer to it as `Type.Ref('TopUp')`. */
export const TopUpSchema = Type.Object({
  id: Type.String(), lineId: Type.String(), msisdn: Type.String(), amount: Type.Integer(), currency: Type.Literal('KZT'),
  receiptNumber: Type.String({ examples: ['R-2026-00000123'] }), transferId: Type.String(), channel: Type.String(),
  balanceAfter: Type.Object({ main: Type.Integer(), bonus: Type.Integer() }),
  bonus: Type.Integer({ description: 'top-up bonus credited to the bonus balance (minor units)' }),
  creditRepaid: Type.Integer({ description: 'promised-payment debt repaid from this top-up (minor units)' }),
  line: Type.Object({ status: Type.String(), validUntil: Type.String() }),
  createdAt: Type.String(),
}, { $id: 'TopUp' });

export async function topUpRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  app.post('/v1/topups', {
    schema: {
      tags: ['topups'], summary: 'Top up a line from a trusted channel (TM Forum: topupBalance)', security: bearer,
      description: 'Credits the main balance at most once per Idempotency-Key. A replay answers the first result with header Idempotent-Replayed: true.',
      headers: IdempotencyHeaders,
      body: Type.Object({
        msisdn: MsisdnInput, amount: AmountMinor, currency: Type.String({ minLength: 3, maxLength: 3, examples: ['KZT'] }),
        source: Type.Optional(Type.String({ maxLength: 100, description: 'Funding ledger account (admin only), e.g. clearing:manual' })),
      }, { additionalProperties: false }),
      response: { 201: Type.Ref('TopUp'), ...commonErrors },
    },
  }, async (request, reply) => {
    const actor = actorOf(request);
    const key = idempotencyKeyOf(request);
    const result = await createTopUp(ctx, actor, request.body as never, key);
    if (!result.ok) return sendError(reply, result.error);
    if (result.value.replayed) reply.header('idempotent-replayed', 'true');
    return reply.code(201).send(result.value.topUp);
  });
}
