import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { sendResult } from '../http/http-errors.ts';
import { actorOf } from '../http/request-auth.ts';
import { bearer, commonErrors, MsisdnInput } from '../http/schemas.ts';
import type { RouteOptions } from '../http/server.ts';
import { changeLineStatus } from './change-line-status.ts';
import { listLineEvents } from './list-line-events.ts';
import { terminateLine } from './terminate-line.ts';

const StatusChangeSchema = Type.Object({
  lineId: Type.String(), msisdn: Type.String(), from: Type.String(), to: Type.String(), reason: Type.String(), at: Type.String(),
});

export async function lifecycleRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  app.get('/v1/lines/:msisdn/events', {
    schema: {
      tags: ['lines'], summary: 'Status history of a line (lifecycle steps, suspensions, reactivations), oldest first', security: bearer,
      params: Type.Object({ msisdn: MsisdnInput }),
      response: {
        200: Type.Object({ data: Type.Array(Type.Object({
          id: Type.String(), from: Type.String(), to: Type.String(), reason: Type.String(), actorId: Type.String(),
          dueAt: Type.Union([Type.String(), Type.Null()]), at: Type.String(),
        })) }),
        ...commonErrors,
      },
    },
  }, async (request, reply) => sendResult(reply, await listLineEvents(ctx, actorOf(request), (request.params as { msisdn: string }).msisdn)));

  for (const action of ['suspend', 'reactivate'] as const) {
    app.post(`/v1/lines/:msisdn/${action}`, {
      schema: {
        tags: ['lines'], security: bearer,
        summary: action === 'suspend' ? 'Suspend a line (admin; audited)' : 'Reactivate a suspended line to the status its validity gives (admin; audited)',
        params: Type.Object({ msisdn: MsisdnInput }),
        body: Type.Object({ reason: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
        response: { 200: StatusChangeSchema, ...commonErrors },
      },
    }, async (request, reply) => sendResult(reply, await changeLineStatus(ctx, actorOf(request), (request.params as { msisdn: string }).msisdn, action, request.body as never)));
  }

  app.post('/v1/lines/:msisdn/terminate', {
    schema: {
      tags: ['lines'], security: bearer,
      summary: 'Terminate a line now (admin; audited; final): balances and buckets to breakage, an open promised payment repaid or written off, the number quarantined',
      params: Type.Object({ msisdn: MsisdnInput }),
      body: Type.Object({ reason: Type.String({ minLength: 1, maxLength: 200 }) }, { additionalProperties: false }),
      response: {
        200: Type.Composite([StatusChangeSchema, Type.Object({
          forfeited: Type.Object({
            main: Type.Integer(), bonus: Type.Integer(), creditRepaid: Type.Integer(), creditWrittenOff: Type.Integer(),
            buckets: Type.Array(Type.Object({ accountId: Type.String(), unit: Type.String(), units: Type.Integer() })),
          }),
        })]),
        ...commonErrors,
      },
    },
  }, async (request, reply) => sendResult(reply, await terminateLine(ctx, actorOf(request), (request.params as { msisdn: string }).msisdn, request.body as never)));
}
