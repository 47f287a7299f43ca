import { randomUUID } from 'node:crypto';
import type { ExtraBench } from './extra.ts';
import { load } from './support.ts';
import { wrkAvailable, wrkLoad } from './wrk.ts';

/** Lines the purchase benchmark spreads its load over (created and funded through the API). */
export const PURCHASE_BENCH_LINES = 200;
const BENCH_OFFERING = 'BENCH_1MB_1D';

/**
 * POST /v1/purchases over HTTP at concurrency 64: each request a fresh Idempotency-Key, a random
 * funded line and a 1 ₸ offering, so that every purchase is a full ledger command (money to
 * revenue, a new bucket, a receipt, package rows, an outbox event). Sets up its own offering and
 * lines through the API; `apiKey` must be an admin key.
 */
export async function benchPurchases(baseUrl: string, apiKey: string, durationMs: number): Promise<{ perSecond: number; p50Ms: number; p99Ms: number; errors: number }> {
  const msisdns = await prepare(baseUrl, apiKey);
  if (wrkAvailable()) {
    const figures = await wrkLoad({
      baseUrl, method: 'POST', path: '/v1/purchases', durationMs, msisdns, keyHeader: 'Idempotency-Key',
      headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${apiKey}` },
      body: `{"msisdn":"{{msisdn}}","offering":"${BENCH_OFFERING}"}`,
    });
    return { perSecond: figures.perSecond, p50Ms: figures.p50Ms, p99Ms: figures.p99Ms, errors: figures.errors + figures.non2xx };
  }
  const figures = await load({
    url: baseUrl,
    connections: 64,
    duration: Math.max(1, Math.round(durationMs / 1000)),
    requests: [{
      method: 'POST',
      path: '/v1/purchases',
      setupRequest: (request) => ({
        ...request,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}`, 'idempotency-key': randomUUID() },
        body: JSON.stringify({ msisdn: msisdns[Math.floor(Math.random() * msisdns.length)]!, offering: BENCH_OFFERING }),
      }),
    }],
  });
  return { perSecond: figures.perSecond, p50Ms: figures.p50Ms, p99Ms: figures.p99Ms, errors: figures.errors + figures.non2xx };
}

async function prepare(baseUrl: string, apiKey: string): Promise<string[]> {
  const post = (path: string, body: unknown) => fetch(`${baseUrl}${path}`, {
    method: 'POST', body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}`, 'idempotency-key': randomUUID() },
  });
  const offering = await post('/v1/admin/offerings', {
    code: BENCH_OFFERING, kind: 'data', price: 100, validityDays: 1, allowances: { dataMb: 1 },
    names: { en: 'Bench 1 MB', ru: 'Тест 1 МБ', kk: 'Сынақ 1 МБ', zh: '测试 1 MB' },
  });
  if (offering.status !== 201 && offering.status !== 409) throw new Error(`bench offering: ${offering.status} ${await offering.text()}`);
  const msisdns = Array.from({ length: PURCHASE_BENCH_LINES }, (_, i) => `+7702${String(1_000_000 + i).padStart(7, '0')}`);
  for (let start = 0; start < msisdns.length; start += 20) {
    await Promise.all(msisdns.slice(start, start + 20).map(async (msisdn) => {
      const line = await post('/v1/lines', { msisdn });
      if (line.status !== 201 && line.status !== 409) throw new Error(`bench line: ${line.status} ${await line.text()}`);
      // 100,000 ₸ funds 100,000 purchases of 1 ₸; a refusal (daily limit on a rerun) leaves earlier money in place.
      await post('/v1/topups', { msisdn, amount: 10_000_000, currency: 'KZT' });
    }));
  }
  return msisdns;
}

/** For bench/run.ts's EXTRA_BENCHES. */
export const purchasesBench: ExtraBench = {
  name: 'package purchases',
  async run({ baseUrl, apiKey, durationMs }) {
    const figures = await benchPurchases(baseUrl, apiKey, durationMs);
    return { ...figures, non2xx: 0 };
  },
};
