import type { ValidatedPayPalOptions } from './paypal-options.ts';

export type PayPalAnswer = { ok: true; status: number; body: any } | { ok: false; code: string; status?: number; message?: string };

/** A request body already written as JSON, sent as it is. */
export class RawJson {
  constructor(readonly text: string) {}
}

/** Seconds before expiry at which a cached access token is renewed. */
const TOKEN_RENEW_MARGIN_SECONDS = 120;

/** OAuth2 client-credentials tokens, cached until shortly before they expire, and JSON calls with them. */
export function payPalClient(settings: ValidatedPayPalOptions) {
  let token: { value: string; expiresAtMs: number } | null = null;

  async function send(method: string, path: string, headers: Record<string, string>, body: string | undefined): Promise<PayPalAnswer> {
    try {
      const response = await settings.fetch(`${settings.apiBase}${path}`, { method, headers, body, signal: AbortSignal.timeout(settings.timeoutMs) });
      const text = await response.text();
      let parsed: unknown = undefined;
      try { parsed = text ? JSON.parse(text) : {}; } catch { parsed = undefined; }
      if (response.status >= 500 || response.status === 429) return { ok: false, code: 'provider_unreachable', status: response.status };
      if (response.status === 404) return { ok: false, code: 'not_found', status: 404 };
      if (response.status >= 400 || parsed === undefined) {
        const issue = (parsed as { details?: { issue?: string }[] })?.details?.[0]?.issue;
        return { ok: false, code: 'provider_rejected', status: response.status, message: issue ?? text.slice(0, 200) };
      }
      return { ok: true, status: response.status, body: parsed };
    } catch (error) {
      return { ok: false, code: 'provider_unreachable', message: (error as Error).message };
    }
  }

  async function accessToken(): Promise<PayPalAnswer & { token?: string }> {
    const nowMs = Date.now();
    if (token && token.expiresAtMs > nowMs) return { ok: true, status: 200, body: null, token: token.value };
    const basic = Buffer.from(`${settings.clientId}:${settings.clientSecret}`).toString('base64');
    const answer = await send('POST', '/v1/oauth2/token', { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, 'grant_type=client_credentials');
    if (!answer.ok) return answer.code === 'provider_rejected' ? { ...answer, code: 'provider_credentials_invalid' } : answer;
    const expiresIn = Number(answer.body.expires_in ?? 0);
    token = { value: String(answer.body.access_token), expiresAtMs: nowMs + Math.max(0, expiresIn - TOKEN_RENEW_MARGIN_SECONDS) * 1000 };
    return { ...answer, token: token.value };
  }

  return {
    /** `body` is sent as JSON; a `RawJson` as the exact text it holds (a webhook's body, verified over its bytes). */
    async call(method: string, path: string, body?: unknown, requestId?: string): Promise<PayPalAnswer> {
      const auth = await accessToken();
      if (!auth.ok) return auth;
      const headers: Record<string, string> = { authorization: `Bearer ${auth.token}`, 'content-type': 'application/json', accept: 'application/json', prefer: 'return=representation' };
      if (requestId) headers['paypal-request-id'] = requestId;
      const text = body === undefined ? undefined : body instanceof RawJson ? body.text : JSON.stringify(body);
      const answer = await send(method, path, headers, text);
      // A token revoked early: forget it once and retry with a fresh one.
      if (!answer.ok && answer.status === 401) {
        token = null;
        const again = await accessToken();
        if (!again.ok) return again;
        return send(method, path, { ...headers, authorization: `Bearer ${again.token}` }, text);
      }
      return answer;
    },
  };
}
