import { randomUUID } from 'node:crypto';
import type { ExtraBench } from './extra.ts';

/**
 * POST /v1/usage over HTTP: batches of 1,000 events (data, voice and SMS in turn) for random
 * lines of the set, with a few requests in flight at once. `apiKey` needs role admin or network.
 * When `msisdns` is not given it creates its own lines (POST /v1/lines, an admin key) and tops
 * them up, so that pay-as-you-go has money to take; events are rated against whatever buckets
 * the lines hold, then pay-as-you-go, then reported uncovered — every path costs about the same.
 *
 * Event ids come in two kinds. `node`: as a network's charging nodes make them, a Diameter
 * Session-Id (RFC 6733 §8.8: `<host>;<high 32 bits>;<low 32 bits>`) whose low part counts up, one
 * node per request in flight; CDR record sequence numbers are ordered the same way. `uuid`: random
 * UUIDs, the worst case, since each event's id then lands on its own page of the id index and every
 * event writes a page of its own to the WAL (~5 KB of disk per event against ~0.4 KB).
 */
export interface UsageFigures {
  eventsPerSecond: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
}

const EVENTS_PER_REQUEST = 1_000;
/**
 * Requests in flight: a network has many charging nodes reporting at once. Measured on 2 cores:
 * 4 → about 24,000 events/s, 8 → 27,000, 16 → 31,000–35,000, 32 → no more (longer queues only).
 */
const REQUESTS_IN_FLIGHT = Number(process.env.BENCH_USAGE_IN_FLIGHT ?? 16);
/** Enough bodies for 60,000 events/s over a 10-second measurement (about 150 KB each). */
const BODIES_PREBUILT = 600;
const OWN_LINES = 200;
const SERVICES = [['data', 65_536], ['voice', 60], ['sms', 1]] as const;

export type EventIds = 'node' | 'uuid';

export async function benchUsage(baseUrl: string, apiKey: string, durationMs: number, msisdns?: string[], ids: EventIds = 'node'): Promise<UsageFigures> {
  const lines = msisdns && msisdns.length > 0 ? msisdns : await createLines(baseUrl, apiKey, OWN_LINES);
  // The bodies are built before the clock starts (each event with its own id), so that
  // the figure is the server's and not this client's JSON building; should the server outrun
  // them, the rest are built as the requests go.
  const nextId = ids === 'uuid' ? randomUUID : chargingNodes(REQUESTS_IN_FLIGHT);
  const bodies = Array.from({ length: BODIES_PREBUILT }, () => usageBody(lines, nextId));
  const latencies: number[] = [];
  let events = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + durationMs;
  let taken = 0;
  const worker = async () => {
    while (performance.now() < deadline) {
      // In the order they were built, so that each node's ids go out counting up.
      const body = taken < bodies.length ? bodies[taken++]! : usageBody(lines, nextId);
      const sent = performance.now();
      try {
        const response = await post(baseUrl, apiKey, '/v1/usage', body);
        latencies.push(performance.now() - sent);
        if (response.status === 200) events += (await response.json() as { recorded: number }).recorded;
        else {
          errors++;
          await response.arrayBuffer();
        }
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: REQUESTS_IN_FLIGHT }, worker));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const percentile = (p: number) => latencies.length === 0 ? NaN : latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))]!;
  return { eventsPerSecond: events / seconds, requestsPerSecond: latencies.length / seconds, p50Ms: percentile(0.5), p99Ms: percentile(0.99), errors };
}

/**
 * Session ids of `count` charging nodes (`pgw1.bench.tolem.kz;<start>;<n>`), taken in turn, a
 * request's worth of events from each: the ids a request carries are one node's, counting up.
 */
function chargingNodes(count: number): () => string {
  const high = Math.floor(Date.now() / 1000);
  const next = new Array<number>(count).fill(0);
  let taken = 0;
  return () => {
    const node = Math.floor(taken++ / EVENTS_PER_REQUEST) % count;
    return `pgw${node + 1}.bench.tolem.kz;${high};${next[node]!++}`;
  };
}

/** One request's JSON: EVENTS_PER_REQUEST events (data, voice and SMS in turn), random lines. */
function usageBody(lines: readonly string[], nextId: () => string): string {
  const at = new Date().toISOString();
  return JSON.stringify({
    events: Array.from({ length: EVENTS_PER_REQUEST }, (_, i) => {
      const [service, units] = SERVICES[i % SERVICES.length]!;
      return { id: nextId(), msisdn: lines[Math.floor(Math.random() * lines.length)]!, service, units, at };
    }),
  });
}

async function createLines(baseUrl: string, apiKey: string, count: number): Promise<string[]> {
  const prefix = 7_000_000 + Math.floor(Math.random() * 2_000_000);
  const msisdns = Array.from({ length: count }, (_, i) => `+77015${String(prefix + i).padStart(7, '0').slice(-6)}`);
  const unique = [...new Set(msisdns)];
  for (const msisdn of unique) {
    const created = await post(baseUrl, apiKey, '/v1/lines', { msisdn });
    await created.arrayBuffer();
    const topUp = await post(baseUrl, apiKey, '/v1/topups', { msisdn, amount: 5_000_000, currency: 'KZT' }, { 'idempotency-key': randomUUID() });
    await topUp.arrayBuffer();
  }
  return unique;
}

function post(baseUrl: string, apiKey: string, path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${baseUrl}${path}`, {
    method: 'POST', body: typeof body === 'string' ? body : JSON.stringify(body),
    headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}`, ...headers },
  });
}

/** The `npm run bench` entries: events per second against the seeded lines (perSecond counts events). */
function usageBenchOf(name: string, ids: EventIds): ExtraBench {
  return {
    name,
    unit: 'events/s',
    async run({ baseUrl, apiKey, msisdns, durationMs }) {
      const figures = await benchUsage(baseUrl, apiKey, durationMs, msisdns, ids);
      return { perSecond: figures.eventsPerSecond, p50Ms: figures.p50Ms, p99Ms: figures.p99Ms, errors: figures.errors, non2xx: 0 };
    },
  };
}

export const usageBench = usageBenchOf('usage events (1,000/request)', 'node');
export const usageRandomIdsBench = usageBenchOf('usage events, random UUID ids', 'uuid');
