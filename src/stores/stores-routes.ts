import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { sendError, sendResult } from '../http/http-errors.ts';
import { actorOf, idempotencyKeyOf } from '../http/request-auth.ts';
import { AmountMinor, bearer, commonErrors, CountAndAmount, IdempotencyHeaders, JsonOrSlip, MsisdnInput, Nullable, StaffLinkOf } from '../http/schemas.ts';
import type { RouteOptions } from '../http/server.ts';
import { SLIP_LANGUAGES } from '../agents/pos-slip.ts';
import { createCounterTopUp } from './create-counter-top-up.ts';
import { createStore } from './create-store.ts';
import { identifyCustomer } from './identify-customer.ts';
import { linkStoreClerk } from './link-store-clerk.ts';
import { sellCounterPackage } from './sell-counter-package.ts';
import { DOCUMENT_TYPES, TENDERS } from './store-accounts.ts';
import { storeCashReport } from './store-cash-report.ts';
import { getStore, updateStore } from './update-store.ts';

const StoreParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const ReportQuery = Type.Object({
  date: Type.Optional(Type.String({ maxLength: 10, description: 'YYYY-MM-DD, Almaty; default today' })),
  format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('slip')])),
  language: Type.Optional(Type.Union(SLIP_LANGUAGES.map((l) => Type.Literal(l)), { description: 'the slip\'s language' })),
}, { additionalProperties: false });
const DocumentTypeSchema = Type.Union(DOCUMENT_TYPES.map((d) => Type.Literal(d)));
const TenderSchema = Type.Union(TENDERS.map((t) => Type.Literal(t)));

const StoreSchema = Type.Object({
  id: Type.String(), name: Type.String(), active: Type.Boolean(), cashAccountId: Type.String({ description: 'the till' }),
  cardAccountId: Type.String({ description: 'the card terminal\'s clearing account' }), createdAt: Type.String(),
});
const StoreDayReportSchema = Type.Object({
  storeId: Type.String(), storeName: Type.String(), date: Type.String({ description: 'YYYY-MM-DD, Almaty' }), cash: CountAndAmount, card: CountAndAmount, total: CountAndAmount,
  cashTakenTotal: Type.Integer({ description: 'minor units the till had taken from the store\'s opening to the end of the report\'s day' }), cardTakenTotal: Type.Integer({ description: 'minor units, likewise by card' }),
  currency: Type.Literal('KZT'),
});
const IdentificationSchema = Type.Object({
  id: Type.String(), storeId: Type.String(), clerkId: Type.String(), documentType: DocumentTypeSchema, numberLast4: Type.String(), createdAt: Type.String(),
  validUntil: Type.String({ description: 'a top-up or sale may name it until then' }),
});
/** Which store took the money, how, and for whom. */
const CounterSaleFields = Type.Object({ storeId: Type.String(), tender: TenderSchema, identificationId: Type.String() });
const CounterTopUpSchema = Type.Intersect([Type.Ref('TopUp'), CounterSaleFields]);
const CounterPackageSaleSchema = Type.Composite([CounterSaleFields, Type.Object({
  topUp: Nullable(Type.Ref('TopUp'), { description: 'the cash or card payment credited to the line; null when the package is free' }),
  purchase: Type.Ref('PackagePurchase'),
})]);

/** Admin: stores and clerks. Counter (role clerk): identify the customer, top up, day cash report. */
export async function storeRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  app.post('/v1/admin/stores', {
    schema: {
      tags: ['stores'], summary: 'Open an operator store with its cash and card clearing accounts (admin)', security: bearer,
      body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false }), response: { 201: StoreSchema, ...commonErrors },
    },
  }, async (request, reply) => sendResult(reply, await createStore(ctx, actorOf(request), request.body as never), 201));

  app.get('/v1/admin/stores/:id', {
    schema: { tags: ['stores'], summary: 'A store (admin)', security: bearer, params: StoreParams, response: { 200: StoreSchema, ...commonErrors } },
  }, async (request, reply) => sendResult(reply, await getStore(ctx, actorOf(request), (request.params as { id: string }).id)));

  app.patch('/v1/admin/stores/:id', {
    schema: {
      tags: ['stores'], summary: 'Rename a store, or close it (active false: its clerks are refused with store_inactive) and open it again (admin)', security: bearer, params: StoreParams,
      body: Type.Object({ name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })), active: Type.Optional(Type.Boolean()) }, { additionalProperties: false, minProperties: 1 }),
      response: { 200: StoreSchema, ...commonErrors },
    },
  }, async (request, reply) => sendResult(reply, await updateStore(ctx, actorOf(request), (request.params as { id: string }).id, request.body as never)));

  app.post('/v1/admin/stores/:id/clerks', {
    schema: {
      tags: ['stores'], summary: 'Link a clerk user, or create a clerk API key for the store (admin)', security: bearer, params: StoreParams,
      body: Type.Object({ userId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })), apiKeyName: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })) }, { additionalProperties: false }),
      response: { 201: StaffLinkOf('storeId'), ...commonErrors },
    },
  }, async (request, reply) => sendResult(reply, await linkStoreClerk(ctx, actorOf(request), (request.params as { id: string }).id, request.body as never), 201));

  app.get('/v1/admin/stores/:id/report', {
    schema: { tags: ['stores'], summary: 'A store\'s counter day report (admin)', security: bearer, params: StoreParams, querystring: ReportQuery, response: { 200: JsonOrSlip(StoreDayReportSchema), ...commonErrors } },
  }, async (request, reply) => {
    const query = request.query as { date?: string; format?: string; language?: string };
    const result = await storeCashReport(ctx, actorOf(request), { date: query.date, storeId: (request.params as { id: string }).id, language: query.language });
    if (!result.ok) return sendError(reply, result.error);
    if (query.format === 'slip') return reply.type('text/html; charset=utf-8').send(result.value.slipHtml);
    return result.value.report;
  });

  app.post('/v1/counter/identifications', {
    schema: {
      tags: ['counter'], summary: 'Identify the customer by ID document: stored as keyed hash + last four (clerk)', security: bearer,
      body: Type.Object({
        documentType: DocumentTypeSchema, documentNumber: Type.String({ minLength: 1, maxLength: 40 }),
      }, { additionalProperties: false }),
      response: { 201: IdentificationSchema, ...commonErrors },
    },
  }, async (request, reply) => sendResult(reply, await identifyCustomer(ctx, actorOf(request), request.body as never), 201));

  app.post('/v1/counter/topups', {
    schema: {
      tags: ['counter'], summary: 'Top up a line for an identified customer, cash or card (clerk, Idempotency-Key)', security: bearer, headers: IdempotencyHeaders,
      body: Type.Object({
        msisdn: MsisdnInput, amount: AmountMinor, tender: TenderSchema, identificationId: Type.String({ minLength: 1, maxLength: 64 }),
      }, { additionalProperties: false }),
      response: { 201: CounterTopUpSchema, ...commonErrors },
    },
  }, async (request, reply) => {
    const result = await createCounterTopUp(ctx, actorOf(request), request.body as never, idempotencyKeyOf(request));
    if (!result.ok) return sendError(reply, result.error);
    if (result.value.replayed) reply.header('idempotent-replayed', 'true');
    return reply.code(201).send(result.value.topUp);
  });

  app.post('/v1/counter/packages', {
    schema: {
      tags: ['counter'], summary: 'Sell a package for cash or card to an identified customer, in one ledger command (clerk, Idempotency-Key)', security: bearer, headers: IdempotencyHeaders,
      body: Type.Object({
        msisdn: MsisdnInput, offering: Type.String({ minLength: 1, maxLength: 64 }), tender: TenderSchema,
        identificationId: Type.String({ minLength: 1, maxLength: 64 }), promoCode: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })),
        expectedPrice: Type.Optional(Type.Integer({ minimum: 0, maximum: 100_000_000, description: 'the price quoted and taken (minor units); any other price is refused with price_changed' })),
      }, { additionalProperties: false }),
      response: { 201: CounterPackageSaleSchema, ...commonErrors },
    },
  }, async (request, reply) => {
    const result = await sellCounterPackage(ctx, actorOf(request), request.body as never, idempotencyKeyOf(request));
    if (!result.ok) return sendError(reply, result.error);
    if (result.value.replayed) reply.header('idempotent-replayed', 'true');
    return reply.code(201).send(result.value.sale);
  });

  app.get('/v1/counter/report', {
    schema: { tags: ['counter'], summary: 'The store\'s counter day report by tender, JSON or 80 mm slip in en, ru, kk or zh (clerk)', security: bearer, querystring: ReportQuery, response: { 200: JsonOrSlip(StoreDayReportSchema), ...commonErrors } },
  }, async (request, reply) => {
    const query = request.query as { date?: string; format?: string; language?: string };
    const result = await storeCashReport(ctx, actorOf(request), { date: query.date, language: query.language });
    if (!result.ok) return sendError(reply, result.error);
    if (query.format === 'slip') return reply.type('text/html; charset=utf-8').send(result.value.slipHtml);
    return result.value.report;
  });
}
