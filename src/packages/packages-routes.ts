import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { sendError, sendResult } from '../http/http-errors.ts';
import { actorOf, idempotencyKeyOf } from '../http/request-auth.ts';
import { bearer, commonErrors, IdempotencyHeaders, MsisdnInput } from '../http/schemas.ts';
import type { RouteOptions } from '../http/server.ts';
import { LANGUAGES } from '../lines/line-view.ts';
import { listPackagesOfLine } from './list-line-packages.ts';
import { purchasePackage } from './purchase-package.ts';
import { renewPackage } from './renew-package.ts';
import { setPackageAutoRenew } from './set-auto-renew.ts';

const PackageParams = Type.Object({ msisdn: MsisdnInput, id: Type.String({ maxLength: 64 }) });

/** A purchase or renewal (`PeriodResult`); added in server.ts, so that the counter's sale may refer to it as `Type.Ref('PackagePurchase')`. */
export const PurchaseSchema = Type.Object({
  id: Type.String(), lineId: Type.String(), msisdn: Type.String(), offering: Type.String(), offeringVersion: Type.Integer(), kind: Type.String(),
  period: Type.Integer(), reason: Type.String(), listPrice: Type.Integer(), discount: Type.Integer(), pricePaid: Type.Integer(),
  paidFromBonus: Type.Integer(), paidFromMain: Type.Integer(), currency: Type.Literal('KZT'), promoCode: Type.Union([Type.String(), Type.Null()]),
  startsAt: Type.String(), expiresAt: Type.String(), autoRenew: Type.Boolean(), receiptNumber: Type.String(),
  allowances: Type.Array(Type.Object({ unit: Type.String(), amount: Type.Integer(), carriedOver: Type.Integer(), bucketId: Type.String(), expiresAt: Type.String() })),
  balanceAfter: Type.Object({ main: Type.Integer(), bonus: Type.Integer() }), createdAt: Type.String(),
}, { $id: 'PackagePurchase' });

/** A package as a line's listing shows it (`PackageView`). */
const LinePackageSchema = Type.Object({
  id: Type.String(), offering: Type.String(), kind: Type.String(), name: Type.String(),
  status: Type.Union([Type.Literal('active'), Type.Literal('awaiting_funds'), Type.Literal('expired')]),
  startsAt: Type.String(), expiresAt: Type.String({ description: 'the latest end of any period' }), autoRenew: Type.Boolean(), stacks: Type.Boolean(),
  periods: Type.Integer(), features: Type.Array(Type.String()),
  allowances: Type.Array(Type.Object({
    unit: Type.String({ description: 'DATA_BYTES, VOICE_SECONDS or SMS' }), remaining: Type.Integer(),
    buckets: Type.Array(Type.Object({ id: Type.String(), remaining: Type.Integer(), expiresAt: Type.String() })),
  })),
});

export async function packageRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  app.post('/v1/purchases', {
    schema: {
      tags: ['packages'], summary: 'Buy a package from the line\'s balance (bonus first, then main)', security: bearer,
      description: 'At most once per Idempotency-Key. 422 balance_insufficient carries details.shortfall in minor units; nothing is written.',
      headers: IdempotencyHeaders,
      body: Type.Object({
        msisdn: MsisdnInput, offering: Type.String({ minLength: 1, maxLength: 40 }), promoCode: Type.Optional(Type.String({ minLength: 1, maxLength: 32 })),
        autoRenew: Type.Optional(Type.Boolean()),
        expectedPrice: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000_000, description: 'the quoted price (minor units); any other price is refused with price_changed' })),
      }, { additionalProperties: false }),
      response: { 201: Type.Ref('PackagePurchase'), ...commonErrors },
    },
  }, async (request, reply) => {
    const actor = actorOf(request);
    const result = await purchasePackage(ctx, actor, request.body as never, idempotencyKeyOf(request));
    if (!result.ok) return sendError(reply, result.error);
    if (result.value.replayed) reply.header('idempotent-replayed', 'true');
    return reply.code(201).send(result.value.purchase);
  });

  app.get('/v1/lines/:msisdn/packages', {
    schema: {
      tags: ['packages'], summary: 'A line\'s packages with remaining units and expiry', security: bearer,
      params: Type.Object({ msisdn: MsisdnInput }),
      querystring: Type.Object({ include: Type.Optional(Type.Union([Type.Literal('active'), Type.Literal('all')])), language: Type.Optional(Type.Union(LANGUAGES.map((l) => Type.Literal(l)))) }, { additionalProperties: false }),
      response: { 200: Type.Object({ data: Type.Array(LinePackageSchema) }), ...commonErrors },
    },
  }, async (request, reply) => sendResult(reply, await listPackagesOfLine(ctx, actorOf(request), (request.params as { msisdn: string }).msisdn, request.query as never)));

  app.post('/v1/lines/:msisdn/packages/:id/renew', {
    schema: {
      tags: ['packages'], summary: 'Renew a package now: stacking offerings add a bucket, others extend and carry units over', security: bearer,
      headers: IdempotencyHeaders, params: PackageParams,
      // The body is optional: a renewal without one is charged the price of the moment.
      body: Type.Union([Type.Null(), Type.Object({
        expectedPrice: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000_000, description: 'the price shown (minor units); any other price is refused with price_changed' })),
      }, { additionalProperties: false })]),
      response: { 201: Type.Ref('PackagePurchase'), ...commonErrors },
    },
  }, async (request, reply) => {
    const { msisdn, id } = request.params as { msisdn: string; id: string };
    const body = request.body as { expectedPrice?: number } | null | undefined;
    const result = await renewPackage(ctx, actorOf(request), msisdn, id, idempotencyKeyOf(request), body?.expectedPrice);
    if (!result.ok) return sendError(reply, result.error);
    if (result.value.replayed) reply.header('idempotent-replayed', 'true');
    return reply.code(201).send(result.value.renewal);
  });

  app.patch('/v1/lines/:msisdn/packages/:id', {
    schema: {
      tags: ['packages'], summary: 'Turn auto-renewal on or off', security: bearer, params: PackageParams,
      body: Type.Object({ autoRenew: Type.Boolean() }, { additionalProperties: false }),
      response: { 200: Type.Object({ id: Type.String(), autoRenew: Type.Boolean() }), ...commonErrors },
    },
  }, async (request, reply) => {
    const { msisdn, id } = request.params as { msisdn: string; id: string };
    return sendResult(reply, await setPackageAutoRenew(ctx, actorOf(request), msisdn, id, (request.body as { autoRenew: boolean }).autoRenew));
  });
}
