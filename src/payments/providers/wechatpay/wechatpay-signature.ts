import { createDecipheriv, createSign, createVerify, randomBytes, type KeyObject } from 'node:crypto';

/** `Authorization` of an API v3 request: SHA256withRSA over `METHOD\nURL\nTIMESTAMP\nNONCE\nBODY\n`. */
export function authorizationOf(input: { method: string; url: string; body: string; mchId: string; serial: string; key: KeyObject; timestampSeconds: number; nonce?: string }): string {
  const nonce = input.nonce ?? randomBytes(16).toString('hex').toUpperCase();
  const message = `${input.method}\n${input.url}\n${input.timestampSeconds}\n${nonce}\n${input.body}\n`;
  const signature = createSign('RSA-SHA256').update(message, 'utf8').sign(input.key, 'base64');
  return `WECHATPAY2-SHA256-RSA2048 mchid="${input.mchId}",nonce_str="${nonce}",signature="${signature}",timestamp="${input.timestampSeconds}",serial_no="${input.serial}"`;
}

export interface SignedHeaders {
  timestamp: string;
  nonce: string;
  signature: string;
  serial: string;
}

export function signedHeadersOf(headers: Record<string, string | string[] | undefined> | Headers): SignedHeaders | null {
  const get = (name: string) => {
    const value = headers instanceof Headers ? headers.get(name) : headers[name];
    return typeof value === 'string' && value !== '' ? value : null;
  };
  const [timestamp, nonce, signature, serial] = ['wechatpay-timestamp', 'wechatpay-nonce', 'wechatpay-signature', 'wechatpay-serial'].map(get);
  return timestamp && nonce && signature && serial ? { timestamp, nonce, signature, serial } : null;
}

/** Answers and notifications: SHA256withRSA over `TIMESTAMP\nNONCE\nBODY\n` with the platform key named by the serial. */
export function platformSignatureValid(signed: SignedHeaders, body: string, keys: Map<string, KeyObject>): boolean {
  const key = keys.get(signed.serial);
  if (!key) return false;
  try {
    return createVerify('RSA-SHA256').update(`${signed.timestamp}\n${signed.nonce}\n${body}\n`, 'utf8').verify(key, signed.signature, 'base64');
  } catch {
    return false;
  }
}

/** A notification resource: AEAD_AES_256_GCM with the APIv3 key; the last 16 bytes of the ciphertext are the tag. */
export function decryptResource(resource: { ciphertext: string; nonce: string; associated_data?: string }, apiV3Key: Buffer): string | null {
  try {
    const data = Buffer.from(resource.ciphertext, 'base64');
    if (data.length < 17) return null;
    const decipher = createDecipheriv('aes-256-gcm', apiV3Key, Buffer.from(resource.nonce, 'utf8'));
    decipher.setAAD(Buffer.from(resource.associated_data ?? '', 'utf8'));
    decipher.setAuthTag(data.subarray(data.length - 16));
    return Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]).toString('utf8');
  } catch {
    return null;
  }
}
