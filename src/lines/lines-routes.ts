import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { sendResult } from '../http/http-errors.ts';
import { actorOf } from '../http/request-auth.ts';
import { bearer, commonErrors, MsisdnInput, PageOf, pageQueryOf } from '../http/schemas.ts';
import type { RouteOptions } from '../http/server.ts';
import { createLine } from './create-line.ts';
import { getLine } from './get-line.ts';
import { LANGUAGES, LINE_STATUSES } from './line-view.ts';
import { listLineTransactions } from './list-line-transactions.ts';
import { listLines } from './list-lines.ts';
import { setLineLanguage } from './set-line-language.ts';

export const LineSchema = Type.Object({
  id: Type.String(), msisdn: Type.String({ description: 'E.164' }), iccid: Type.Union([Type.String(), Type.Null()]),
  status: Type.Union(LINE_STATUSES.map((s) => Type.Literal(s))),
  barred: Type.Boolean({ description: 'suspended by an admin (lost or stolen SIM, fraud): a top-up credits it but does not bring it back; customer service does' }), validUntil: Type.Union([Type.String({ description: 'ISO-8601 UTC' }), Type.Null()]),
  language: Type.String(), operator: Type.Union([Type.String(), Type.Null()]), currency: Type.Literal('KZT'),
  balance: Type.Object({ main: Type.Integer({ description: 'minor units' }), bonus: Type.Integer({ description: 'minor units' }) }),
  createdAt: Type.String(),
}, { $id: 'Line' });

const TransactionSchema = Type.Object({
  id: Type.String(), code: Type.String(), kind: Type.String(), amount: Type.Integer(), unit: Type.String(),
  account: Type.String(), counterparty: Type.String(),
  pendingId: Type.Union([Type.String(), Type.Null()], { description: 'for kind post_pending or void_pending: the reservation (kind pending) it settles' }),
  receipt: Type.Union([Type.String(), Type.Null()], { description: 'the receipt issued with it (top-up, package, refund): GET /v1/receipts/{number}.pdf', examples: ['R-2026-00000123'] }),
  offering: Type.Union([Type.String(), Type.Null()], { description: 'for a package bought or renewed (and its promotion), the offering\'s code: GET /v1/offerings names it', examples: ['DATA_5GB_30D'] }),
  createdAt: Type.String(),
});

const MsisdnParams = Type.Object({ msisdn: MsisdnInput });

export async function lineRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  app.addSchema(LineSchema);

  app.post('/v1/lines', {
    schema: {
      tags: ['lines'], summary: 'Create a line (SIM card)', security: bearer,
      body: Type.Object({
        msisdn: MsisdnInput, iccid: Type.Optional(Type.String({ minLength: 1, maxLength: 24 })),
        language: Type.Optional(Type.Union(LANGUAGES.map((l) => Type.Literal(l)))), ownerName: Type.Optional(Type.String({ maxLength: 100 })),
      }, { additionalProperties: false }),
      response: { 201: Type.Ref('Line'), ...commonErrors },
    },
  }, async (request, reply) => sendResult(reply, await createLine(ctx, actorOf(request), request.body as never), 201));

  app.get('/v1/lines', {
    schema: {
      tags: ['lines'], summary: 'List lines (staff: all; subscriber: their own)', security: bearer,
      querystring: Type.Composite([pageQueryOf('ln'), Type.Object({ status: Type.Optional(Type.Union(LINE_STATUSES.map((s) => Type.Literal(s)))) })], { additionalProperties: false }),
      response: { 200: PageOf(Type.Ref('Line')), ...commonErrors },
    },
  }, async (request, reply) => sendResult(reply, await listLines(ctx, actorOf(request), request.query as never)));

  app.get('/v1/lines/:msisdn', {
    schema: { tags: ['lines'], summary: 'A line with its balance, status and validity', security: bearer, params: MsisdnParams, response: { 200: Type.Ref('Line'), ...commonErrors } },
  }, async (request, reply) => sendResult(reply, await getLine(ctx, actorOf(request), (request.params as { msisdn: string }).msisdn)));

  app.patch('/v1/lines/:msisdn', {
    schema: {
      tags: ['lines'], summary: "Set the line's language (its own subscriber, clerk or admin)", security: bearer,
      description: 'The language of its SMS, receipts, POS slips, USSD answers and catalog: en, ru, kk or zh.',
      params: MsisdnParams,
      body: Type.Object({ language: Type.Union(LANGUAGES.map((l) => Type.Literal(l))) }, { additionalProperties: false }),
      response: { 200: Type.Ref('Line'), ...commonErrors },
    },
  }, async (request, reply) => sendResult(reply, await setLineLanguage(ctx, actorOf(request), (request.params as { msisdn: string }).msisdn, (request.body as { language: 'en' }).language)));

  app.get('/v1/lines/:msisdn/balance', {
    schema: {
      tags: ['lines'], summary: 'Balance, validity and status only (TM Forum: bucket)', security: bearer, params: MsisdnParams,
      response: {
        200: Type.Object({
          msisdn: Type.String({ description: 'E.164' }), main: Type.Integer({ description: 'minor units' }), bonus: Type.Integer({ description: 'minor units' }), currency: Type.Literal('KZT'),
          status: Type.Union(LINE_STATUSES.map((s) => Type.Literal(s))), validUntil: Type.Union([Type.String({ description: 'ISO-8601 UTC' }), Type.Null()]),
        }),
        ...commonErrors,
      },
    },
  }, async (request, reply) => {
    const line = await getLine(ctx, actorOf(request), (request.params as { msisdn: string }).msisdn);
    if (!line.ok) return sendResult(reply, line);
    const { msisdn, balance, currency, status, validUntil } = line.value;
    return { msisdn, main: balance.main, bonus: balance.bonus, currency, status, validUntil };
  });

  app.get('/v1/lines/:msisdn/transactions', {
    schema: {
      tags: ['lines'], summary: 'Ledger movements of a line, newest first (cursor pagination)', security: bearer,
      params: MsisdnParams, querystring: pageQueryOf('tr'), response: { 200: PageOf(TransactionSchema), ...commonErrors },
    },
  }, async (request, reply) => sendResult(reply, await listLineTransactions(ctx, actorOf(request), (request.params as { msisdn: string }).msisdn, request.query as never)));
}
