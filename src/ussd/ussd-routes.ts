import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { sendError } from '../http/http-errors.ts';
import { actorOf } from '../http/request-auth.ts';
import { bearer, commonErrors, ErrorBody, MsisdnInput } from '../http/schemas.ts';
import type { RouteOptions } from '../http/server.ts';
import { answerUssd } from './answer-ussd.ts';

/** The USSD gateway's one route: what a subscriber dialled, answered with the text for the phone. */
export async function ussdRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  app.post('/v1/ussd', {
    schema: {
      tags: ['ussd'], security: bearer,
      summary: 'USSD gateway (partner): *102# balance and validity, *104# what is left of the packages, *111*PIN# voucher top-up; `message` is the text for the phone in the line\'s language',
      body: Type.Object({ msisdn: MsisdnInput, input: Type.String({ minLength: 1, maxLength: 182, description: 'What was dialled, e.g. *102# or *111*12345678901234#' }) }, { additionalProperties: false }),
      response: { 200: Type.Unknown(), ...commonErrors, 410: ErrorBody },
    },
  }, async (request, reply) => {
    const result = await answerUssd(ctx, actorOf(request), request.body as never);
    if (!result.ok) return sendError(reply, result.error);
    return reply.code(200).send(result.value);
  });
}
