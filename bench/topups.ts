import { randomUUID } from 'node:crypto';
import { load, type LoadFigures } from './support.ts';
import { wrkAvailable, wrkLoad } from './wrk.ts';

/** POST /v1/topups over HTTP: each request a fresh Idempotency-Key and a random line of the seeded set. */
export async function benchTopUps(baseUrl: string, apiKey: string, msisdns: string[], durationMs: number): Promise<LoadFigures> {
  if (wrkAvailable()) {
    return wrkLoad({
      baseUrl, method: 'POST', path: '/v1/topups', durationMs, msisdns, keyHeader: 'Idempotency-Key',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${apiKey}` },
      body: '{"msisdn":"{{msisdn}}","amount":50000,"currency":"KZT"}',
    });
  }
  return load({
    url: baseUrl,
    duration: Math.max(1, Math.round(durationMs / 1000)),
    requests: [{
      method: 'POST',
      path: '/v1/topups',
      setupRequest: (request) => {
        const msisdn = msisdns[Math.floor(Math.random() * msisdns.length)]!;
        return {
          ...request,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}`, 'idempotency-key': randomUUID() },
          body: JSON.stringify({ msisdn, amount: 50_000, currency: 'KZT' }),
        };
      },
    }],
  });
}

/** The same server's ceiling: an empty JSON POST route (no auth, no database). */
export async function benchEmptyPost(baseUrl: string, durationMs: number): Promise<LoadFigures> {
  if (wrkAvailable()) {
    return wrkLoad({ baseUrl, method: 'POST', path: '/_bench/noop', durationMs, msisdns: [], headers: { 'Content-Type': 'application/json' }, body: '{}' });
  }
  return load({
    url: `${baseUrl}/_bench/noop`, method: 'POST', duration: Math.max(1, Math.round(durationMs / 1000)),
    headers: { 'content-type': 'application/json' }, body: '{}',
  });
}
