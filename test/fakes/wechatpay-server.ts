import { createCipheriv, createSign, createVerify, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { startFakeServer, type FakeRequest, type FakeResponse, type RunningFake } from './fake-http-server.ts';

/**
 * A local WeChat Pay API v3: requests must carry `Authorization: WECHATPAY2-SHA256-RSA2048 …`
 * signed by the merchant key over `METHOD\nURL\nTIMESTAMP\nNONCE\nBODY\n`; answers and
 * notifications are signed by the fake's platform key over `TIMESTAMP\nNONCE\nBODY\n`, and
 * notification resources are AES-256-GCM encrypted with the APIv3 key.
 */
export interface WeChatPayFake extends RunningFake {
  mchId: string;
  appId: string;
  merchantSerial: string;
  merchantPrivateKeyPem: string;
  platformSerial: string;
  platformPublicKeyPem: string;
  apiV3Key: string;
  pay(outTradeNo: string): void;
  order(outTradeNo: string): any;
  /**
   * Refunds answer PROCESSING, as WeChat Pay's nearly always do, until the bank decides: SUCCESS;
   * CLOSED, which gives the money back to the order; or ABNORMAL (the payer's card is closed), where
   * WeChat Pay holds the money until the merchant routes it (it stays refunded from the order).
   */
  settleRefund(outRefundNo: string, status: 'SUCCESS' | 'ABNORMAL' | 'CLOSED'): void;
  /** A refund the merchant made in WeChat Pay's merchant platform (not through the API), already paid back; its out_refund_no. */
  dashboardRefund(outTradeNo: string, refundFen: number): string;
  refund(outRefundNo: string): any;
  /** A notification signed like WeChat Pay's: of the order, or with `refund` (an out_refund_no) REFUND.SUCCESS/ABNORMAL/CLOSED of that refund. */
  notify(outTradeNo: string, options?: { timestamp?: number; signWith?: KeyObject; serial?: string; eventId?: string; apiV3Key?: string; eventType?: string; refund?: string }): { rawBody: string; headers: Record<string, string> };
}

const AUTHORIZATION = /^WECHATPAY2-SHA256-RSA2048 (.+)$/;

function encrypt(plaintext: string, key: string, associatedData: string) {
  const nonce = randomBytes(6).toString('hex');
  const cipher = createCipheriv('aes-256-gcm', Buffer.from(key, 'utf8'), Buffer.from(nonce, 'utf8'));
  cipher.setAAD(Buffer.from(associatedData, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final(), cipher.getAuthTag()]).toString('base64');
  return { algorithm: 'AEAD_AES_256_GCM', ciphertext, associated_data: associatedData, nonce, original_type: 'transaction' };
}

export async function startWeChatPayFake(): Promise<WeChatPayFake> {
  /** A notification's body and headers, signed with the platform key (or `signWith`). */
  function signedNotification(eventType: string, summary: string, resource: unknown, options: { timestamp?: number; signWith?: KeyObject; serial?: string; eventId?: string }) {
    const rawBody = JSON.stringify({ id: options.eventId ?? randomBytes(18).toString('hex'), create_time: new Date().toISOString(), resource_type: 'encrypt-resource', event_type: eventType, summary, resource });
    const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
    const nonce = randomBytes(16).toString('hex');
    const signature = createSign('RSA-SHA256').update(`${timestamp}\n${nonce}\n${rawBody}\n`).sign(options.signWith ?? platform.privateKey, 'base64');
    return { rawBody, headers: { 'content-type': 'application/json', 'wechatpay-timestamp': timestamp, 'wechatpay-nonce': nonce, 'wechatpay-signature': signature, 'wechatpay-serial': options.serial ?? platformSerial } };
  }

  const mchId = '1900000109';
  const appId = 'wxd678efh567hg6787';
  const merchant = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const platform = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const merchantSerial = randomBytes(20).toString('hex').toUpperCase();
  const platformSerial = `PUB_KEY_ID_${randomBytes(8).toString('hex').toUpperCase()}`;
  const apiV3Key = randomBytes(16).toString('hex');
  const orders = new Map<string, any>();
  const refunds = new Map<string, any>();

  const signed = (status: number, body: unknown, key: KeyObject = platform.privateKey, serial = platformSerial): FakeResponse => {
    const text = body === undefined ? '' : JSON.stringify(body);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const nonce = randomBytes(16).toString('hex');
    const signature = createSign('RSA-SHA256').update(`${timestamp}\n${nonce}\n${text}\n`).sign(key, 'base64');
    return { status, body: text, headers: { 'content-type': 'application/json', 'wechatpay-timestamp': timestamp, 'wechatpay-nonce': nonce, 'wechatpay-signature': signature, 'wechatpay-serial': serial } };
  };
  const error = (status: number, code: string) => signed(status, { code, message: code });

  function authorised(request: FakeRequest): boolean {
    const match = AUTHORIZATION.exec(request.headers.authorization ?? '');
    if (!match) return false;
    const fields = Object.fromEntries([...match[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
    const url = request.path + (request.query.size ? `?${request.query.toString()}` : '');
    const message = `${request.method}\n${url}\n${fields.timestamp}\n${fields.nonce_str}\n${request.rawBody}\n`;
    return fields.mchid === mchId && fields.serial_no === merchantSerial && Math.abs(Date.now() / 1000 - Number(fields.timestamp)) < 300
      && createVerify('RSA-SHA256').update(message).verify(merchant.publicKey, fields.signature ?? '', 'base64');
  }

  function handle(request: FakeRequest): FakeResponse {
    if (!authorised(request)) return error(401, 'SIGN_ERROR');
    const body = request.rawBody ? JSON.parse(request.rawBody) : {};
    let match: RegExpMatchArray | null;
    if (request.method === 'POST' && (match = request.path.match(/^\/v3\/pay\/transactions\/(native|h5)$/))) {
      if (body.mchid !== mchId || body.appid !== appId || !Number.isSafeInteger(body.amount?.total) || body.amount.total <= 0) return error(400, 'PARAM_ERROR');
      if ((body.amount.currency ?? 'CNY') !== 'CNY') return error(400, 'PARAM_ERROR');
      if (match[1] === 'h5' && !body.scene_info?.payer_client_ip) return error(400, 'PARAM_ERROR');
      const existing = orders.get(body.out_trade_no);
      if (existing && existing.amount.total !== body.amount.total) return error(400, 'OUT_TRADE_NO_USED');
      const order = existing ?? { out_trade_no: body.out_trade_no, transaction_id: `4200${randomBytes(8).toString('hex')}`, trade_state: 'NOTPAY', amount: { total: body.amount.total, currency: 'CNY' }, attach: body.attach, description: body.description, refunded: 0 };
      orders.set(body.out_trade_no, order);
      const token = randomBytes(6).toString('hex');
      return signed(200, match[1] === 'native' ? { code_url: `weixin://wxpay/bizpayurl?pr=${token}` } : { h5_url: `https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id=${token}` });
    }
    if (request.method === 'GET' && (match = request.path.match(/^\/v3\/pay\/transactions\/out-trade-no\/([\w|*-]+)$/))) {
      const order = orders.get(match[1]!);
      if (!order || request.query.get('mchid') !== mchId) return error(404, 'ORDER_NOT_EXIST');
      return signed(200, { appid: appId, mchid: mchId, out_trade_no: order.out_trade_no, transaction_id: order.transaction_id, trade_state: order.trade_state, attach: order.attach, amount: { total: order.amount.total, payer_total: order.amount.total, currency: 'CNY', payer_currency: 'CNY' } });
    }
    if (request.method === 'POST' && (match = request.path.match(/^\/v3\/pay\/transactions\/out-trade-no\/([\w|*-]+)\/close$/))) {
      const order = orders.get(match[1]!);
      if (!order) return error(404, 'ORDER_NOT_EXIST');
      if (order.trade_state !== 'NOTPAY') return error(400, 'ORDERPAID');
      order.trade_state = 'CLOSED';
      return signed(204, undefined);
    }
    if (request.method === 'POST' && request.path === '/v3/refund/domestic/refunds') {
      const order = orders.get(body.out_trade_no);
      if (!order) return error(404, 'RESOURCE_NOT_EXISTS');
      const previous = refunds.get(body.out_refund_no);
      if (previous) return signed(200, previous);
      if (!['SUCCESS', 'REFUND'].includes(order.trade_state)) return error(403, 'TRADE_ERROR');
      if (body.amount?.total !== order.amount.total || !(body.amount.refund > 0) || order.refunded + body.amount.refund > order.amount.total) return error(403, 'NOT_ENOUGH');
      order.refunded += body.amount.refund;
      order.trade_state = 'REFUND';
      const refund = {
        refund_id: `5030${randomBytes(8).toString('hex')}`, out_refund_no: body.out_refund_no, transaction_id: order.transaction_id, out_trade_no: order.out_trade_no,
        channel: 'ORIGINAL', user_received_account: '招商银行信用卡0403', status: 'PROCESSING', create_time: new Date().toISOString(),
        amount: { refund: body.amount.refund, total: order.amount.total, currency: 'CNY', payer_total: order.amount.total, payer_refund: body.amount.refund },
      };
      refunds.set(body.out_refund_no, refund);
      return signed(200, refund);
    }
    const refundQuery = request.method === 'GET' ? request.path.match(/^\/v3\/refund\/domestic\/refunds\/([^/]+)$/) : null;
    if (refundQuery) {
      const refund = refunds.get(decodeURIComponent(refundQuery[1]!));
      return refund ? signed(200, refund) : error(404, 'RESOURCE_NOT_EXISTS');
    }
    return error(404, 'NOT_FOUND');
  }

  const fake = await startFakeServer(handle);
  return {
    ...fake, mchId, appId, merchantSerial, platformSerial, apiV3Key,
    merchantPrivateKeyPem: merchant.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    platformPublicKeyPem: platform.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    pay(outTradeNo) {
      orders.get(outTradeNo).trade_state = 'SUCCESS';
    },
    order: (outTradeNo) => orders.get(outTradeNo),
    settleRefund(outRefundNo, status) {
      const refund = refunds.get(outRefundNo);
      if (status === 'CLOSED') orders.get(refund.out_trade_no).refunded -= refund.amount.refund;
      Object.assign(refund, { status, ...(status === 'SUCCESS' ? { success_time: new Date().toISOString() } : {}) });
    },
    refund: (outRefundNo) => refunds.get(outRefundNo),
    dashboardRefund(outTradeNo, refundFen) {
      const order = orders.get(outTradeNo);
      order.refunded += refundFen;
      const outRefundNo = `dashboard_${randomBytes(6).toString('hex')}`;
      refunds.set(outRefundNo, {
        refund_id: `5030${randomBytes(8).toString('hex')}`, out_refund_no: outRefundNo, transaction_id: order.transaction_id, out_trade_no: order.out_trade_no,
        channel: 'ORIGINAL', user_received_account: '招商银行信用卡0403', status: 'SUCCESS', create_time: new Date().toISOString(), success_time: new Date().toISOString(),
        amount: { refund: refundFen, total: order.amount.total, currency: 'CNY', payer_total: order.amount.total, payer_refund: refundFen },
      });
      return outRefundNo;
    },
    notify(outTradeNo, options = {}) {
      const order = orders.get(outTradeNo);
      const refund = options.refund === undefined ? undefined : refunds.get(options.refund);
      if (refund) {
        const resource = {
          mchid: mchId, out_trade_no: order.out_trade_no, transaction_id: order.transaction_id, out_refund_no: refund.out_refund_no, refund_id: refund.refund_id,
          refund_status: refund.status, success_time: new Date().toISOString(), user_received_account: '支付用户零钱',
          amount: { total: refund.amount.total, refund: refund.amount.refund, payer_total: refund.amount.payer_total, payer_refund: refund.amount.payer_refund },
        };
        return signedNotification(`REFUND.${refund.status}`, '退款成功', { ...encrypt(JSON.stringify(resource), options.apiV3Key ?? apiV3Key, 'refund'), original_type: 'refund' }, options);
      }
      const transaction = {
        appid: appId, mchid: mchId, out_trade_no: order.out_trade_no, transaction_id: order.transaction_id, trade_type: 'NATIVE', trade_state: order.trade_state,
        trade_state_desc: 'paid', success_time: new Date((options.timestamp ?? Date.now() / 1000) * 1000).toISOString(), attach: order.attach,
        amount: { total: order.amount.total, payer_total: order.amount.total, currency: 'CNY', payer_currency: 'CNY' }, payer: { openid: 'oUpF8uMuAJO_M2pxb1Q9zNjWeS6o' },
      };
      const eventType = options.eventType ?? (order.trade_state === 'SUCCESS' ? 'TRANSACTION.SUCCESS' : 'TRANSACTION.CLOSED');
      return signedNotification(eventType, '支付成功', encrypt(JSON.stringify(transaction), options.apiV3Key ?? apiV3Key, 'transaction'), options);
    },
  };
}
