import { randomBytes, randomUUID } from 'node:crypto';
import type { ExtraBench } from './extra.ts';

/**
 * Card top-ups end to end through the sandbox provider, over HTTP: create a payment, post the
 * hosted checkout form with an approving test card, the sandbox sends signed webhooks, Tolem
 * processes them and credits the line; the clock stops when the client sees `succeeded`.
 * The server must run with the velocity limits raised (one IP drives everything):
 *   PAYMENT_PER_IP_MAX=100000000 PAYMENT_PER_LINE_MAX=100000000 npm run bench
 */
const CONCURRENCY_MAX = 32;
const AMOUNT = 50_000; // 500 ₸: 600 per line per day under the default daily limit
const SETTLE_TIMEOUT_MS = 10_000;
const POLL_INTERVAL_MS = 25;

export interface CardTopUpFigures {
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

export async function benchCardTopUps(baseUrl: string, apiKey: string, durationMs: number, msisdns: string[]): Promise<CardTopUpFigures> {
  if (msisdns.length === 0) throw new Error('benchCardTopUps needs at least one line');
  void apiKey; // Creating and reading payments needs no key: the payer's client secret is enough.
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  const worker = async () => {
    while (performance.now() < deadline) {
      const msisdn = msisdns[next++ % msisdns.length]!;
      const begin = performance.now();
      try {
        if (await oneCardTopUp(baseUrl, msisdn)) latencies.push(performance.now() - begin);
        else errors++;
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY_MAX, msisdns.length) }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const at = (q: number) => (latencies.length === 0 ? NaN : latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!);
  return { perSecond: latencies.length / seconds, p50Ms: at(0.5), p99Ms: at(0.99), errors };
}

async function oneCardTopUp(baseUrl: string, msisdn: string): Promise<boolean> {
  const created = await fetch(`${baseUrl}/v1/payments`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'idempotency-key': randomUUID() },
    body: JSON.stringify({ msisdn, amount: AMOUNT, currency: 'KZT', purpose: 'topup', provider: 'sandbox' }),
  });
  const payment = await created.json() as { id: string; redirectUrl: string; clientSecret: string; error?: { code: string } };
  if (created.status === 429) throw new VelocityLimited();
  if (created.status !== 201) return false;
  const checkout = new URL(payment.redirectUrl);
  const paid = await fetch(`${baseUrl}${checkout.pathname}${checkout.search}`, {
    method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, redirect: 'manual',
    body: new URLSearchParams({ cardNumber: approvingCardNumber(), expiry: '12/34', cvc: '123', action: 'pay' }).toString(),
  });
  await paid.arrayBuffer();
  if (paid.status !== 200) return false;
  const until = performance.now() + SETTLE_TIMEOUT_MS;
  while (performance.now() < until) {
    const read = await fetch(`${baseUrl}/v1/payments/${payment.id}`, { headers: { 'x-payment-client-secret': payment.clientSecret } });
    const current = await read.json() as { status: string };
    if (current.status === 'succeeded') return true;
    if (current.status === 'failed' || current.status === 'expired' || current.status === 'canceled') return false;
    await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
  }
  return false;
}

class VelocityLimited extends Error {
  constructor() {
    super('payment_velocity_exceeded: run the server with PAYMENT_PER_IP_MAX and PAYMENT_PER_LINE_MAX raised');
  }
}

/** A fresh Luhn-valid Visa test number per payment (any such number approves at the sandbox). */
function approvingCardNumber(): string {
  const body = '4' + [...randomBytes(14)].map((b) => String(b % 10)).join('');
  let sum = 0;
  for (let index = 0; index < body.length; index++) {
    let digit = Number(body[body.length - 1 - index]);
    if (index % 2 === 0) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
  }
  return body + String((10 - (sum % 10)) % 10);
}

/** For bench/extra.ts: skipped with the reason when the server's velocity limits were not raised. */
export const cardTopUpsBench: ExtraBench = {
  name: 'card top-ups (sandbox, end to end)',
  async run({ baseUrl, apiKey, msisdns, durationMs }) {
    const probe = await fetch(`${baseUrl}/v1/payments/confirm-line?msisdn=${encodeURIComponent(msisdns[0]!)}`);
    if (probe.status === 429) throw new VelocityLimited();
    const figures = await benchCardTopUps(baseUrl, apiKey, durationMs, msisdns);
    if (figures.perSecond === 0) throw new Error(`no card top-up completed (${figures.errors} errors); ${new VelocityLimited().message}`);
    return { ...figures, non2xx: 0 };
  },
};
