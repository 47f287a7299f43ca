import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { sendResult } from '../http/http-errors.ts';
import { actorOf } from '../http/request-auth.ts';
import { bearer, commonErrors, MsisdnInput, PageOf, pageQueryOf } from '../http/schemas.ts';
import type { RouteOptions } from '../http/server.ts';
import { LANGUAGES } from '../lines/line-view.ts';
import { listLineMessages } from './list-line-messages.ts';

const NullableTime = Type.Union([Type.String({ description: 'ISO-8601 UTC' }), Type.Null()]);

const MessageSchema = Type.Object({
  id: Type.String(), topic: Type.String({ description: 'the outbox event the SMS tells of, e.g. topup.succeeded' }), text: Type.String(),
  language: Type.Union(LANGUAGES.map((l) => Type.Literal(l))),
  status: Type.Union(['queued', 'sent', 'delivered', 'failed', 'undeliverable', 'canceled'].map((s) => Type.Literal(s))),
  segments: Type.Integer({ description: 'SMS the text takes on the air' }), attempts: Type.Integer(),
  createdAt: Type.String(), sentAt: NullableTime, deliveredAt: NullableTime,
});

export async function smsRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  app.get('/v1/lines/:msisdn/messages', {
    schema: {
      tags: ['lines'], summary: 'SMS sent to a line, newest first (cursor pagination)', security: bearer,
      description: 'Admin and clerk: any line; a subscriber: their own lines. Status queued, sent, delivered (by the receipt), failed, undeliverable, or canceled (a reminder that no longer held, or a transfer code expired, when due: never sent).',
      params: Type.Object({ msisdn: MsisdnInput }), querystring: pageQueryOf('sms'), response: { 200: PageOf(MessageSchema), ...commonErrors },
    },
  }, async (request, reply) => sendResult(reply, await listLineMessages(ctx, actorOf(request), (request.params as { msisdn: string }).msisdn, request.query as never)));
}
