/**
 * Aggregator `pay` over HTTP at concurrency 64: every request is a new txn_id (form POST to
 * /aggregators/<code>/osmp with HTTP Basic), so each one is a real credit through the ledger
 * writer. A request counts as an error when it is not HTTP 200 with <result>0</result>.
 *
 * Each pay is 500.00 ₸ and the lines are used round-robin; a line takes at most 600 such pays
 * a day (TOPUP_LINE_DAILY_MAX_KZT 300,000), so give at least perSecond × seconds / 600 numbers.
 */
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { spawnSync } from 'node:child_process';
import type { ExtraBench } from './extra.ts';
import { wrkAvailable, wrkLoad } from './wrk.ts';

export interface AggregatorPayFigures {
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

const CONNECTIONS = 64;
const SUM = '500.00';

export async function benchAggregatorPay(baseUrl: string, aggregatorCode: string, secret: string, msisdns: string[], durationMs: number): Promise<AggregatorPayFigures> {
  if (msisdns.length === 0) throw new Error('benchAggregatorPay needs at least one number');
  // A run prefix keeps txn_ids unique across runs against the same database.
  const run = randomBytes(4).toString('hex');
  let sequence = 0;
  let refused = 0;
  const authorization = `Basic ${Buffer.from(`${aggregatorCode}:${secret}`).toString('base64')}`;
  const txnDate = new Date(Date.now() + 5 * 3_600_000).toISOString().replace(/\D/g, '').slice(0, 14);
  if (wrkAvailable()) {
    const figures = await wrkLoad({
      baseUrl, method: 'POST', path: `/aggregators/${encodeURIComponent(aggregatorCode)}/osmp`, durationMs, msisdns: msisdns.map(encodeURIComponent), bodyMustContain: '<result>0</result>',
      headers: { Authorization: authorization, 'Content-Type': 'application/x-www-form-urlencoded' },
      body: `command=pay&txn_id={{key}}&txn_date=${txnDate}&account={{msisdn}}&sum=${SUM}`,
    });
    return { perSecond: figures.perSecond, p50Ms: figures.p50Ms, p99Ms: figures.p99Ms, errors: figures.errors + figures.non2xx };
  }
  const result = await autocannon({
    url: baseUrl,
    connections: CONNECTIONS,
    pipelining: 1,
    duration: Math.max(1, Math.round(durationMs / 1000)),
    requests: [{
      method: 'POST',
      path: `/aggregators/${encodeURIComponent(aggregatorCode)}/osmp`,
      setupRequest: (request) => {
        const index = sequence++;
        const account = msisdns[index % msisdns.length]!;
        const body = new URLSearchParams({ command: 'pay', txn_id: `${run}-${index}`, txn_date: txnDate, account, sum: SUM }).toString();
        return { ...request, headers: { ...request.headers, authorization, 'content-type': 'application/x-www-form-urlencoded' }, body };
      },
      onResponse: (status, body) => {
        if (status !== 200 || !body.includes('<result>0</result>')) refused++;
      },
    }],
  });
  return {
    perSecond: result['2xx'] / (result.duration || 1),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts + refused,
  };
}

/** For bench/run.ts's EXTRA_BENCHES: creates an aggregator with the CLI, then measures pays. */
export const aggregatorPayBench: ExtraBench = {
  name: 'aggregator pay (OSMP)',
  async run({ baseUrl, msisdns, durationMs, databaseUrl }) {
    const code = `bench${randomBytes(3).toString('hex')}`;
    // base64url may begin with '-': given as --password=… so that it is never read as an option.
    const secret = randomBytes(12).toString('base64url');
    const created = spawnSync(process.execPath, ['bin/tolem.js', 'aggregator', 'create', code, `--password=${secret}`], { env: { ...process.env, DATABASE_URL: databaseUrl }, encoding: 'utf8' });
    if (created.status !== 0) throw new Error(`aggregator create failed: ${created.stderr}`);
    const figures = await benchAggregatorPay(baseUrl, code, secret, msisdns, durationMs);
    return { ...figures, non2xx: 0 };
  },
};
