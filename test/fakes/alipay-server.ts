import { createSign, createVerify, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { startFakeServer, type FakeRequest, type FakeResponse, type RunningFake } from './fake-http-server.ts';

/**
 * A local Alipay open-platform gateway (/gateway.do): RSA2 (SHA256withRSA) signed requests from
 * the merchant's key, responses and async notifications signed with the fake's "Alipay" key.
 * Page/WAP pay is a signed GET URL the payer opens; query, refund and close are signed POSTs.
 */
export interface AlipayFake extends RunningFake {
  appId: string;
  /** The merchant's key pair (generated here; the adapter gets the private half). */
  appPrivateKeyPem: string;
  alipayPublicKeyPem: string;
  gatewayUrl: string;
  /** The payer opens the page-pay URL; the fake checks its signature and opens the trade. */
  openPage(url: string): { ok: boolean; reason?: string };
  pay(outTradeNo: string): void;
  trade(outTradeNo: string): any;
  /** The next refund is made, but answered 20000 isp.unknow-error (Alipay does not know the outcome yet). */
  answerNextRefundUnknown(): void;
  /** A refund made at Alipay's merchant portal, not through the API. */
  refundAtPortal(outTradeNo: string, outRequestNo: string, yuan: string): void;
  /**
   * The trade's trade_status_sync notification; with `refund`, the one Alipay sends after a refund
   * (refund_fee: what the trade has refunded in all; out_biz_no: the refund's out_request_no).
   */
  notify(outTradeNo: string, options?: { notifyTime?: Date; signWith?: KeyObject; notifyId?: string; refund?: { fee: string; outBizNo: string }; extra?: Record<string, string> }): { rawBody: string; headers: Record<string, string> };
}

/** yyyy-MM-dd HH:mm:ss in Beijing time (UTC+8), as Alipay writes times. */
export function beijingTime(at: Date): string {
  return new Date(at.getTime() + 8 * 3_600_000).toISOString().replace('T', ' ').slice(0, 19);
}

/** The string a request is signed over: every parameter but sign with a value, sorted, k=v joined with & (the SDKs' getSignContent). */
export function alipaySigningString(params: Record<string, string>, exclude: string[] = ['sign']): string {
  return Object.keys(params).filter((k) => !exclude.includes(k) && params[k] !== '' && params[k] !== undefined).sort().map((k) => `${k}=${params[k]}`).join('&');
}

/**
 * The string Alipay signs a notification over: every parameter it sends but sign and sign_type,
 * an empty one too (`key=`), sorted, joined with & (the SDKs' rsaCheckV1, getSignCheckContentV1).
 */
export function alipayNotificationSigningString(params: Record<string, string>): string {
  return Object.keys(params).filter((k) => k !== 'sign' && k !== 'sign_type').sort().map((k) => `${k}=${params[k]}`).join('&');
}

export async function startAlipayFake(): Promise<AlipayFake> {
  const appId = `2021${randomBytes(6).readUIntBE(0, 6).toString().slice(0, 12)}`;
  const app = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const alipay = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const trades = new Map<string, any>();
  const refundRequests = new Map<string, any>();
  const refundAmounts = new Map<string, string>();
  let nextRefundUnknown = false;

  const sign = (text: string, key: KeyObject = alipay.privateKey) => createSign('RSA-SHA256').update(text, 'utf8').sign(key, 'base64');
  const verifiedParams = (params: Record<string, string>) => params.app_id === appId && params.sign_type === 'RSA2'
    && createVerify('RSA-SHA256').update(alipaySigningString(params), 'utf8').verify(app.publicKey, params.sign ?? '', 'base64');

  function respond(method: string, inner: Record<string, unknown>): FakeResponse {
    const innerJson = JSON.stringify(inner);
    const key = `${method.replace(/\./g, '_')}_response`;
    return { status: 200, body: `{"${key}":${innerJson},"sign":"${sign(innerJson)}"}`, headers: { 'content-type': 'text/html;charset=utf-8' } };
  }
  const businessError = (method: string, subCode: string) => respond(method, { code: '40004', msg: 'Business Failed', sub_code: subCode, sub_msg: subCode });

  function handle(request: FakeRequest): FakeResponse {
    if (request.path !== '/gateway.do' || request.method !== 'POST') return { status: 404, body: 'not found' };
    const params = Object.fromEntries(new URLSearchParams(request.rawBody)) as Record<string, string>;
    const method = params.method ?? '';
    if (!verifiedParams(params)) return respond(method, { code: '40002', msg: 'Invalid Arguments', sub_code: 'isv.invalid-signature', sub_msg: 'invalid signature' });
    const biz = JSON.parse(params.biz_content ?? '{}');
    const trade = trades.get(biz.out_trade_no);
    if (method === 'alipay.trade.query') {
      if (!trade) return businessError(method, 'ACQ.TRADE_NOT_EXIST');
      return respond(method, { code: '10000', msg: 'Success', trade_no: trade.trade_no, out_trade_no: trade.out_trade_no, trade_status: trade.trade_status, total_amount: trade.total_amount });
    }
    if (method === 'alipay.trade.refund') {
      if (!trade) return businessError(method, 'ACQ.TRADE_NOT_EXIST');
      const replay = refundRequests.get(`${trade.out_trade_no}:${biz.out_request_no}`);
      if (replay) return respond(method, { ...replay, fund_change: 'N' });
      if (trade.trade_status !== 'TRADE_SUCCESS') return businessError(method, 'ACQ.TRADE_STATUS_ERROR');
      const cents = Math.round(Number(biz.refund_amount) * 100);
      if (!(cents > 0) || trade.refunded_cents + cents > Math.round(Number(trade.total_amount) * 100)) return businessError(method, 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL');
      trade.refunded_cents += cents;
      // Refunded in full, the trade is closed (alipay.trade.query: TRADE_CLOSED, "or refunded in full after payment").
      if (trade.refunded_cents === Math.round(Number(trade.total_amount) * 100)) trade.trade_status = 'TRADE_CLOSED';
      const answer = { code: '10000', msg: 'Success', trade_no: trade.trade_no, out_trade_no: trade.out_trade_no, refund_fee: (trade.refunded_cents / 100).toFixed(2), fund_change: 'Y' };
      refundRequests.set(`${trade.out_trade_no}:${biz.out_request_no}`, answer);
      refundAmounts.set(`${trade.out_trade_no}:${biz.out_request_no}`, biz.refund_amount);
      if (nextRefundUnknown) {
        nextRefundUnknown = false;
        return respond(method, { code: '20000', msg: 'Service Currently Unavailable', sub_code: 'isp.unknow-error', sub_msg: '系统繁忙' });
      }
      return respond(method, answer);
    }
    if (method === 'alipay.trade.fastpay.refund.query') {
      if (!trade) return businessError(method, 'ACQ.TRADE_NOT_EXIST');
      const refunded = refundAmounts.get(`${trade.out_trade_no}:${biz.out_request_no}`);
      // No refund under that number: a success with no refund in it, as Alipay answers.
      if (refunded === undefined) return respond(method, { code: '10000', msg: 'Success', trade_no: trade.trade_no, out_trade_no: trade.out_trade_no, out_request_no: biz.out_request_no });
      return respond(method, {
        code: '10000', msg: 'Success', trade_no: trade.trade_no, out_trade_no: trade.out_trade_no, out_request_no: biz.out_request_no,
        total_amount: trade.total_amount, refund_amount: refunded, refund_status: 'REFUND_SUCCESS', gmt_refund_pay: '2026-12-06 12:00:00',
      });
    }
    if (method === 'alipay.trade.close') {
      if (!trade) return businessError(method, 'ACQ.TRADE_NOT_EXIST');
      if (trade.trade_status !== 'WAIT_BUYER_PAY') return businessError(method, 'ACQ.TRADE_STATUS_ERROR');
      trade.trade_status = 'TRADE_CLOSED';
      return respond(method, { code: '10000', msg: 'Success', trade_no: trade.trade_no, out_trade_no: trade.out_trade_no });
    }
    return respond(method, { code: '40004', msg: 'Business Failed', sub_code: 'isv.invalid-method' });
  }

  const fake = await startFakeServer(handle);
  return {
    ...fake, appId,
    appPrivateKeyPem: app.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    alipayPublicKeyPem: alipay.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    gatewayUrl: `${fake.url}/gateway.do`,
    openPage(url) {
      const params = Object.fromEntries(new URL(url).searchParams) as Record<string, string>;
      if (!verifiedParams(params)) return { ok: false, reason: 'invalid signature' };
      if (!['alipay.trade.page.pay', 'alipay.trade.wap.pay'].includes(params.method ?? '')) return { ok: false, reason: 'method' };
      const biz = JSON.parse(params.biz_content ?? '{}');
      if (!trades.has(biz.out_trade_no)) {
        trades.set(biz.out_trade_no, { out_trade_no: biz.out_trade_no, trade_no: `2026${randomBytes(8).toString('hex')}`, total_amount: biz.total_amount, subject: biz.subject, product_code: biz.product_code, trade_status: 'WAIT_BUYER_PAY', refunded_cents: 0, notify_url: params.notify_url });
      }
      return { ok: true };
    },
    pay(outTradeNo) {
      trades.get(outTradeNo).trade_status = 'TRADE_SUCCESS';
    },
    trade: (outTradeNo) => trades.get(outTradeNo),
    answerNextRefundUnknown() { nextRefundUnknown = true; },
    refundAtPortal(outTradeNo, outRequestNo, yuan) {
      const trade = trades.get(outTradeNo);
      trade.refunded_cents += Math.round(Number(yuan) * 100);
      refundAmounts.set(`${outTradeNo}:${outRequestNo}`, yuan);
    },
    notify(outTradeNo, options = {}) {
      const trade = trades.get(outTradeNo);
      const params: Record<string, string> = {
        notify_time: beijingTime(options.notifyTime ?? new Date()), notify_type: 'trade_status_sync', notify_id: options.notifyId ?? randomBytes(16).toString('hex'),
        app_id: appId, charset: 'utf-8', version: '1.0', trade_no: trade.trade_no, out_trade_no: trade.out_trade_no,
        trade_status: trade.trade_status, total_amount: trade.total_amount, subject: trade.subject, gmt_payment: beijingTime(new Date()),
        ...(options.refund ? { refund_fee: options.refund.fee, out_biz_no: options.refund.outBizNo, gmt_refund: `${beijingTime(new Date())}.000` } : {}),
        ...options.extra,
      };
      params.sign = sign(alipayNotificationSigningString(params), options.signWith);
      params.sign_type = 'RSA2';
      return { rawBody: new URLSearchParams(params).toString(), headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' } };
    },
  };
}
