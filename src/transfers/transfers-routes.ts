import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { sendError } from '../http/http-errors.ts';
import { actorOf, idempotencyKeyOf } from '../http/request-auth.ts';
import { AmountMinor, bearer, commonErrors, ErrorBody, IdempotencyHeaders, MsisdnInput } from '../http/schemas.ts';
import type { RouteOptions } from '../http/server.ts';
import { confirmTransfer, requestTransfer } from './confirm-transfer.ts';
import { transferBalance } from './transfer-balance.ts';

const BalanceTransferSchema = Type.Object({
  id: Type.String(), from: Type.String(), to: Type.String(), amount: Type.Integer(), fee: Type.Integer(), currency: Type.Literal('KZT'),
  balanceAfter: Type.Object({ main: Type.Integer() }), createdAt: Type.String(),
});

const ConfirmationSchema = Type.Object({
  confirmationId: Type.String(), status: Type.Union([Type.Literal('awaiting_confirmation'), Type.Literal('confirmed')]), from: Type.String(), to: Type.String(),
  amount: Type.Integer(), fee: Type.Integer(), currency: Type.Literal('KZT'), expiresAt: Type.String(),
});

export async function transferRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  app.post('/v1/transfers', {
    schema: {
      tags: ['transfers'], summary: 'Transfer balance between two lines (TM Forum: transferBalance)', security: bearer,
      description: 'Staff send for a customer at the counter: 201 with the transfer. A subscriber sends from a line on their own login and confirms: 202 with a confirmation, whose one-time code goes by SMS to the sending line (POST /v1/transfers/confirmations/{id}). Fee and daily limit per sender; refused while a promised payment is open.',
      headers: IdempotencyHeaders,
      body: Type.Object({ from: MsisdnInput, to: MsisdnInput, amount: AmountMinor }, { additionalProperties: false }),
      response: { 201: BalanceTransferSchema, 202: ConfirmationSchema, ...commonErrors },
    },
  }, async (request, reply) => {
    const actor = actorOf(request);
    const key = idempotencyKeyOf(request);
    if (actor.role === 'subscriber') {
      const asked = await requestTransfer(ctx, actor, request.body as never, key);
      if (!asked.ok) return sendError(reply, asked.error);
      if (asked.value.replayed) reply.header('idempotent-replayed', 'true');
      return reply.code(202).send(asked.value.confirmation);
    }
    const result = await transferBalance(ctx, actor, request.body as never, key);
    if (!result.ok) return sendError(reply, result.error);
    if (result.value.replayed) reply.header('idempotent-replayed', 'true');
    return reply.code(201).send(result.value.transfer);
  });

  app.post('/v1/transfers/confirmations/:id', {
    schema: {
      tags: ['transfers'], summary: "The sender's code for a subscriber's transfer: runs it (201), once", security: bearer,
      params: Type.Object({ id: Type.String({ maxLength: 40 }) }),
      body: Type.Object({ code: Type.String({ pattern: '^[0-9]{6}$' }) }, { additionalProperties: false }),
      response: { 201: BalanceTransferSchema, 410: ErrorBody, ...commonErrors },
    },
  }, async (request, reply) => {
    const result = await confirmTransfer(ctx, actorOf(request), (request.params as { id: string }).id, (request.body as { code: string }).code);
    if (!result.ok) return sendError(reply, result.error);
    if (result.value.replayed) reply.header('idempotent-replayed', 'true');
    return reply.code(201).send(result.value.transfer);
  });
}
