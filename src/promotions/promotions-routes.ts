import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { requireRole } from '../auth/actor.ts';
import { sendResult } from '../http/http-errors.ts';
import { actorOf } from '../http/request-auth.ts';
import { bearer, commonErrors, MsisdnInput, NoQuery, Nullable, optionalBearer, PageOf, pageQueryOf } from '../http/schemas.ts';
import type { RouteOptions } from '../http/server.ts';
import { ok } from '../domain/result.ts';
import { createPromotion, toPromotionView } from './create-promotion.ts';
import { DISCOUNT_KINDS } from './promotion.ts';
import { cutPage } from '../domain/page.ts';
import { listPromotions } from './promotions-repository.ts';
import { quoteOffering } from './quote-offering.ts';
import { cursorRefusal } from '../store/cursor-row.ts';

const DiscountKindSchema = Type.Union(DISCOUNT_KINDS.map((k) => Type.Literal(k)));
const PromotionSchema = Type.Object({
  id: Type.String(), code: Nullable(Type.String({ description: 'the promo code; null for an automatic promotion' })),
  offerings: Nullable(Type.Array(Type.String(), { description: 'offering codes; null: all' })), discountKind: DiscountKindSchema,
  discountValue: Type.Integer({ description: 'percent (1-100) or minor units' }), startsAt: Type.String(), endsAt: Type.String(),
  usesMax: Nullable(Type.Integer()), usesPerLineMax: Nullable(Type.Integer()), createdAt: Type.String(),
});

export async function promotionRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  app.post('/v1/admin/promotions', {
    schema: {
      tags: ['promotions'], summary: 'Create a time-windowed discount, automatic or behind a promo code (admin)', security: bearer,
      body: Type.Object({
        code: Type.Optional(Type.String({ minLength: 3, maxLength: 32 })),
        offerings: Type.Optional(Type.Array(Type.String({ maxLength: 40 }), { minItems: 1, maxItems: 100, description: 'offering codes, at least one; all when absent' })),
        discountKind: DiscountKindSchema,
        discountValue: Type.Integer({ minimum: 1, description: 'percent (1-100) or minor units' }),
        startsAt: Type.String({ maxLength: 40 }), endsAt: Type.String({ maxLength: 40 }),
        usesMax: Type.Optional(Type.Integer({ minimum: 1 })), usesPerLineMax: Type.Optional(Type.Integer({ minimum: 1 })),
      }, { additionalProperties: false }),
      response: { 201: PromotionSchema, ...commonErrors },
    },
  }, async (request, reply) => sendResult(reply, await createPromotion(ctx, actorOf(request), request.body as never), 201));

  app.get('/v1/admin/promotions', {
    schema: {
      tags: ['promotions'], summary: 'Promotions (admin), oldest first (cursor pagination)', security: bearer, querystring: pageQueryOf('promo'),
      response: { 200: PageOf(PromotionSchema), ...commonErrors },
    },
  }, async (request, reply) => {
    const denied = requireRole(actorOf(request), ['admin']);
    if (denied) return sendResult(reply, denied);
    const query = request.query as { limit: number; cursor?: string };
    const refused = await cursorRefusal(ctx, 'promotions', query.cursor);
    if (refused) return sendResult(reply, refused);
    const page = cutPage(await listPromotions(ctx, query.limit + 1, query.cursor ?? null), query.limit);
    return sendResult(reply, ok({ data: page.rows.map(toPromotionView), nextCursor: page.nextCursor }));
  });

  app.get('/v1/offerings/:code/quote', {
    schema: {
      tags: ['promotions'], summary: 'The price a purchase now would charge, with promotions and an optional promo code', security: optionalBearer,
      params: Type.Object({ code: Type.String({ maxLength: 40 }) }),
      querystring: Type.Object({ msisdn: Type.Optional(MsisdnInput), promoCode: Type.Optional(Type.String({ maxLength: 32 })) }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          offering: Type.String(), version: Type.Integer(), listPrice: Type.Integer({ description: 'minor units, before promotions' }), discount: Type.Integer(),
          price: Type.Integer({ description: 'minor units, what a purchase now charges' }), currency: Type.Literal('KZT'), promoCode: Type.Union([Type.String(), Type.Null()]),
          payment: Type.Union([Type.Object({ fromBonus: Type.Integer(), fromMain: Type.Integer(), shortfall: Type.Integer() }, { description: 'with msisdn: how the line would pay now' }), Type.Null()]),
        }),
        ...commonErrors,
      },
    },
  }, async (request, reply) => sendResult(reply, await quoteOffering(ctx, request.actor, (request.params as { code: string }).code, request.query as never)));
}
