import { createSign, createVerify, type KeyObject } from 'node:crypto';

/** The string a request is signed over: parameters sorted by name, empty ones and the excluded ones left out, `k=v` joined by `&`. */
export function signingStringOf(params: Record<string, string | undefined>, exclude: readonly string[]): string {
  return Object.keys(params).filter((k) => !exclude.includes(k) && params[k] !== undefined && params[k] !== '').sort().map((k) => `${k}=${params[k]}`).join('&');
}

/**
 * The string Alipay signs a notification over: every parameter it sent but `sign` and `sign_type`,
 * sorted, an empty one kept as `key=` (its SDKs' rsaCheckV1 / getSignCheckContentV1 leave none out;
 * left out here, a notification with an empty field was refused as forged on every retry).
 */
export function notificationSigningStringOf(params: Record<string, string>): string {
  return Object.keys(params).filter((k) => k !== 'sign' && k !== 'sign_type').sort().map((k) => `${k}=${params[k]}`).join('&');
}

/** RSA2 = SHA256withRSA, base64. */
export function rsa2Sign(text: string, key: KeyObject): string {
  return createSign('RSA-SHA256').update(text, 'utf8').sign(key, 'base64');
}

export function rsa2Verify(text: string, signature: string, key: KeyObject): boolean {
  try {
    return createVerify('RSA-SHA256').update(text, 'utf8').verify(key, signature, 'base64');
  } catch {
    return false;
  }
}

/** yyyy-MM-dd HH:mm:ss in Beijing time (UTC+8), the format of Alipay's timestamps. */
export function beijingTimeOf(at: Date): string {
  return new Date(at.getTime() + 8 * 3_600_000).toISOString().replace('T', ' ').slice(0, 19);
}

export function parseBeijingTime(text: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/.test(text)) return null;
  const ms = Date.parse(`${text.replace(' ', 'T')}+08:00`);
  return Number.isFinite(ms) ? ms : null;
}

/**
 * The signed part of a gateway answer is the exact text of `<method>_response`'s value, so it is
 * cut out of the raw body rather than re-serialised.
 */
export function signedResponseOf(rawBody: string, method: string): { content: string; sign: string } | null {
  const key = `"${method.replace(/\./g, '_')}_response":`;
  const start = rawBody.indexOf(key);
  const signAt = rawBody.lastIndexOf(',"sign":"');
  if (start < 0 || signAt < start) return null;
  const sign = /,"sign":"([^"]+)"/.exec(rawBody.slice(signAt))?.[1];
  return sign ? { content: rawBody.slice(start + key.length, signAt), sign } : null;
}
