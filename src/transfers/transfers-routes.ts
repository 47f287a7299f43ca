import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { sendError } from '../http/http-errors.ts';
import { actorOf, idempotencyKeyOf } from '../http/request-auth.ts';
import { AmountMinor, bearer, commonErrors, IdempotencyHeaders, MsisdnInput } from '../http/schemas.ts';
import type { RouteOptions } from '../http/server.ts';
import { transferBalance } from './transfer-balance.ts';

const BalanceTransferSchema = Type.Object({
  id: Type.String(), from: Type.String(), to: Type.String(), amount: Type.Integer(), fee: Type.Integer(), currency: Type.Literal('KZT'),
  balanceAfter: Type.Object({ main: Type.Integer() }), createdAt: Type.String(),
});

export async function transferRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  app.post('/v1/transfers', {
    schema: {
      tags: ['transfers'], summary: 'Transfer balance between two lines (TM Forum: transferBalance)', security: bearer,
      description: 'A subscriber sends from a line on their own login (the session is the confirmation); staff send for a customer. Fee and daily limit per sender; refused while a promised payment is open.',
      headers: IdempotencyHeaders,
      body: Type.Object({ from: MsisdnInput, to: MsisdnInput, amount: AmountMinor }, { additionalProperties: false }),
      response: { 201: BalanceTransferSchema, ...commonErrors },
    },
  }, async (request, reply) => {
    const actor = actorOf(request);
    const key = idempotencyKeyOf(request);
    const result = await transferBalance(ctx, actor, request.body as never, key);
    if (!result.ok) return sendError(reply, result.error);
    if (result.value.replayed) reply.header('idempotent-replayed', 'true');
    return reply.code(201).send(result.value.transfer);
  });
}
