import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { sendError, sendResult } from '../http/http-errors.ts';
import { actorOf } from '../http/request-auth.ts';
import { bearer, commonErrors, NoQuery, Nullable, PageOf } from '../http/schemas.ts';
import type { RouteOptions } from '../http/server.ts';
import { deliveriesOf, disableEndpoint, endpointsOfKey } from './partners-repository.ts';
import { registerWebhook, WEBHOOK_TOPICS } from './register-webhook.ts';

const EndpointSchema = Type.Object({
  id: Type.String(), url: Type.String(), topics: Type.Array(Type.String()), createdAt: Type.String(),
  secret: Type.Optional(Type.String({ description: 'whsec_…, the signing secret: only in the answer that registers the endpoint' })),
});

const DeliverySchema = Type.Object({
  id: Type.String(), eventId: Type.String(), topic: Type.String(), status: Type.String({ description: 'pending, delivered or failed' }),
  attempts: Type.Integer(), lastStatusCode: Nullable(Type.Integer()), lastError: Nullable(Type.String()), nextAttemptAt: Nullable(Type.String()), deliveredAt: Nullable(Type.String()),
});

/** Partner webhooks (docs/partners.md): where a partner hears the results of its own requests. */
export async function partnerRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  app.post('/v1/partner/webhooks', {
    schema: {
      tags: ['partners'], summary: 'Register a webhook endpoint for this partner key; the signing secret is shown once', security: bearer,
      body: Type.Object({
        url: Type.String({ minLength: 8, maxLength: 500 }),
        topics: Type.Optional(Type.Array(Type.Union(WEBHOOK_TOPICS.map((t) => Type.Literal(t))), { minItems: 1, maxItems: WEBHOOK_TOPICS.length })),
      }, { additionalProperties: false }),
      response: { 201: EndpointSchema, ...commonErrors },
    },
  }, async (request, reply) => sendResult(reply, await registerWebhook(ctx, actorOf(request), request.body as never), 201));

  app.get('/v1/partner/webhooks', {
    schema: { tags: ['partners'], summary: 'This partner key\'s webhook endpoints', security: bearer, querystring: NoQuery, response: { 200: PageOf(EndpointSchema, 'always null: every endpoint is on the one page'), ...commonErrors } },
  }, async (request, reply) => {
    const actor = actorOf(request);
    if (actor.role !== 'partner') return sendError(reply, { code: 'forbidden' });
    const rows = await endpointsOfKey(ctx, actor.id);
    return { data: rows.map((r) => ({ id: r.id, url: r.url, topics: JSON.parse(r.topics) as string[], createdAt: r.created_at })), nextCursor: null };
  });

  app.get('/v1/partner/webhooks/:id/deliveries', {
    schema: {
      tags: ['partners'], summary: 'The latest 100 deliveries of an endpoint, newest event first, with attempts and last status', security: bearer, params: Type.Object({ id: Type.String({ maxLength: 64 }) }),
      response: { 200: PageOf(DeliverySchema, 'always null: the latest 100 deliveries only, no further pages'), ...commonErrors },
    },
  }, async (request, reply) => {
    const actor = actorOf(request);
    const { id } = request.params as { id: string };
    if (actor.role !== 'partner') return sendError(reply, { code: 'forbidden' });
    if (!(await endpointsOfKey(ctx, actor.id)).some((e) => e.id === id)) return sendError(reply, { code: 'webhook_endpoint_not_found' });
    const rows = await deliveriesOf(ctx, id, 100);
    // A delivery that is over keeps in next_attempt_at its last attempt's lease or backoff (what retention goes by), not an attempt to come.
    return { data: rows.map((d) => ({ id: d.id, eventId: d.event_id, topic: d.topic, status: d.status, attempts: Number(d.attempts), lastStatusCode: d.last_status_code === null ? null : Number(d.last_status_code), lastError: d.last_error, nextAttemptAt: d.status === 'pending' ? d.next_attempt_at : null, deliveredAt: d.delivered_at })), nextCursor: null };
  });

  app.delete('/v1/partner/webhooks/:id', {
    schema: { tags: ['partners'], summary: 'Stop sending to an endpoint', security: bearer, params: Type.Object({ id: Type.String({ maxLength: 64 }) }), response: { 204: Type.Null(), ...commonErrors } },
  }, async (request, reply) => {
    const actor = actorOf(request);
    if (actor.role !== 'partner') return sendError(reply, { code: 'forbidden' });
    if (!(await disableEndpoint(ctx, actor.id, (request.params as { id: string }).id))) return sendError(reply, { code: 'webhook_endpoint_not_found' });
    return reply.code(204).send();
  });
}
