import { createHash } from 'node:crypto';
import { isoInstant } from '../../../domain/time.ts';
import type { InitiateInput, InitiateResult, PaymentProvider, PaymentStatus, ProviderResult, RefundResult, StatusResult, WebhookEvent, WebhookRequest } from '../payment-provider.ts';
import { validateWeChatPayOptions, type ValidatedWeChatPayOptions, type WeChatPayProviderOptions } from './wechatpay-options.ts';
import { authorizationOf, decryptResource, platformSignatureValid, signedHeadersOf } from './wechatpay-signature.ts';
import { refundShare } from '../refund-share.ts';

const OUT_TRADE_NO = /^[\w|*-]{6,32}$/;
const OUT_REFUND_NO_LENGTH_MAX = 64;
const DESCRIPTION_LENGTH_MAX = 127;

type Fail = { ok: false; code: string; message?: string };
/** Optional payer details a caller may pass: H5 payments need the payer's IP address. */
type WeChatInitiateInput = InitiateInput & { payerIp?: string };

const TRADE_STATES: Record<string, PaymentStatus> = {
  NOTPAY: 'requires_action', USERPAYING: 'processing', SUCCESS: 'succeeded', REFUND: 'succeeded', CLOSED: 'canceled', REVOKED: 'canceled', PAYERROR: 'failed',
};

function fenFor(amount: bigint, currency: string, settings: ValidatedWeChatPayOptions): bigint | null {
  if (currency === 'CNY') return amount;
  if (currency !== 'KZT' || !settings.kztPerYuanTimes10000) return null;
  const rate = settings.kztPerYuanTimes10000;
  return (amount * 10_000n + rate - 1n) / rate;
}

/** The payment's own amount and currency that `attach` carries (`500000KZT`), or null. */
function originalOfAttach(attach: unknown): { amount: bigint; currency: string } | null {
  const match = typeof attach === 'string' ? /^(\d{1,18})([A-Z]{3})$/.exec(attach) : null;
  return match ? { amount: BigInt(match[1]!), currency: match[2]! } : null;
}

/**
 * `attach` carries the original amount (`500000KZT`), so tenge come back exactly despite rounding to
 * fen. An order exists only through Tolem's own signed request, so its total is the fen Tolem asked
 * for that amount at the rate of that day: a rate configured since does not make it a mismatch.
 */
function amountFromFen(fen: bigint, attach: unknown, settings: ValidatedWeChatPayOptions): { amount: bigint; currency: string } {
  const original = originalOfAttach(attach);
  if (original) return original;
  const rate = settings.kztPerYuanTimes10000;
  return rate ? { amount: (fen * rate) / 10_000n, currency: 'KZT' } : { amount: fen, currency: 'CNY' };
}

/** The merchant's refund number: the idempotency key itself when WeChat Pay takes it as one, else a hash of it. */
function outRefundNoOf(idempotencyKey: string): string {
  return idempotencyKey.length <= OUT_REFUND_NO_LENGTH_MAX && /^[\w|*@-]+$/.test(idempotencyKey) ? idempotencyKey : createHash('sha256').update(idempotencyKey).digest('hex').slice(0, OUT_REFUND_NO_LENGTH_MAX);
}

/**
 * PROCESSING is WeChat Pay's first answer to nearly every refund; SUCCESS comes later (by query or
 * notification). CLOSED is a refusal: the money stayed with the merchant, and the reservation goes
 * back to the line. ABNORMAL is not: the payer's card could not take the money, which WeChat Pay
 * holds until the merchant routes it (apply-abnormal-refund, or the merchant platform) to the
 * payer's bank card or back to the merchant. It stays pending, marked for the operator; routed to
 * the payer it ends SUCCESS and posts. Any status this code does not know stays pending too.
 */
function refundResultOf(body: { refund_id?: unknown; status?: unknown }): RefundResult {
  const status = body.status === 'SUCCESS' ? 'succeeded' : body.status === 'CLOSED' ? 'failed' : 'pending';
  return {
    providerRefundId: String(body.refund_id), status, raw: body,
    ...(body.status === 'ABNORMAL' ? { attention: 'wechatpay_abnormal: the payer\'s card could not take the refund; route it in WeChat Pay (apply-abnormal-refund)' } : {}),
  };
}

export function createWeChatPayProvider(options: WeChatPayProviderOptions): PaymentProvider {
  const settings = validateWeChatPayOptions(options);

  /** A signed API v3 call whose answer must carry a valid platform signature. */
  async function call(method: string, path: string, body?: unknown): Promise<{ ok: true; status: number; body: any } | Fail> {
    const text = body === undefined ? '' : JSON.stringify(body);
    // The request timestamp is checked by WeChat Pay against its own clock: wall-clock time.
    const authorization = authorizationOf({ method, url: path, body: text, mchId: settings.mchId, serial: settings.merchantSerial, key: settings.merchantKey, timestampSeconds: Math.floor(Date.now() / 1000) });
    let response: Response;
    let answer: string;
    try {
      response = await settings.fetch(`${settings.apiBase}${path}`, {
        method, headers: { authorization, accept: 'application/json', 'content-type': 'application/json', 'user-agent': 'tolem' },
        body: body === undefined ? undefined : text, signal: AbortSignal.timeout(settings.timeoutMs),
      });
      answer = await response.text();
    } catch (error) {
      return { ok: false, code: 'provider_unreachable', message: (error as Error).message };
    }
    if (response.status >= 500 || response.status === 429) return { ok: false, code: 'provider_unreachable', message: `HTTP ${response.status}` };
    const signed = signedHeadersOf(response.headers);
    if (!signed || !platformSignatureValid(signed, answer, settings.platformKeys)) return { ok: false, code: 'provider_response_unverified' };
    const parsed = answer ? JSON.parse(answer) : {};
    if (response.status === 404) return { ok: false, code: 'not_found', message: parsed.code };
    if (response.status >= 400) return { ok: false, code: 'provider_rejected', message: parsed.code };
    return { ok: true, status: response.status, body: parsed };
  }

  async function getStatus(reference: string): Promise<ProviderResult<StatusResult>> {
    const answer = await call('GET', `/v3/pay/transactions/out-trade-no/${encodeURIComponent(reference)}?mchid=${settings.mchId}`);
    if (!answer.ok) return answer;
    const status = TRADE_STATES[answer.body.trade_state] ?? 'unknown';
    const total = answer.body.amount?.total;
    const captured = status === 'succeeded' && Number.isSafeInteger(total) ? amountFromFen(BigInt(total), answer.body.attach, settings).amount : undefined;
    return { ok: true, value: { status, ...(captured !== undefined ? { amountCaptured: captured } : {}), raw: answer.body } };
  }

  return {
    id: 'wechatpay',
    async initiate(input: WeChatInitiateInput): Promise<ProviderResult<InitiateResult>> {
      const fen = fenFor(input.amount, input.currency, settings);
      if (fen === null) return { ok: false, code: 'currency_unsupported', message: input.currency === 'KZT' ? 'set WECHATPAY_KZT_PER_YUAN to take tenge payments' : undefined };
      if (!OUT_TRADE_NO.test(input.paymentId)) return { ok: false, code: 'provider_rejected', message: 'payment id is not a valid out_trade_no' };
      if (settings.mode === 'h5' && !input.payerIp) return { ok: false, code: 'payer_ip_required' };
      const body = {
        appid: settings.appId, mchid: settings.mchId, description: input.description.slice(0, DESCRIPTION_LENGTH_MAX), out_trade_no: input.paymentId,
        notify_url: settings.notifyUrl, attach: `${input.amount}${input.currency}`, amount: { total: Number(fen), currency: 'CNY' },
        ...(settings.mode === 'h5' ? { scene_info: { payer_client_ip: input.payerIp, h5_info: { type: 'Wap' } } } : {}),
      };
      const answer = await call('POST', `/v3/pay/transactions/${settings.mode}`, body);
      if (!answer.ok) return answer;
      const link = settings.mode === 'native' ? { qrContent: String(answer.body.code_url) } : { redirectUrl: String(answer.body.h5_url) };
      return { ok: true, value: { providerReference: input.paymentId, status: 'requires_action', ...link, ...(input.currency === 'CNY' ? {} : { charged: { amount: fen, currency: 'CNY' } }), raw: answer.body } };
    },
    getStatus,
    // Native and H5 payments capture when the payer pays; capture reports the order.
    capture: (reference) => getStatus(reference),
    async refund(reference, amount, idempotencyKey, refundedBefore = 0n): Promise<ProviderResult<RefundResult>> {
      const order = await getStatus(reference);
      if (!order.ok) return order;
      const raw = order.value.raw as { amount?: { total?: number }; attach?: string };
      const totalFen = raw.amount?.total;
      if (order.value.status !== 'succeeded' || !Number.isSafeInteger(totalFen)) return { ok: false, code: 'refund_refused', message: 'the order is not paid' };
      // Its share of the fen paid (attach carries the amount paid), so that the parts add up to the whole.
      const paid = originalOfAttach(raw.attach)?.amount ?? order.value.amountCaptured;
      const fen = paid === undefined ? fenFor(amount, /[A-Z]{3}$/.exec(raw.attach ?? '')?.[0] ?? 'CNY', settings) : refundShare(BigInt(totalFen!), paid, refundedBefore, amount);
      if (fen === null || fen <= 0n) return { ok: false, code: 'refund_refused' };
      const answer = await call('POST', '/v3/refund/domestic/refunds', {
        out_trade_no: reference, out_refund_no: outRefundNoOf(idempotencyKey), amount: { refund: Number(fen > BigInt(totalFen!) ? BigInt(totalFen!) : fen), total: totalFen, currency: 'CNY' },
      });
      if (!answer.ok) return answer.code === 'provider_rejected' ? { ...answer, code: 'refund_refused' } : answer;
      return { ok: true, value: refundResultOf(answer.body) };
    },
    async refundStatus(_reference, _providerRefundId, idempotencyKey): Promise<ProviderResult<RefundResult>> {
      const answer = await call('GET', `/v3/refund/domestic/refunds/${encodeURIComponent(outRefundNoOf(idempotencyKey))}`);
      return answer.ok ? { ok: true, value: refundResultOf(answer.body) } : answer;
    },
    async cancel(reference): Promise<ProviderResult<StatusResult>> {
      const answer = await call('POST', `/v3/pay/transactions/out-trade-no/${encodeURIComponent(reference)}/close`, { mchid: settings.mchId });
      if (answer.ok) return { ok: true, value: { status: 'canceled', raw: {} } };
      // Paid meanwhile (ORDERPAID): the order is reported as it stands.
      return answer.code === 'provider_rejected' ? getStatus(reference) : answer;
    },
    async parseWebhook(request: WebhookRequest): Promise<ProviderResult<WebhookEvent>> {
      const signed = signedHeadersOf(request.headers);
      if (!signed || !platformSignatureValid(signed, request.rawBody, settings.platformKeys)) return { ok: false, code: 'webhook_signature_invalid' };
      const sentAtSeconds = Number(signed.timestamp);
      if (!Number.isSafeInteger(sentAtSeconds)) return { ok: false, code: 'webhook_signature_invalid' };
      if (Math.abs(settings.now().getTime() / 1000 - sentAtSeconds) > settings.webhookToleranceSeconds) return { ok: false, code: 'webhook_timestamp_stale' };
      let event: any;
      let transaction: any;
      try {
        event = JSON.parse(request.rawBody);
        const plaintext = decryptResource(event.resource ?? {}, settings.apiV3Key);
        if (plaintext === null) return { ok: false, code: 'webhook_payload_invalid', message: 'resource does not decrypt with the APIv3 key' };
        transaction = JSON.parse(plaintext);
      } catch {
        return { ok: false, code: 'webhook_payload_invalid' };
      }
      if (typeof event.id !== 'string' || typeof transaction.out_trade_no !== 'string' || transaction.mchid !== settings.mchId) return { ok: false, code: 'webhook_payload_invalid' };
      // A refund's notification (REFUND.SUCCESS, ABNORMAL, CLOSED: sent where a refund notify URL is set at the merchant platform).
      if (String(event.event_type ?? '').startsWith('REFUND.')) {
        const refunded = transaction.amount?.refund;
        // A refund that did not reach the payer (CLOSED: the money stayed with the merchant; ABNORMAL: held for the merchant to route) says so.
        const outcome = String(event.event_type).slice('REFUND.'.length);
        return {
          ok: true,
          value: {
            eventId: event.id, providerReference: transaction.out_trade_no, paymentId: transaction.out_trade_no, status: 'unknown', refundId: String(transaction.refund_id ?? ''),
            ...(Number.isSafeInteger(refunded) ? { amount: BigInt(refunded), currency: 'CNY' } : {}),
            ...(outcome !== 'SUCCESS' ? { failureReason: `refund_${outcome.toLowerCase()}`.slice(0, 100) } : {}), raw: { ...event, resource: transaction },
          },
        };
      }
      const total = transaction.amount?.total;
      const amount = Number.isSafeInteger(total) ? amountFromFen(BigInt(total), transaction.attach, settings) : null;
      return {
        ok: true,
        value: {
          eventId: event.id, providerReference: transaction.out_trade_no, paymentId: transaction.out_trade_no,
          status: TRADE_STATES[transaction.trade_state] ?? 'unknown', ...(amount ? { amount: amount.amount, currency: amount.currency } : {}),
          ...(typeof transaction.payer?.openid === 'string' ? { payerFingerprint: createHash('sha256').update(`wechat:${transaction.payer.openid}`).digest('hex').slice(0, 32) } : {}),
          occurredAt: (typeof transaction.success_time === 'string' ? isoInstant(transaction.success_time) : undefined) ?? isoInstant(sentAtSeconds * 1000),
          raw: { ...event, resource: transaction },
        },
      };
    },
  };
}
