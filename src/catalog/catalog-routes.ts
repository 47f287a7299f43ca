import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { sendResult } from '../http/http-errors.ts';
import { actorOf } from '../http/request-auth.ts';
import { bearer, commonErrors, MsisdnInput, optionalBearer } from '../http/schemas.ts';
import type { RouteOptions } from '../http/server.ts';
import { LANGUAGES } from '../lines/line-view.ts';
import { createOffering } from './create-offering.ts';
import { listOfferings } from './list-offerings.ts';
import { FEATURES, FEE_PERIODS, OFFERING_KINDS } from './offering.ts';
import { patchOffering } from './update-offering.ts';

const Texts = Type.Object(Object.fromEntries(LANGUAGES.map((l) => [l, Type.Optional(Type.String({ maxLength: 500 }))])), { additionalProperties: false });
const Count = Type.Integer({ minimum: 0, maximum: 2 ** 50 });
const OfferingFields = {
  price: Type.Integer({ minimum: 0, description: 'minor units (tiyn)' }),
  validityDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 366 })),
  feePeriod: Type.Optional(Type.Union(FEE_PERIODS.map((p) => Type.Literal(p)), { description: 'tariffs only' })),
  allowances: Type.Optional(Type.Object({
    dataBytes: Type.Optional(Count), dataMb: Type.Optional(Count), dataGb: Type.Optional(Count),
    voiceSeconds: Type.Optional(Count), voiceMinutes: Type.Optional(Count), sms: Type.Optional(Count),
  }, { additionalProperties: false, description: '1 GB = 1024³ bytes, 1 MB = 1024² bytes' })),
  payAsYouGo: Type.Optional(Type.Object({ perMb: Type.Optional(Count), perMinute: Type.Optional(Count), perSms: Type.Optional(Count) }, { additionalProperties: false, description: 'tariffs only; minor units' })),
  names: Texts,
  descriptions: Type.Optional(Texts),
  features: Type.Optional(Type.Array(Type.Union(FEATURES.map((f) => Type.Literal(f))), { maxItems: 10 })),
  availableFrom: Type.Optional(Type.Union([Type.String({ maxLength: 40 }), Type.Null()])),
  availableUntil: Type.Optional(Type.Union([Type.String({ maxLength: 40 }), Type.Null()])),
  autoRenewAllowed: Type.Optional(Type.Boolean()),
  stacks: Type.Optional(Type.Boolean({ description: 'true: packs of this kind stack and renewals add a bucket; false: one at a time, renewals extend' })),
};

const TextsOut = Type.Object(Object.fromEntries(LANGUAGES.map((l) => [l, Type.String()])), { description: 'the text in every language' });
const Rate = Type.Union([Type.Integer(), Type.Null()]);

export const OfferingSchema = Type.Object({
  code: Type.String(), kind: Type.String(), version: Type.Integer(), name: Type.String({ description: 'in the language asked for' }), description: Type.String(),
  names: TextsOut, descriptions: TextsOut,
  price: Type.Integer({ description: 'minor units; in the catalog (GET /v1/offerings) the price after any running promotion' }),
  listPrice: Type.Optional(Type.Integer({ description: 'catalog only: the price before promotions' })),
  affordable: Type.Optional(Type.Union([Type.Boolean(), Type.Null()], { description: 'catalog only, with `msisdn`: whether the line\'s main and bonus balance cover the price; null without a line' })),
  currency: Type.Literal('KZT'), validityDays: Type.Integer(), feePeriod: Type.Union([Type.String(), Type.Null()]),
  payAsYouGo: Type.Union([Type.Object({ perMb: Rate, perMinute: Rate, perSms: Rate }), Type.Null()], { description: 'tariffs: minor units per MB, minute and SMS after the allowances; null for packs' }),
  allowances: Type.Object({ dataBytes: Type.Integer(), voiceSeconds: Type.Integer(), sms: Type.Integer() }),
  features: Type.Array(Type.String()), availableFrom: Type.Union([Type.String(), Type.Null()]), availableUntil: Type.Union([Type.String(), Type.Null()]),
  autoRenewAllowed: Type.Boolean(), stacks: Type.Boolean(),
}, { $id: 'Offering', additionalProperties: true });

export async function catalogRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  app.addSchema(OfferingSchema);

  app.get('/v1/offerings', {
    schema: {
      tags: ['catalog'], summary: 'Offerings on sale now, named in a language (public; with msisdn: what that line can afford)', security: optionalBearer,
      querystring: Type.Object({
        language: Type.Optional(Type.Union(LANGUAGES.map((l) => Type.Literal(l)))), msisdn: Type.Optional(MsisdnInput),
        all: Type.Optional(Type.Boolean({ description: 'admin: include offerings not on sale' })),
      }, { additionalProperties: false }),
      response: { 200: Type.Object({ data: Type.Array(Type.Ref('Offering')) }), ...commonErrors },
    },
  }, async (request, reply) => sendResult(reply, await listOfferings(ctx, request.actor, request.query as never)));

  app.post('/v1/admin/offerings', {
    schema: {
      tags: ['catalog'], summary: 'Add an offering (admin)', security: bearer,
      body: Type.Object({ code: Type.String({ minLength: 2, maxLength: 40 }), kind: Type.Union(OFFERING_KINDS.map((k) => Type.Literal(k))), ...OfferingFields }, { additionalProperties: false }),
      response: { 201: Type.Ref('Offering'), ...commonErrors },
    },
  }, async (request, reply) => sendResult(reply, await createOffering(ctx, actorOf(request), request.body as never), 201));

  app.patch('/v1/admin/offerings/:code', {
    schema: {
      tags: ['catalog'], summary: 'Change an offering (admin); a change of price, validity, allowances or rates makes a new price version', security: bearer,
      params: Type.Object({ code: Type.String({ maxLength: 40 }) }),
      body: Type.Partial(Type.Object(OfferingFields), { additionalProperties: false }),
      response: { 200: Type.Ref('Offering'), ...commonErrors },
    },
  }, async (request, reply) => sendResult(reply, await patchOffering(ctx, actorOf(request), (request.params as { code: string }).code, request.body as never)));
}
