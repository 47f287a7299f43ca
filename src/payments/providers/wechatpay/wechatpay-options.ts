import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { checkedWebhookTolerance, rateTimes10000, webhookToleranceFromEnv } from '../payment-provider.ts';

/**
 * Options of the WeChat Pay API v3 adapter. WeChat Pay (domestic API) trades in CNY fen; a tenge
 * price is converted inside the adapter at `kztPerYuan`, required for KZT payments.
 */
export interface WeChatPayProviderOptions {
  mchId: string;
  appId: string;
  /** Serial number of the merchant API certificate whose private key signs requests. */
  merchantSerial: string;
  merchantPrivateKey: string;
  /**
   * WeChat Pay platform public keys (or keys of platform certificates) by serial / public-key id,
   * as sent in Wechatpay-Serial. Answers and notifications signed by any other key are refused.
   */
  platformPublicKeys: Record<string, string>;
  /** The 32-character APIv3 key that notification resources are encrypted with. */
  apiV3Key: string;
  notifyUrl: string;
  /** native: a QR code (code_url) for a desktop page; h5: a mobile-browser redirect (h5_url). */
  mode?: 'native' | 'h5';
  apiBase?: string;
  kztPerYuan?: string;
  webhookToleranceSeconds?: number;
  timeoutMs?: number;
  now?: () => Date;
  fetch?: typeof fetch;
}

export interface ValidatedWeChatPayOptions {
  mchId: string;
  appId: string;
  merchantSerial: string;
  merchantKey: KeyObject;
  platformKeys: Map<string, KeyObject>;
  apiV3Key: Buffer;
  notifyUrl: string;
  mode: 'native' | 'h5';
  apiBase: string;
  kztPerYuanTimes10000: bigint | null;
  webhookToleranceSeconds: number;
  timeoutMs: number;
  now: () => Date;
  fetch: typeof fetch;
}

function isLocal(url: URL): boolean {
  return url.protocol === 'http:' && ['127.0.0.1', 'localhost'].includes(url.hostname);
}

export function validateWeChatPayOptions(options: WeChatPayProviderOptions): ValidatedWeChatPayOptions {
  const problems: string[] = [];
  if (!/^\d{8,12}$/.test(options.mchId ?? '')) problems.push('mchId must be the numeric merchant id');
  if (!/^wx\w{16}$/.test(options.appId ?? '')) problems.push('appId must be the wx… application id');
  if (!/^[0-9A-Fa-f]{8,40}$/.test(options.merchantSerial ?? '')) problems.push('merchantSerial must be the hex serial of the merchant API certificate');
  let merchantKey: KeyObject | null = null;
  try {
    merchantKey = createPrivateKey(options.merchantPrivateKey);
    if (merchantKey.asymmetricKeyType !== 'rsa') throw new Error('not RSA');
  } catch {
    problems.push('merchantPrivateKey must be an RSA private key in PEM (apiclient_key.pem)');
  }
  const platformKeys = new Map<string, KeyObject>();
  for (const [serial, pem] of Object.entries(options.platformPublicKeys ?? {})) {
    try {
      platformKeys.set(serial, createPublicKey(pem));
    } catch {
      problems.push(`platformPublicKeys["${serial}"] is not a public key or certificate in PEM`);
    }
  }
  if (platformKeys.size === 0) problems.push('platformPublicKeys must hold at least one WeChat Pay platform key');
  if (Buffer.byteLength(options.apiV3Key ?? '', 'utf8') !== 32) problems.push('apiV3Key must be the 32-character APIv3 key');
  let apiBase = '';
  let notifyUrl = '';
  try {
    const url = new URL(options.apiBase ?? 'https://api.mch.weixin.qq.com');
    if (url.protocol !== 'https:' && !isLocal(url)) throw new Error('insecure');
    apiBase = url.origin;
  } catch {
    problems.push('apiBase must be an https URL (http only for localhost)');
  }
  try {
    const url = new URL(options.notifyUrl);
    if (url.protocol !== 'https:') throw new Error('insecure');
    notifyUrl = url.toString();
  } catch {
    problems.push('notifyUrl must be an https URL WeChat Pay can reach');
  }
  const mode = options.mode ?? 'native';
  if (mode !== 'native' && mode !== 'h5') problems.push('mode must be native or h5');
  const rate = options.kztPerYuan === undefined ? null : rateTimes10000(options.kztPerYuan, 6, 'kztPerYuan', '68.50', problems);
  const tolerance = checkedWebhookTolerance(options.webhookToleranceSeconds, problems);
  if (problems.length > 0) throw new Error(`WeChat Pay provider options are invalid: ${problems.join('; ')}`);
  return {
    mchId: options.mchId, appId: options.appId, merchantSerial: options.merchantSerial, merchantKey: merchantKey!, platformKeys,
    apiV3Key: Buffer.from(options.apiV3Key, 'utf8'), notifyUrl, mode, apiBase, kztPerYuanTimes10000: rate, webhookToleranceSeconds: tolerance,
    timeoutMs: options.timeoutMs ?? 20_000, now: options.now ?? (() => new Date()), fetch: options.fetch ?? fetch,
  };
}

/**
 * WECHATPAY_MCH_ID, WECHATPAY_APP_ID, WECHATPAY_MERCHANT_SERIAL, WECHATPAY_MERCHANT_PRIVATE_KEY,
 * WECHATPAY_PLATFORM_KEY_ID + WECHATPAY_PLATFORM_PUBLIC_KEY, WECHATPAY_API_V3_KEY,
 * WECHATPAY_NOTIFY_URL, WECHATPAY_MODE, WECHATPAY_API_BASE, WECHATPAY_KZT_PER_YUAN,
 * WECHATPAY_WEBHOOK_TOLERANCE_SECONDS or PAYMENT_WEBHOOK_TOLERANCE_SECONDS.
 */
export function weChatPayOptionsFromEnv(env: Record<string, string | undefined>, now?: () => Date): WeChatPayProviderOptions {
  const pem = (value: string | undefined) => (value ?? '').replace(/\\n/g, '\n');
  return {
    mchId: env.WECHATPAY_MCH_ID ?? '', appId: env.WECHATPAY_APP_ID ?? '', merchantSerial: env.WECHATPAY_MERCHANT_SERIAL ?? '',
    merchantPrivateKey: pem(env.WECHATPAY_MERCHANT_PRIVATE_KEY),
    platformPublicKeys: env.WECHATPAY_PLATFORM_KEY_ID ? { [env.WECHATPAY_PLATFORM_KEY_ID]: pem(env.WECHATPAY_PLATFORM_PUBLIC_KEY) } : {},
    apiV3Key: env.WECHATPAY_API_V3_KEY ?? '', notifyUrl: env.WECHATPAY_NOTIFY_URL ?? '', mode: (env.WECHATPAY_MODE as 'native' | 'h5' | undefined) || undefined,
    apiBase: env.WECHATPAY_API_BASE || undefined, kztPerYuan: env.WECHATPAY_KZT_PER_YUAN || undefined, webhookToleranceSeconds: webhookToleranceFromEnv(env, 'WECHATPAY'), now,
  };
}
