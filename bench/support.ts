import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import pg from 'pg';
import { lineAccountSpecs } from '../src/ledger/accounts.ts';
import { ensureAccounts } from '../src/ledger/ensure-system-accounts.ts';
import { systemClock } from '../src/platform/clock.ts';
import { createIdGenerator } from '../src/platform/ids.ts';
import { migrateToLatest, openStore } from '../src/store/open-store.ts';
import type { Database } from '../src/store/schema.ts';

/** Shared pieces of the benchmarks: seeding, a server in its own process, load, figures. */
export interface LoadFigures {
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
}

export const msisdnOf = (index: number) => `+7701${String(1_000_000 + index).padStart(7, '0')}`;

/** Writes `count` lines with their accounts straight into the database (bulk, not through the API). */
export async function seedLines(url: string, count: number): Promise<string[]> {
  const store = await openStore(url);
  await migrateToLatest(store);
  await ensureAccounts(store);
  const now = new Date().toISOString();
  const msisdns: string[] = [];
  // Active lines, as an operator's are: each with a validity end somewhere in the next 30 days.
  const validUntilOf = (index: number) => new Date(Date.parse(now) + (index % 720 + 1) * 3_600_000).toISOString();
  // Ids as the product makes them (they carry their creation time: usage checks an event's time against it).
  const ids = createIdGenerator(systemClock);
  const chunk = 500;
  for (let start = 0; start < count; start += chunk) {
    const lines: Database['lines'][] = [];
    for (let index = start; index < Math.min(count, start + chunk); index++) {
      const msisdn = msisdnOf(index);
      msisdns.push(msisdn);
      lines.push({
        id: ids.next('ln'), msisdn, iccid: null, status: 'active', valid_until: validUntilOf(index), indexed_valid_until: validUntilOf(index), language: 'en', operator: 'Kcell',
        owner_name: null, daily_topup_date: null, daily_topup_amount: 0n, first_topup_at: null, last_topup_at: null, status_changed_at: now, barred_at: null, created_at: now, updated_at: now,
      });
    }
    await store.db.transaction().execute(async (trx) => {
      await trx.insertInto('lines').values(lines).execute();
      await trx.insertInto('ledger_accounts').values(lines.flatMap((line) => lineAccountSpecs(line.id).map((spec) => ({
        id: spec.id, unit: spec.unit, kind: spec.kind, owner_id: spec.ownerId ?? null, flags: spec.flags ?? 0n, debits_posted: 0n,
        credits_posted: 0n, debits_pending: 0n, credits_pending: 0n, expires_at: null, metadata: null, created_at: now,
      })))).execute();
    });
  }
  await store.close();
  return msisdns;
}

export function cli(env: Record<string, string>, args: string[]): string {
  const result = spawnSync(process.execPath, ['bin/tolem.js', ...args], { env: { ...process.env, ...env }, encoding: 'utf8' });
  if (result.status !== 0 && args[0] !== 'ledger') throw new Error(`tolem ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

export interface RunningServer {
  baseUrl: string;
  child: ChildProcess;
  peakRssMb(): number;
  stop(): Promise<void>;
}

export async function startServer(env: Record<string, string>, port: number): Promise<RunningServer> {
  // Node's flags as `npm start` passes them (bin/tolem.js says why), then SERVER_ARGS.
  const child = spawn(process.execPath, ['--max-semi-space-size=64', ...(process.env.SERVER_ARGS ? process.env.SERVER_ARGS.split(' ') : []), 'bin/tolem.js', 'serve'], {
    env: {
      ...process.env, ...env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'warn', TOLEM_SEED_DEMO: 'false', TOLEM_BENCH_ROUTES: 'true',
      // One load generator on one address is not a fraud pattern here; jobs would only add noise.
      PAYMENT_PER_IP_MAX: '1000000000', PAYMENT_PER_LINE_MAX: '1000000000', PAYMENT_PER_PAYER_MAX: '1000000000', JOBS_ENABLED: 'false',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 600; attempt++) {
    try {
      if ((await fetch(`${baseUrl}/healthz`)).ok) break;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  return {
    baseUrl, child,
    peakRssMb() {
      const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
      return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
    },
    async stop() {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    },
  };
}

export async function load(options: autocannon.Options): Promise<LoadFigures> {
  const result = await autocannon({ connections: 64, pipelining: 1, ...options });
  const ok = result['2xx'];
  return {
    perSecond: ok / (result.duration || 1),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
  };
}

export async function meanBatchSize(baseUrl: string): Promise<number> {
  const text = await (await fetch(`${baseUrl}/metrics`)).text();
  const sum = Number(/^tolem_ledger_batch_size_sum (\S+)/m.exec(text)?.[1] ?? 0);
  const count = Number(/^tolem_ledger_batch_size_count (\S+)/m.exec(text)?.[1] ?? 0);
  return count === 0 ? 0 : sum / count;
}

/**
 * pgbench TPC-B (`-c 32`, scale 10) on a fresh database of its own, the PostgreSQL ceiling of this
 * machine: transactions/s, and the WAL its run wrote (not its set-up's).
 */
export async function pgbenchTps(adminUrl: string, seconds: number): Promise<{ tps: number; walBytes: number | null } | null> {
  if (spawnSync('which', ['pgbench']).status !== 0) return null;
  const name = `tolem_pgbench_${process.pid}`;
  const url = new URL(adminUrl);
  const psql = (sql: string) => spawnSync('psql', [adminUrl, '-qc', sql], { encoding: 'utf8' });
  psql(`drop database if exists ${name}`);
  psql(`create database ${name}`);
  url.pathname = `/${name}`;
  spawnSync('pgbench', ['-i', '-q', '-s', '10', url.toString()], { encoding: 'utf8' });
  const walWritten = await postgresWalMeter(adminUrl)();
  const run = spawnSync('pgbench', ['-c', '32', '-j', '2', '-T', String(seconds), '-n', url.toString()], { encoding: 'utf8' });
  const walBytes = await walWritten();
  psql(`drop database if exists ${name}`);
  const tps = /tps = ([\d.]+)/.exec(run.stdout)?.[1];
  return tps ? { tps: Number(tps), walBytes } : null;
}

/** Shares of the machine's CPU time (/proc/stat): running this machine's processes (`busy`), and taken by other tenants of the host (`steal`). */
export interface CpuShare {
  busy: number;
  steal: number;
  /** The server process's CPU time while measured (all threads, and its main thread). */
  server?: { totalMs: number; mainMs: number };
}

/** Starts a reading; the function it returns gives the shares since then (null where /proc/stat cannot be read). */
export function cpuMeter(): () => CpuShare | null {
  const read = () => {
    try {
      const fields = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1, 9).map(Number);
      return { total: fields.reduce((sum, value) => sum + value, 0), idle: fields[3]! + fields[4]!, steal: fields[7]! };
    } catch {
      return null;
    }
  };
  const start = read();
  return () => {
    const end = read();
    if (!start || !end || end.total === start.total) return null;
    const total = end.total - start.total;
    const steal = (end.steal - start.steal) / total;
    return { busy: 1 - (end.idle - start.idle) / total - steal, steal };
  };
}

/**
 * Bytes the database wrote to disk, from a starting reading: on SQLite the server process's own
 * writes (WAL frames and checkpoints: /proc/<pid>/io), on PostgreSQL the WAL it generated
 * (its insert position). Unlike requests/s these barely move with the machine's speed, so they compare
 * across machines; null where they cannot be read.
 */
export type DiskMeter = () => Promise<() => Promise<number | null>>;

export function processDiskMeter(pid: number | undefined): DiskMeter {
  return meterOf(async () => Number(/^write_bytes: (\d+)/m.exec(readFileSync(`/proc/${pid}/io`, 'utf8'))?.[1]));
}

export function postgresWalMeter(url: string): DiskMeter {
  return meterOf(async () => {
    const client = new pg.Client({ connectionString: url });
    try {
      await client.connect();
      // The WAL's insert position: exact at once (pg_stat_wal lags by up to a second per backend).
      return Number((await client.query(`select pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0') as bytes`)).rows[0]?.bytes);
    } finally {
      await client.end().catch(() => {});
    }
  });
}

/** A meter from a reading of a growing total: the difference since the start, null if either reading failed. */
function meterOf(read: () => Promise<number>): DiskMeter {
  const safely = () => read().catch(() => NaN);
  return async () => {
    const start = await safely();
    return async () => {
      const written = (await safely()) - start;
      return Number.isFinite(written) ? written : null;
    };
  };
}

/** Runs `work` and gives its result with the machine's CPU shares and the bytes written while it ran. */
export async function withCpuShare<T>(work: () => Promise<T>, disk?: DiskMeter, serverPid?: number): Promise<[T, CpuShare | null, number | null]> {
  const written = disk ? await disk() : null;
  const meter = cpuMeter();
  const server = serverPid === undefined ? null : processCpuMeter(serverPid);
  const result = await work();
  const cpu = meter();
  const serverCpu = server?.();
  return [result, cpu && serverCpu ? { ...cpu, server: serverCpu } : cpu, written ? await written() : null];
}

/**
 * CPU time of a process and of its main thread (Linux: each thread's utime + stime from
 * /proc/PID/task), in milliseconds since the meter started; null where /proc cannot be read.
 * Per operation, the steadiest figure to compare code by on a machine whose speed wanders.
 */
export function processCpuMeter(pid: number): () => { totalMs: number; mainMs: number } | null {
  const ticksPerMs = 100 / 1000; // USER_HZ is 100 on Linux
  const read = () => {
    try {
      let total = 0;
      let main = 0;
      for (const tid of readdirSync(`/proc/${pid}/task`)) {
        const fields = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        const ticks = Number(fields[11]) + Number(fields[12]);
        total += ticks;
        if (Number(tid) === pid) main = ticks;
      }
      return { total, main };
    } catch {
      return null;
    }
  };
  const start = read();
  return () => {
    const end = read();
    if (!start || !end) return null;
    // Threads that ended while measuring take their ticks with them: a low estimate, never a high one.
    return { totalMs: (end.total - start.total) / ticksPerMs, mainMs: (end.main - start.main) / ticksPerMs };
  };
}

export function format(figures: LoadFigures): string {
  // pgbench reports throughput only: no per-request latency to print.
  const latency = Number.isFinite(figures.p50Ms) ? `  p50 ${figures.p50Ms.toFixed(1)} ms  p99 ${figures.p99Ms.toFixed(1)} ms` : '';
  return `${figures.perSecond.toFixed(0).padStart(7)}/s${latency}  errors ${figures.errors + figures.non2xx}`;
}
