import { Type } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { sendResult } from '../http/http-errors.ts';
import { actorOf } from '../http/request-auth.ts';
import { AmountMinor, bearer, commonErrors, ErrorBody, MsisdnInput, Nullable } from '../http/schemas.ts';
import type { RouteOptions } from '../http/server.ts';
import { blockVoucher } from './block-voucher.ts';
import { createVoucherBatch } from './create-voucher-batch.ts';
import { getVoucherBatch } from './get-voucher-batch.ts';
import { redeemVoucher } from './redeem-voucher.ts';
import { sellVoucherBatch } from './sell-voucher-batch.ts';

const BatchParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64 }) });

const VoucherBatchSchema = Type.Object({
  id: Type.String(), faceValue: Type.Integer({ description: 'minor units' }), currency: Type.String(), count: Type.Integer(), expiresAt: Type.String(),
  expired: Type.Boolean(), dealer: Nullable(Type.String()), soldAt: Nullable(Type.String()), createdAt: Type.String(),
  counts: Type.Object({
    generated: Type.Integer({ description: 'not sold yet' }), sold: Type.Integer({ description: 'sold and not redeemed' }), redeemed: Type.Integer(), blocked: Type.Integer(),
    expired: Type.Integer({ description: 'past expiresAt and neither redeemed nor blocked (generated and sold are then 0)' }),
  }),
});
const VoucherBatchCreatedSchema = Type.Object({
  id: Type.String(), faceValue: Type.Integer({ description: 'minor units' }), currency: Type.Literal('KZT'), count: Type.Integer(), expiresAt: Type.String(),
  csv: Type.String({ description: 'serial,pin,face_value,currency,expires_at: a header and a row per voucher, for the printer; shown once (only PIN hashes are stored)' }),
  createdAt: Type.String(),
});
/** A redeemed voucher and the top-up it made (`VoucherRedemption`); the USSD route answers it too. */
export const VoucherRedemptionSchema = Type.Object({
  voucher: Type.Object({ serial: Type.String(), faceValue: Type.Integer({ description: 'minor units' }), currency: Type.Literal('KZT') }),
  topUp: Type.Ref('TopUp'),
});

/** Admin: batches, sale to a dealer, blocking. Redemption by PIN (API) and by USSD string. */
export async function voucherRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  app.post('/v1/admin/voucher-batches', {
    schema: {
      tags: ['vouchers'], summary: 'Generate a batch of scratch cards; the answer holds the PINs once, as CSV (admin)', security: bearer,
      body: Type.Object({
        faceValue: AmountMinor, count: Type.Integer({ minimum: 1, maximum: 100_000 }),
        expiresAt: Type.String({ minLength: 10, maxLength: 40, description: 'ISO-8601 time in the future' }),
      }, { additionalProperties: false }),
      response: { 201: VoucherBatchCreatedSchema, ...commonErrors },
    },
  }, async (request, reply) => sendResult(reply, await createVoucherBatch(ctx, actorOf(request), request.body as never), 201));

  app.get('/v1/admin/voucher-batches/:id', {
    schema: { tags: ['vouchers'], summary: 'A batch with counts per state (admin)', security: bearer, params: BatchParams, response: { 200: VoucherBatchSchema, ...commonErrors } },
  }, async (request, reply) => sendResult(reply, await getVoucherBatch(ctx, actorOf(request), (request.params as { id: string }).id)));

  app.post('/v1/admin/voucher-batches/:id/sell', {
    schema: {
      tags: ['vouchers'], summary: 'Sell a batch to a dealer: its vouchers become redeemable (admin)', security: bearer, params: BatchParams,
      body: Type.Object({ dealer: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false }),
      response: { 200: Type.Object({ id: Type.String(), dealer: Type.String(), soldCount: Type.Integer(), soldAt: Type.String() }), ...commonErrors },
    },
  }, async (request, reply) => sendResult(reply, await sellVoucherBatch(ctx, actorOf(request), (request.params as { id: string }).id, request.body as never)));

  app.post('/v1/admin/vouchers/:serial/block', {
    schema: {
      tags: ['vouchers'], summary: 'Block a voucher by serial (admin)', security: bearer, params: Type.Object({ serial: Type.String({ minLength: 1, maxLength: 40 }) }),
      response: { 200: Type.Object({ serial: Type.String(), state: Type.Literal('blocked') }), ...commonErrors },
    },
  }, async (request, reply) => sendResult(reply, await blockVoucher(ctx, actorOf(request), (request.params as { serial: string }).serial)));

  app.post('/v1/vouchers/redeem', {
    schema: {
      tags: ['vouchers'], summary: 'Redeem a scratch card PIN onto a line (subscriber: own line; staff: any)', security: bearer,
      body: Type.Object({ msisdn: MsisdnInput, pin: Type.String({ minLength: 1, maxLength: 40 }) }, { additionalProperties: false }),
      response: { 201: VoucherRedemptionSchema, ...commonErrors, 410: ErrorBody },
    },
  }, async (request, reply) => {
    const body = request.body as { msisdn: string; pin: string };
    return sendResult(reply, await redeemVoucher(ctx, actorOf(request), { ...body, ip: request.ip }), 201);
  });

}
