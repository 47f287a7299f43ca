import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { sendError } from '../http/http-errors.ts';
import { actorOf } from '../http/request-auth.ts';
import { bearer, commonErrors, ErrorBody, MsisdnInput, Nullable } from '../http/schemas.ts';
import type { RouteOptions } from '../http/server.ts';
import { VoucherRedemptionSchema } from '../vouchers/vouchers-routes.ts';
import { answerUssd } from './answer-ussd.ts';

const Message = Type.String({ description: 'the text for the phone, in the line\'s language (at most 80 characters)' });
/** One answer per short code, each the text for the phone and the figures it was made from (answer-ussd.ts, redeem-ussd.ts). */
const UssdAnswerSchema = Type.Union([
  Type.Object({
    message: Message, balance: Type.Object({ main: Type.Integer({ description: 'minor units' }), bonus: Type.Integer({ description: 'minor units' }) }),
    currency: Type.Literal('KZT'), status: Type.String({ description: 'the line\'s status' }), validUntil: Nullable(Type.String()),
  }, { title: '*102# balance and validity' }),
  Type.Object({
    message: Message, allowances: Type.Array(Type.Object({ unit: Type.String({ description: 'DATA_BYTES, VOICE_SECONDS or SMS' }), remaining: Type.Integer() }), { description: 'one total per unit across the line\'s packages' }),
  }, { title: '*104# what is left of the packages' }),
  Type.Intersect([VoucherRedemptionSchema, Type.Object({ message: Message })], { title: '*111*PIN# voucher top-up' }),
]);

/** The USSD gateway's one route: what a subscriber dialled, answered with the text for the phone. */
export async function ussdRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  app.post('/v1/ussd', {
    schema: {
      tags: ['ussd'], security: bearer,
      summary: 'USSD gateway (partner): *102# balance and validity, *104# what is left of the packages, *111*PIN# voucher top-up; `message` is the text for the phone in the line\'s language',
      body: Type.Object({ msisdn: MsisdnInput, input: Type.String({ minLength: 1, maxLength: 182, description: 'What was dialled, e.g. *102# or *111*12345678901234#' }) }, { additionalProperties: false }),
      response: { 200: UssdAnswerSchema, ...commonErrors, 410: ErrorBody },
    },
  }, async (request, reply) => {
    const body = request.body as { msisdn: string; input: string };
    const result = await answerUssd(ctx, actorOf(request), { ...body, ip: request.ip });
    if (!result.ok) return sendError(reply, result.error);
    return reply.code(200).send(result.value);
  });
}
