import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Partner webhooks are signed like Stripe's: header `Tolem-Signature: t=<unix seconds>,v1=<hex>`
 * where v1 = HMAC-SHA256(secret, `${t}.${body}`). A receiver recomputes it over the raw body and
 * refuses timestamps older than a few minutes (replays).
 */
export function signWebhook(secret: string, timestampSeconds: number, body: string): string {
  return `t=${timestampSeconds},v1=${createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex')}`;
}

export function verifyWebhookSignature(secret: string, header: string, body: string, nowSeconds: number, toleranceSeconds = 300): boolean {
  const parts = Object.fromEntries(header.split(',').map((part) => part.split('=', 2) as [string, string]));
  const timestamp = Number(parts.t);
  // 64 hex digits exactly: Buffer.from(…, 'hex') stops quietly at the first other character.
  if (!Number.isSafeInteger(timestamp) || Math.abs(nowSeconds - timestamp) > toleranceSeconds || !/^[0-9a-f]{64}$/i.test(parts.v1 ?? '')) return false;
  const expected = Buffer.from(signWebhook(secret, timestamp, body).split('v1=')[1]!, 'hex');
  const given = Buffer.from(parts.v1!, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
