import { createHash } from 'node:crypto';
import { isoInstant } from '../../../domain/time.ts';
import type { InitiateInput, InitiateResult, PaymentProvider, PaymentStatus, ProviderResult, RefundResult, StatusResult, WebhookEvent, WebhookRequest } from '../payment-provider.ts';
import { validateAlipayOptions, type AlipayProviderOptions, type ValidatedAlipayOptions } from './alipay-options.ts';
import { beijingTimeOf, notificationSigningStringOf, parseBeijingTime, rsa2Sign, rsa2Verify, signedResponseOf, signingStringOf } from './alipay-signature.ts';
import { refundShare } from '../refund-share.ts';

/** What Tolem's webhook route must answer to an Alipay notification it accepted (text/plain). */
export const ALIPAY_NOTIFY_ACKNOWLEDGEMENT = 'success';
const SUBJECT_LENGTH_MAX = 256;
const OUT_REQUEST_NO_LENGTH_MAX = 64;

type Fail = { ok: false; code: string; message?: string };

const TRADE_STATUSES: Record<string, PaymentStatus> = {
  WAIT_BUYER_PAY: 'requires_action', TRADE_SUCCESS: 'succeeded', TRADE_FINISHED: 'succeeded', TRADE_CLOSED: 'canceled',
};

function yuanOf(fen: bigint): string {
  return `${fen / 100n}.${(fen % 100n).toString().padStart(2, '0')}`;
}

function fenOf(yuan: unknown): bigint | null {
  const match = typeof yuan === 'string' ? /^(\d{1,12})(?:\.(\d{1,2}))?$/.exec(yuan) : null;
  return match ? BigInt(match[1]!) * 100n + BigInt((match[2] ?? '').padEnd(2, '0')) : null;
}

/** Tolem amount → fen. KZT is converted at the configured rate, rounding up; CNY passes. */
function fenFor(amount: bigint, currency: string, settings: ValidatedAlipayOptions): bigint | null {
  if (currency === 'CNY') return amount;
  if (currency !== 'KZT' || !settings.kztPerYuanTimes10000) return null;
  const rate = settings.kztPerYuanTimes10000;
  return (amount * 10_000n + rate - 1n) / rate;
}

/**
 * The trade number is `<paymentId>_<amount in the payment's minor units>`: Alipay echoes it in
 * queries and notifications, so the exact tenge amount comes back even though yuan were rounded.
 */
function outTradeNoOf(input: InitiateInput): string {
  return `${input.paymentId}_${input.amount}`;
}

function parseOutTradeNo(outTradeNo: string): { paymentId: string; amount: bigint } | null {
  const match = /^(.+)_(\d{1,18})$/.exec(outTradeNo);
  return match ? { paymentId: match[1]!, amount: BigInt(match[2]!) } : null;
}

/**
 * fen → the payment's own currency: the amount the trade number carries, else tenge rounded down.
 * A trade exists only through Tolem's own signed request, so its total is the yuan Tolem asked for
 * that amount at the rate of that day: a rate configured since (ALIPAY_KZT_PER_YUAN changed while
 * a payer had the page open) does not make the payment a mismatch.
 */
function amountFromFen(fen: bigint, outTradeNo: string, settings: ValidatedAlipayOptions): { amount: bigint; currency: string } {
  const rate = settings.kztPerYuanTimes10000;
  if (!rate) return { amount: fen, currency: 'CNY' };
  const original = parseOutTradeNo(outTradeNo);
  if (original) return { amount: original.amount, currency: 'KZT' };
  return { amount: (fen * rate) / 10_000n, currency: 'KZT' };
}

/** out_request_no: the idempotency key itself when short enough, else a stable hash of it. */
function outRequestNoOf(idempotencyKey: string): string {
  return idempotencyKey.length <= OUT_REQUEST_NO_LENGTH_MAX ? idempotencyKey : createHash('sha256').update(idempotencyKey).digest('hex').slice(0, OUT_REQUEST_NO_LENGTH_MAX);
}

export function createAlipayProvider(options: AlipayProviderOptions): PaymentProvider {
  const settings = validateAlipayOptions(options);

  function signedParams(method: string, biz: Record<string, unknown>, extra: Record<string, string> = {}): Record<string, string> {
    const params: Record<string, string> = {
      app_id: settings.appId, method, format: 'JSON', charset: 'utf-8', sign_type: 'RSA2', timestamp: beijingTimeOf(settings.now()), version: '1.0',
      biz_content: JSON.stringify(biz), ...extra,
    };
    params.sign = rsa2Sign(signingStringOf(params, ['sign']), settings.privateKey);
    return params;
  }

  /** A signed POST to the gateway; the answer's signature is checked with Alipay's key. */
  async function call(method: string, biz: Record<string, unknown>): Promise<{ ok: true; body: any } | Fail> {
    let text: string;
    try {
      const response = await settings.fetch(settings.gatewayUrl, {
        method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' },
        body: new URLSearchParams(signedParams(method, biz)).toString(), signal: AbortSignal.timeout(settings.timeoutMs),
      });
      if (response.status >= 500) return { ok: false, code: 'provider_unreachable', message: `HTTP ${response.status}` };
      text = await response.text();
    } catch (error) {
      return { ok: false, code: 'provider_unreachable', message: (error as Error).message };
    }
    const signed = signedResponseOf(text, method);
    if (!signed) return { ok: false, code: 'provider_rejected', message: text.slice(0, 200) };
    const body = JSON.parse(signed.content);
    // 20000 (isp.unknow-error, service unavailable): Alipay does not know the outcome; the call is
    // retried, with the same out_request_no for a refund, as Alipay asks. Never a refusal: a refund
    // voided here and asked again under a new number would be paid twice.
    if (body.code === '20000') return { ok: false, code: 'provider_unreachable', message: `${body.code} ${body.sub_code ?? ''}` };
    // Error answers about our own request (bad signature, bad app id) come unsigned from some gateways.
    if (body.code !== '10000' && body.code !== '40004') return { ok: false, code: 'provider_rejected', message: `${body.code} ${body.sub_code ?? ''}` };
    if (!rsa2Verify(signed.content, signed.sign, settings.alipayKey)) return { ok: false, code: 'provider_response_unverified' };
    return { ok: true, body };
  }

  async function getStatus(reference: string): Promise<ProviderResult<StatusResult>> {
    const answer = await call('alipay.trade.query', { out_trade_no: reference });
    if (!answer.ok) return answer;
    // A page-pay trade exists at Alipay only once the payer opened the page.
    if (answer.body.sub_code === 'ACQ.TRADE_NOT_EXIST') return { ok: true, value: { status: 'requires_action', raw: answer.body } };
    if (answer.body.code !== '10000') return { ok: false, code: 'provider_rejected', message: answer.body.sub_code };
    const status = TRADE_STATUSES[answer.body.trade_status] ?? 'unknown';
    const fen = fenOf(answer.body.total_amount);
    return { ok: true, value: { status, ...(status === 'succeeded' && fen !== null ? { amountCaptured: amountFromFen(fen, reference, settings).amount } : {}), raw: answer.body } };
  }

  // Alipay answers a refund at once; its query says REFUND_SUCCESS once the money went back.
  // No refund_status with a refund_amount is an older gateway's way of saying the same.
  async function refundStatus(reference: string, _providerRefundId: string, idempotencyKey: string): Promise<ProviderResult<RefundResult>> {
    const outRequestNo = outRequestNoOf(idempotencyKey);
    const answer = await call('alipay.trade.fastpay.refund.query', { out_trade_no: reference, out_request_no: outRequestNo, query_options: ['gmt_refund_pay'] });
    if (!answer.ok) return answer;
    if (answer.body.code !== '10000') return { ok: false, code: 'provider_rejected', message: answer.body.sub_code };
    const done = answer.body.refund_status === 'REFUND_SUCCESS' || (answer.body.refund_status === undefined && answer.body.refund_amount !== undefined);
    if (!done) return { ok: false, code: 'not_found', message: 'no refund under this out_request_no' };
    return { ok: true, value: { providerRefundId: `${reference}:${outRequestNo}`, status: 'succeeded', raw: answer.body } };
  }

  return {
    id: 'alipay',
    async initiate(input: InitiateInput): Promise<ProviderResult<InitiateResult>> {
      const fen = fenFor(input.amount, input.currency, settings);
      if (fen === null) return { ok: false, code: 'currency_unsupported', message: input.currency === 'KZT' ? 'set ALIPAY_KZT_PER_YUAN to take tenge payments' : undefined };
      const method = settings.mode === 'wap' ? 'alipay.trade.wap.pay' : 'alipay.trade.page.pay';
      const params = signedParams(method, {
        out_trade_no: outTradeNoOf(input), total_amount: yuanOf(fen), subject: input.description.slice(0, SUBJECT_LENGTH_MAX),
        product_code: settings.mode === 'wap' ? 'QUICK_WAP_WAY' : 'FAST_INSTANT_TRADE_PAY',
        // The trade closes at Alipay when Tolem expires the payment: a page-pay trade exists only once
        // the payer opens the page, so closing it at expiry (cancel) cannot stop a payer who opens
        // the signed link later; time_expire does. Beijing time, as every Alipay time.
        ...(input.expiresAt ? { time_expire: beijingTimeOf(new Date(input.expiresAt)) } : {}),
      }, { return_url: input.returnUrl, notify_url: settings.notifyUrl });
      const redirectUrl = `${settings.gatewayUrl}?${new URLSearchParams(params).toString()}`;
      return { ok: true, value: { providerReference: outTradeNoOf(input), status: 'requires_action', redirectUrl, ...(input.currency === 'CNY' ? {} : { charged: { amount: fen, currency: 'CNY' } }), raw: { method, totalAmount: yuanOf(fen) } } };
    },
    getStatus,
    // Page and WAP pay capture when the payer pays; capture reports the trade.
    capture: (reference) => getStatus(reference),
    async refund(reference, amount, idempotencyKey, refundedBefore = 0n): Promise<ProviderResult<RefundResult>> {
      const query = await getStatus(reference);
      if (!query.ok) return query;
      const totalFen = fenOf((query.value.raw as { total_amount?: string }).total_amount);
      // A full refund closes the trade (TRADE_CLOSED): a repeat of that refund (its answer lost) finds it under its out_request_no.
      if (query.value.status === 'canceled') {
        const made = await refundStatus(reference, '', idempotencyKey);
        if (made.ok || made.code !== 'not_found') return made;
      }
      if (query.value.status !== 'succeeded' || totalFen === null) return { ok: false, code: 'refund_refused', message: 'the trade is not paid' };
      // Its share of the yuan paid (the trade number carries the amount paid), so that the parts add up to the whole.
      const paid = parseOutTradeNo(reference)?.amount ?? query.value.amountCaptured;
      const fen = paid === undefined ? fenFor(amount, settings.kztPerYuanTimes10000 ? 'KZT' : 'CNY', settings) : refundShare(totalFen, paid, refundedBefore, amount);
      if (fen === null || fen <= 0n) return { ok: false, code: 'refund_refused' };
      const outRequestNo = outRequestNoOf(idempotencyKey);
      const answer = await call('alipay.trade.refund', { out_trade_no: reference, refund_amount: yuanOf(fen > totalFen ? totalFen : fen), out_request_no: outRequestNo });
      if (!answer.ok) return answer;
      // ACQ.SYSTEM_ERROR: the outcome is unknown, as with 20000 (retried, not refused).
      if (answer.body.sub_code === 'ACQ.SYSTEM_ERROR') return { ok: false, code: 'provider_unreachable', message: answer.body.sub_code };
      if (answer.body.code !== '10000') return { ok: false, code: 'refund_refused', message: answer.body.sub_code };
      return { ok: true, value: { providerRefundId: `${reference}:${outRequestNo}`, status: 'succeeded', raw: answer.body } };
    },
    refundStatus,
    async cancel(reference): Promise<ProviderResult<StatusResult>> {
      const answer = await call('alipay.trade.close', { out_trade_no: reference });
      if (!answer.ok) return answer;
      if (answer.body.code === '10000' || answer.body.sub_code === 'ACQ.TRADE_NOT_EXIST') return { ok: true, value: { status: 'canceled', raw: answer.body } };
      return getStatus(reference);
    },
    async parseWebhook(request: WebhookRequest): Promise<ProviderResult<WebhookEvent>> {
      const params = Object.fromEntries(new URLSearchParams(request.rawBody)) as Record<string, string>;
      if (!params.sign || params.sign_type !== 'RSA2') return { ok: false, code: 'webhook_signature_invalid' };
      // Notifications are signed without sign and sign_type (unlike requests), empty parameters included.
      if (!rsa2Verify(notificationSigningStringOf(params), params.sign, settings.alipayKey)) return { ok: false, code: 'webhook_signature_invalid' };
      if (params.app_id !== settings.appId) return { ok: false, code: 'webhook_signature_invalid' };
      const sentAtMs = parseBeijingTime(params.notify_time ?? '');
      if (sentAtMs === null) return { ok: false, code: 'webhook_payload_invalid' };
      if (Math.abs(settings.now().getTime() - sentAtMs) > settings.webhookToleranceSeconds * 1000) return { ok: false, code: 'webhook_timestamp_stale' };
      if (!params.notify_id || !params.out_trade_no) return { ok: false, code: 'webhook_payload_invalid' };
      const paymentId = parseOutTradeNo(params.out_trade_no)?.paymentId;
      // A refund's notification (refund_fee: what the trade has refunded so far; out_biz_no: the refund's
      // out_request_no): its refund id is the one Tolem keeps for its own refunds, so one made at Alipay
      // (the merchant portal) is told apart and kept for review, as PayPal's and WeChat Pay's are.
      if (params.refund_fee !== undefined && params.out_biz_no) {
        // refund_fee is what the trade has refunded in all (Tolem's own refunds too), not this refund:
        // its own amount is asked of Alipay, and left out when Alipay cannot say.
        const own = await call('alipay.trade.fastpay.refund.query', { out_trade_no: params.out_trade_no, out_request_no: params.out_biz_no });
        const refunded = own.ok && own.body.code === '10000' ? fenOf(own.body.refund_amount) : null;
        return {
          ok: true,
          value: {
            eventId: params.notify_id, providerReference: params.out_trade_no, ...(paymentId ? { paymentId } : {}), status: 'unknown', refundId: `${params.out_trade_no}:${params.out_biz_no}`,
            ...(refunded !== null ? { amount: refunded, currency: 'CNY' } : {}), occurredAt: isoInstant(sentAtMs), raw: params,
          },
        };
      }
      const fen = fenOf(params.total_amount);
      const amount = fen === null ? null : amountFromFen(fen, params.out_trade_no, settings);
      const occurredAt = parseBeijingTime(params.gmt_payment ?? '') ?? sentAtMs;
      return {
        ok: true,
        value: {
          eventId: params.notify_id, providerReference: params.out_trade_no, ...(parseOutTradeNo(params.out_trade_no) ? { paymentId: parseOutTradeNo(params.out_trade_no)!.paymentId } : {}),
          status: TRADE_STATUSES[params.trade_status ?? ''] ?? 'unknown',
          ...(amount ? { amount: amount.amount, currency: amount.currency } : {}),
          occurredAt: isoInstant(occurredAt), raw: params,
        },
      };
    },
  };
}
