import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { checkedWebhookTolerance, rateTimes10000, webhookToleranceFromEnv } from '../payment-provider.ts';

/**
 * Options of the Alipay adapter (open platform, RSA2 keys). Alipay trades in CNY; a tenge price
 * is converted inside the adapter at `kztPerYuan`, which is required for KZT payments.
 */
export interface AlipayProviderOptions {
  appId: string;
  /** The merchant application's RSA private key (PEM, PKCS#8 or PKCS#1). */
  appPrivateKey: string;
  /** Alipay's public key from the open-platform console (PEM). */
  alipayPublicKey: string;
  /** Where Alipay posts async notifications: Tolem's webhook URL for this provider. */
  notifyUrl: string;
  /** https://openapi.alipay.com/gateway.do (live), the sandbox gateway, or a local fake. */
  gatewayUrl?: string;
  /** page: alipay.trade.page.pay (desktop); wap: alipay.trade.wap.pay (mobile browser). */
  mode?: 'page' | 'wap';
  /** Tenge per yuan, a decimal string such as "68.50". */
  kztPerYuan?: string;
  webhookToleranceSeconds?: number;
  timeoutMs?: number;
  now?: () => Date;
  fetch?: typeof fetch;
}

export interface ValidatedAlipayOptions {
  appId: string;
  privateKey: KeyObject;
  alipayKey: KeyObject;
  notifyUrl: string;
  gatewayUrl: string;
  mode: 'page' | 'wap';
  /** Tenge per yuan × 10 000, an integer. */
  kztPerYuanTimes10000: bigint | null;
  webhookToleranceSeconds: number;
  timeoutMs: number;
  now: () => Date;
  fetch: typeof fetch;
}

function httpUrl(value: string | undefined, allowLocalHttp: boolean): string | null {
  try {
    const url = new URL(value ?? '');
    if (url.protocol === 'https:' || (allowLocalHttp && url.protocol === 'http:' && ['127.0.0.1', 'localhost'].includes(url.hostname))) return url.toString();
  } catch { /* reported below */ }
  return null;
}

export function validateAlipayOptions(options: AlipayProviderOptions): ValidatedAlipayOptions {
  const problems: string[] = [];
  if (!/^\d{10,20}$/.test(options.appId ?? '')) problems.push('appId must be the numeric Alipay application id');
  let privateKey: KeyObject | null = null;
  let alipayKey: KeyObject | null = null;
  try {
    privateKey = createPrivateKey(options.appPrivateKey);
    if (privateKey.asymmetricKeyType !== 'rsa') throw new Error('not RSA');
  } catch {
    problems.push('appPrivateKey must be an RSA private key in PEM');
  }
  try {
    alipayKey = createPublicKey(options.alipayPublicKey);
    if (alipayKey.asymmetricKeyType !== 'rsa') throw new Error('not RSA');
  } catch {
    problems.push('alipayPublicKey must be Alipay\'s RSA public key in PEM');
  }
  const gatewayUrl = httpUrl(options.gatewayUrl ?? 'https://openapi.alipay.com/gateway.do', true);
  if (!gatewayUrl) problems.push('gatewayUrl must be an https URL (http only for localhost)');
  const notifyUrl = httpUrl(options.notifyUrl, true);
  if (!notifyUrl) problems.push('notifyUrl must be an https URL Alipay can reach');
  const mode = options.mode ?? 'page';
  if (mode !== 'page' && mode !== 'wap') problems.push('mode must be page or wap');
  const rate = options.kztPerYuan === undefined ? null : rateTimes10000(options.kztPerYuan, 6, 'kztPerYuan', '68.50', problems);
  const tolerance = checkedWebhookTolerance(options.webhookToleranceSeconds, problems);
  if (problems.length > 0) throw new Error(`Alipay provider options are invalid: ${problems.join('; ')}`);
  return {
    appId: options.appId, privateKey: privateKey!, alipayKey: alipayKey!, notifyUrl: notifyUrl!, gatewayUrl: gatewayUrl!, mode, kztPerYuanTimes10000: rate,
    webhookToleranceSeconds: tolerance, timeoutMs: options.timeoutMs ?? 20_000, now: options.now ?? (() => new Date()), fetch: options.fetch ?? fetch,
  };
}

/** ALIPAY_APP_ID, ALIPAY_APP_PRIVATE_KEY, ALIPAY_PUBLIC_KEY, ALIPAY_NOTIFY_URL, ALIPAY_GATEWAY_URL, ALIPAY_MODE, ALIPAY_KZT_PER_YUAN, ALIPAY_WEBHOOK_TOLERANCE_SECONDS or PAYMENT_WEBHOOK_TOLERANCE_SECONDS. */
export function alipayOptionsFromEnv(env: Record<string, string | undefined>, now?: () => Date): AlipayProviderOptions {
  return {
    appId: env.ALIPAY_APP_ID ?? '', appPrivateKey: (env.ALIPAY_APP_PRIVATE_KEY ?? '').replace(/\\n/g, '\n'), alipayPublicKey: (env.ALIPAY_PUBLIC_KEY ?? '').replace(/\\n/g, '\n'),
    notifyUrl: env.ALIPAY_NOTIFY_URL ?? '', gatewayUrl: env.ALIPAY_GATEWAY_URL || undefined, mode: (env.ALIPAY_MODE as 'page' | 'wap' | undefined) || undefined,
    kztPerYuan: env.ALIPAY_KZT_PER_YUAN || undefined, webhookToleranceSeconds: webhookToleranceFromEnv(env, 'ALIPAY'), now,
  };
}
