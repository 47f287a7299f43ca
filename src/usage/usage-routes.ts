import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { sendResult } from '../http/http-errors.ts';
import { actorOf } from '../http/request-auth.ts';
import { bearer, commonErrors, MsisdnInput } from '../http/schemas.ts';
import type { RouteOptions } from '../http/server.ts';
import { recordUsage } from './record-usage.ts';
import { SERVICES } from './usage-rules.ts';

/** 1 TB of data, 31 days of voice: far above any one event, far below 2^53. */
const UNITS_PER_EVENT_MAX = 1_099_511_627_776;

const UsageEventSchema = Type.Object({
  id: Type.String({
    minLength: 1, maxLength: 128, pattern: '^[\\x21-\\x7e]+$',
    description: 'The event\'s id, unique across the operator\'s network (prefix it with the node\'s name, as Diameter Session-Ids are). Sent again with the same line, service, units and time it is a duplicate answering the first recording\'s outcome; with another, it is rejected (event_id_reused)',
  }),
  msisdn: MsisdnInput,
  service: Type.Union(SERVICES.map((s) => Type.Literal(s))),
  units: Type.Integer({ minimum: 0, maximum: UNITS_PER_EVENT_MAX, description: 'bytes (data), seconds (voice), messages (sms); 0 (a call of 0 s, a session of 0 bytes) is recorded with nothing consumed or charged' }),
  at: Type.String({ minLength: 20, maxLength: 40, pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?(Z|[+-]\\d{2}:\\d{2})$', description: 'When the usage happened, ISO-8601; more than USAGE_FUTURE_SKEW_SECONDS (default 300) after the server clock is rejected (event_in_future)' }),
}, { additionalProperties: false });

const UsageResultSchema = Type.Object({
  id: Type.String(), status: Type.Union([Type.Literal('recorded'), Type.Literal('duplicate'), Type.Literal('rejected')]),
  consumed: Type.Integer({ description: 'units taken from buckets (a duplicate: those of the first recording)' }), charged: Type.Integer({ description: 'minor units taken from the main balance' }),
  uncovered: Type.Integer({ description: 'units not covered' }), code: Type.Optional(Type.String({ description: 'why an event was rejected' })),
});

export async function usageRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  app.post('/v1/usage', {
    bodyLimit: ctx.settings.usage.bodyBytesMax,
    schema: {
      tags: ['usage'], summary: 'Record usage events from the network (role network or admin)', security: bearer,
      description: 'Up to 1,000 events, rated in order in one ledger command: buckets of the unit unexpired at the event time (earliest expiry first), then pay-as-you-go from the main balance when allowed. Idempotent per event id: a duplicate answers the outcome first recorded; an id reused for another event is rejected, per event. Rejected per event: unknown or terminated line, invalid number or time, a time more than USAGE_FUTURE_SKEW_SECONDS ahead, or as far before the line was created (event_before_line: a number reused, the event was the line\'s that gave it up).',
      body: Type.Object({ events: Type.Array(UsageEventSchema, { minItems: 1, maxItems: ctx.settings.usage.eventsPerRequestMax }) }, { additionalProperties: false }),
      response: {
        200: Type.Object({ results: Type.Array(UsageResultSchema), recorded: Type.Integer(), duplicates: Type.Integer(), rejected: Type.Integer() }),
        ...commonErrors, 413: commonErrors[400],
      },
    },
  }, async (request, reply) => sendResult(reply, await recordUsage(ctx, actorOf(request), (request.body as { events: never[] }).events)));
}
