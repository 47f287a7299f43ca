import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { sendError, sendResult } from '../http/http-errors.ts';
import { actorOf, idempotencyKeyOf } from '../http/request-auth.ts';
import { AmountMinor, bearer, commonErrors, CountAndAmount, IdempotencyHeaders, JsonOrSlip, MsisdnInput, Nullable, StaffLinkOf } from '../http/schemas.ts';
import type { RouteOptions } from '../http/server.ts';
import { LINE_STATUSES } from '../lines/line-view.ts';
import { agentDayReport } from './agent-day-report.ts';
import { createAgent } from './create-agent.ts';
import { createPosTopUp } from './create-pos-top-up.ts';
import { depositToAgent } from './deposit-to-agent.ts';
import { getAgent } from './get-agent.ts';
import { getPosReceipt } from './get-pos-receipt.ts';
import { linkAgentStaff } from './link-agent-staff.ts';
import { lookUpLine } from './look-up-line.ts';
import { SLIP_LANGUAGES } from './pos-slip.ts';
import { reversePosTopUp } from './reverse-pos-top-up.ts';
import { updateAgent } from './update-agent.ts';

const AgentParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });
const SlipFormat = Type.Union([Type.Literal('json'), Type.Literal('slip')]);
const SlipLanguage = Type.Union(SLIP_LANGUAGES.map((l) => Type.Literal(l)), { description: 'the slip\'s language' });
const SlipQuery = Type.Object({ format: Type.Optional(SlipFormat), language: Type.Optional(SlipLanguage) }, { additionalProperties: false });

const Minor = Type.Integer({ description: 'minor units' });
/** An agent as created, read and updated (`AgentWithBalances`). */
const AgentSchema = Type.Object({
  id: Type.String(), name: Type.String(), commissionBasisPoints: Type.Integer({ description: '150 = 1.50 %' }), active: Type.Boolean(),
  floatAccountId: Type.String(), commissionAccountId: Type.String(), createdAt: Type.String(), floatBalance: Minor, commissionBalance: Minor,
});
const PosReceiptSchema = Type.Object({
  number: Type.String(),
  kind: Type.Union([Type.Literal('topup'), Type.Literal('topup_reversal')], { description: 'a top-up\'s receipt, or the one its reversal got' }),
  reversalOf: Nullable(Type.String({ description: 'a reversal\'s receipt: the receipt of the top-up it reverses' })), topupId: Type.String(), msisdn: Type.String({ description: 'E.164' }), amount: Minor, currency: Type.Literal('KZT'), commission: Minor,
  agentId: Type.String(), agentName: Type.String(), cashierId: Type.String({ description: 'the user or API key that took the cash' }), reversed: Type.Boolean(), createdAt: Type.String(),
});
const AgentDepositSchema = Type.Object({
  id: Type.String(), agentId: Type.String(), amount: Minor, currency: Type.Literal('KZT'), reference: Type.String(), transferId: Type.String(),
  floatBalanceAfter: Minor, createdAt: Type.String(),
});
const PosTopUpSchema = Type.Object({
  topUp: Type.Ref('TopUp'), agentId: Type.String(), commission: Minor, floatBalanceAfter: Minor,
  reversibleUntil: Type.String({ description: 'the end of the reversal window' }),
});
const PosReversalSchema = Type.Object({
  topupId: Type.String(), agentId: Type.String(), amount: Minor, commission: Minor, floatBalanceAfter: Minor,
  receiptNumber: Type.String({ description: 'the reversal\'s own receipt (kind topup_reversal)' }), reversedAt: Type.String(),
});
const Commissioned = Type.Object({ count: Type.Integer(), amount: Minor, commission: Minor });
const AgentDayReportSchema = Type.Object({
  agentId: Type.String(), agentName: Type.String(), date: Type.String({ description: 'YYYY-MM-DD, Almaty' }), scope: Type.Union([Type.Literal('agent'), Type.Literal('cashier')]),
  topups: Commissioned, reversals: Commissioned, net: Type.Object({ amount: Minor, commission: Minor }),
  deposits: Type.Composite([CountAndAmount], { description: 'the whole agent\'s deposits that day, under scope=cashier too' }),
  floatBalance: Minor, commissionBalance: Minor, currency: Type.Literal('KZT'),
});

/** Admin: agents, staff, deposits. POS (role agent): lookup, top-up, reverse, reprint, day report. */
export async function agentRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  app.post('/v1/admin/agents', {
    schema: {
      tags: ['agents'], summary: 'Register a retail agent with its float and commission accounts (admin)', security: bearer,
      body: Type.Object({ name: Type.String({ minLength: 1, maxLength: 100 }), commissionBasisPoints: Type.Integer({ minimum: 0, maximum: 2000, description: '150 = 1.50 %' }) }, { additionalProperties: false }),
      response: { 201: AgentSchema, ...commonErrors },
    },
  }, async (request, reply) => sendResult(reply, await createAgent(ctx, actorOf(request), request.body as never), 201));

  app.get('/v1/admin/agents/:id', {
    schema: { tags: ['agents'], summary: 'An agent with float and commission balances (admin)', security: bearer, params: AgentParams, response: { 200: AgentSchema, ...commonErrors } },
  }, async (request, reply) => sendResult(reply, await getAgent(ctx, actorOf(request), (request.params as { id: string }).id)));

  app.patch('/v1/admin/agents/:id', {
    schema: {
      tags: ['agents'], summary: 'Rename an agent, change its commission for later top-ups, or deactivate it (active false: its staff get agent_inactive) and reactivate it (admin)', security: bearer, params: AgentParams,
      body: Type.Object({
        name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
        commissionBasisPoints: Type.Optional(Type.Integer({ minimum: 0, maximum: 2000, description: '150 = 1.50 %' })),
        active: Type.Optional(Type.Boolean()),
      }, { additionalProperties: false, minProperties: 1 }),
      response: { 200: AgentSchema, ...commonErrors },
    },
  }, async (request, reply) => sendResult(reply, await updateAgent(ctx, actorOf(request), (request.params as { id: string }).id, request.body as never)));

  app.post('/v1/admin/agents/:id/staff', {
    schema: {
      tags: ['agents'], summary: 'Link an agent user, or create an agent API key funded by the float (admin)', security: bearer, params: AgentParams,
      body: Type.Object({ userId: Type.Optional(Type.String({ minLength: 1, maxLength: 64 })), apiKeyName: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })) }, { additionalProperties: false }),
      response: { 201: StaffLinkOf('agentId'), ...commonErrors },
    },
  }, async (request, reply) => sendResult(reply, await linkAgentStaff(ctx, actorOf(request), (request.params as { id: string }).id, request.body as never), 201));

  app.post('/v1/admin/agents/:id/deposits', {
    schema: {
      tags: ['agents'], summary: 'Record money an agent paid in: the float grows (admin, Idempotency-Key)', security: bearer, params: AgentParams, headers: IdempotencyHeaders,
      body: Type.Object({ amount: AmountMinor, reference: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false }),
      response: { 201: AgentDepositSchema, ...commonErrors },
    },
  }, async (request, reply) => {
    const actor = actorOf(request);
    const result = await depositToAgent(ctx, actor, (request.params as { id: string }).id, request.body as never, idempotencyKeyOf(request));
    if (!result.ok) return sendError(reply, result.error);
    if (result.value.replayed) reply.header('idempotent-replayed', 'true');
    return reply.code(201).send(result.value.deposit);
  });

  app.get('/v1/pos/lookup', {
    schema: {
      tags: ['pos'], summary: 'Confirm a number before taking cash: operator, status, masked owner name (agent)', security: bearer,
      querystring: Type.Object({ msisdn: MsisdnInput }, { additionalProperties: false }),
      response: {
        200: Type.Object({
          msisdn: Type.String({ description: 'E.164' }), operator: Nullable(Type.String()), status: Type.Union(LINE_STATUSES.map((s) => Type.Literal(s))),
          barred: Type.Boolean({ description: 'suspended by an admin (lost or stolen SIM, fraud): a top-up credits it but does not bring it back; customer service does' }),
          ownerName: Nullable(Type.String({ description: 'masked, the first character of each word: A*** S***' })),
        }),
        ...commonErrors,
      },
    },
  }, async (request, reply) => sendResult(reply, await lookUpLine(ctx, actorOf(request), (request.query as { msisdn: string }).msisdn)));

  app.post('/v1/pos/topups', {
    schema: {
      tags: ['pos'], summary: 'Top up a line from the agent float, with commission (agent, Idempotency-Key)', security: bearer, headers: IdempotencyHeaders,
      body: Type.Object({ msisdn: MsisdnInput, amount: AmountMinor }, { additionalProperties: false }),
      response: { 201: PosTopUpSchema, ...commonErrors },
    },
  }, async (request, reply) => {
    const actor = actorOf(request);
    const result = await createPosTopUp(ctx, actor, request.body as never, idempotencyKeyOf(request));
    if (!result.ok) return sendError(reply, result.error);
    if (result.value.replayed) reply.header('idempotent-replayed', 'true');
    return reply.code(201).send(result.value.result);
  });

  app.post('/v1/pos/topups/:id/reverse', {
    schema: { tags: ['pos'], summary: 'Reverse a top-up within the window while the line still holds the money (agent)', security: bearer, params: AgentParams, response: { 200: PosReversalSchema, ...commonErrors } },
  }, async (request, reply) => {
    const result = await reversePosTopUp(ctx, actorOf(request), (request.params as { id: string }).id);
    if (!result.ok) return sendError(reply, result.error);
    if (result.value.replayed) reply.header('idempotent-replayed', 'true');
    return reply.code(200).send(result.value.reversal);
  });

  app.get('/v1/pos/receipts/:number', {
    schema: {
      tags: ['pos'], summary: 'Reprint a receipt: JSON, or the 80 mm slip with ?format=slip (agent)', security: bearer,
      params: Type.Object({ number: Type.String({ minLength: 1, maxLength: 40 }) }), querystring: SlipQuery, response: { 200: JsonOrSlip(PosReceiptSchema), ...commonErrors },
    },
  }, async (request, reply) => {
    const query = request.query as { format?: string; language?: string };
    const result = await getPosReceipt(ctx, actorOf(request), (request.params as { number: string }).number, query.language);
    if (!result.ok) return sendError(reply, result.error);
    if (query.format === 'slip') return reply.type('text/html; charset=utf-8').send(result.value.slipHtml);
    return result.value.receipt;
  });

  app.get('/v1/pos/report', {
    schema: {
      tags: ['pos'], summary: 'Day (or shift: scope=cashier) report of the agent, JSON or 80 mm slip in en, ru, kk or zh (agent)', security: bearer,
      querystring: Type.Object({
        date: Type.Optional(Type.String({ maxLength: 10, description: 'YYYY-MM-DD, Almaty; default today' })),
        scope: Type.Optional(Type.Union([Type.Literal('agent'), Type.Literal('cashier')], { description: 'cashier: the caller\'s top-ups and reversals; deposits and balances stay the agent\'s' })),
        format: Type.Optional(SlipFormat), language: Type.Optional(SlipLanguage),
      }, { additionalProperties: false }),
      response: { 200: JsonOrSlip(AgentDayReportSchema), ...commonErrors },
    },
  }, async (request, reply) => {
    const query = request.query as { date?: string; scope?: 'agent' | 'cashier'; format?: string; language?: string };
    const result = await agentDayReport(ctx, actorOf(request), query);
    if (!result.ok) return sendError(reply, result.error);
    if (query.format === 'slip') return reply.type('text/html; charset=utf-8').send(result.value.slipHtml);
    return result.value.report;
  });
}
