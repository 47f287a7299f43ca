import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Webhook signatures as Stripe makes them: header `t=<unix seconds>,v1=<hex HMAC-SHA256 of
 * "<t>.<raw body>">`. Verifying checks the signature in constant time, then the timestamp's age.
 */
export const SANDBOX_SIGNATURE_HEADER = 'tolem-sandbox-signature';

export function signPayload(secret: string, timestampSeconds: number, body: string): string {
  const signature = createHmac('sha256', secret).update(`${timestampSeconds}.${body}`).digest('hex');
  return `t=${timestampSeconds},v1=${signature}`;
}

export type SignatureCheck = 'ok' | 'webhook_signature_invalid' | 'webhook_timestamp_stale';

export function verifySignature(secret: string, header: string | undefined, body: string, now: Date, toleranceSeconds: number): SignatureCheck {
  if (!header || header.length > 1000) return 'webhook_signature_invalid';
  const parts = new Map<string, string[]>();
  for (const piece of header.split(',')) {
    const [key, value] = piece.split('=', 2);
    if (!key || !value) continue;
    parts.set(key.trim(), [...(parts.get(key.trim()) ?? []), value.trim()]);
  }
  const timestamp = Number(parts.get('t')?.[0]);
  if (!Number.isSafeInteger(timestamp)) return 'webhook_signature_invalid';
  const expected = Buffer.from(createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex'));
  const matches = (parts.get('v1') ?? []).some((candidate) => {
    const given = Buffer.from(candidate);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  if (!matches) return 'webhook_signature_invalid';
  if (Math.abs(now.getTime() / 1000 - timestamp) > toleranceSeconds) return 'webhook_timestamp_stale';
  return 'ok';
}
