/**
 * `npm run bench`: seeds 100,000 lines, starts the server in its own process, drives it over HTTP
 * on 127.0.0.1 at concurrency 64 for a bounded time, on SQLite and on PostgreSQL, and prints each
 * figure next to the ceiling measured in the same run (an empty POST route on the same server;
 * pgbench TPC-B on PostgreSQL). Not a pass/fail test: the machine is shared and noisy.
 *
 * BENCH_SECONDS (default 10) per measurement; BENCH_WARMUP_SECONDS (default 2) of top-ups before the
 * first; BENCH_LINES (default 100000); BENCH_ONLY=sqlite|postgres; BENCH_LOADGEN=autocannon;
 * SERVER_ARGS: extra Node arguments for the server process (say `--cpu-prof --cpu-prof-dir=/tmp/prof`);
 * BENCH_EXTRAS: which figures after the top-ups to measure, as a comma-separated list of words their
 * names start with (`purchases,usage`), or `none`; all by default. BENCH_JOB_LINES (default 20000):
 * lines for the scheduler's backlog figures (bench/jobs.ts), 0 for none. BENCH_ROUNDS (default 3) and
 * BENCH_ROUND_SECONDS (default 5): the alternated rounds that measure the targets' ratios (below), 0 for none.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { benchEmptyPost, benchTopUps } from './topups.ts';
import {
  cli, format, meanBatchSize, pgbenchTps, postgresWalMeter, processDiskMeter, seedLines, startServer, withCpuShare, type CpuShare, type DiskMeter, type LoadFigures,
} from './support.ts';
import { EXTRA_BENCHES } from './extra.ts';
import { benchJobs } from './jobs.ts';
import { wrkAvailable } from './wrk.ts';

const seconds = Number(process.env.BENCH_SECONDS ?? 10);
const lineCount = Number(process.env.BENCH_LINES ?? 100_000);
const warmUpSeconds = Number(process.env.BENCH_WARMUP_SECONDS ?? 2);
const only = process.env.BENCH_ONLY;
const extrasWanted = process.env.BENCH_EXTRAS?.split(',').map((word) => word.trim()).filter(Boolean);
const extras = extrasWanted ? EXTRA_BENCHES.filter((extra) => extrasWanted.some((word) => extra.name.startsWith(word))) : EXTRA_BENCHES;
const jobLineCount = Number(process.env.BENCH_JOB_LINES ?? 20_000);
const rounds = Number(process.env.BENCH_ROUNDS ?? 3);
const roundSeconds = Number(process.env.BENCH_ROUND_SECONDS ?? 5);
const postgresAdminUrl = process.env.DATABASE_URL?.startsWith('postgres') ? process.env.DATABASE_URL : 'postgres://postgres@127.0.0.1:5432/postgres';

// The machine's CPU during a figure: how busy, and how much other tenants of a shared host took (steal).
const share = (cpu: CpuShare | null | undefined) => cpu ? `  [cpu ${(cpu.busy * 100).toFixed(0)}% busy, steal ${(cpu.steal * 100).toFixed(0)}%]` : '';

interface Row { dialect: string; name: string; figures: LoadFigures; note?: string; cpu?: CpuShare | null; disk?: string }
const rows: Row[] = [];
/** The ratios of the alternated rounds, a line each (see alternatedRounds). */
const roundLines: string[] = [];

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/**
 * The issues' targets are ratios of two figures (purchases to top-ups; top-ups to pgbench), and
 * this machine's speed wanders by a third within minutes: two figures measured a minute apart
 * can differ by that alone. So, after the single long measurements, the pair is measured again in
 * short rounds taken in turn (top-ups, purchases, pgbench, top-ups, …): each round's ratio sets
 * figures that ran within seconds of each other side by side, and the median of the rounds is the
 * figure to read.
 */
async function alternatedRounds(dialect: 'sqlite' | 'postgres', context: { baseUrl: string; apiKey: string; msisdns: string[]; databaseUrl: string }): Promise<void> {
  const purchases = extras.find((extra) => extra.name === 'package purchases');
  const withPgbench = dialect === 'postgres';
  if (rounds <= 0 || (!purchases && !withPgbench)) return;
  const durationMs = roundSeconds * 1000;
  const purchaseRatios: number[] = [];
  const pgbenchRatios: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const topUps = await benchTopUps(context.baseUrl, context.apiKey, context.msisdns, durationMs);
    if (purchases) purchaseRatios.push((await purchases.run({ ...context, durationMs })).perSecond / topUps.perSecond);
    if (withPgbench) {
      const pgbench = await pgbenchTps(postgresAdminUrl, roundSeconds);
      if (pgbench !== null) pgbenchRatios.push(topUps.perSecond / pgbench.tps);
    }
  }
  const say = (name: string, ratios: number[]) => {
    if (ratios.length > 0) roundLines.push(`${dialect.padEnd(9)} ${name.padEnd(30)} median ${median(ratios).toFixed(2)}  (rounds: ${ratios.map((ratio) => ratio.toFixed(2)).join(', ')})`);
  };
  say('purchases / top-ups', purchaseRatios);
  say('top-ups / pgbench TPC-B', pgbenchRatios);
}

/** A fresh database for one part of the run, and its removal. */
async function benchDatabase(dialect: 'sqlite' | 'postgres', part: string): Promise<{ url: string; cleanup: () => Promise<void> }> {
  if (dialect === 'sqlite') {
    const folder = mkdtempSync(join(tmpdir(), `tolem-bench-${part}-`));
    return { url: `sqlite:${join(folder, 'bench.db')}`, cleanup: async () => rmSync(folder, { recursive: true, force: true }) };
  }
  const name = `tolem_bench_${part}_${process.pid}`;
  const admin = new pg.Client({ connectionString: postgresAdminUrl });
  await admin.connect();
  await admin.query(`drop database if exists ${name}`);
  await admin.query(`create database ${name}`);
  await admin.end();
  const parsed = new URL(postgresAdminUrl);
  parsed.pathname = `/${name}`;
  return {
    url: parsed.toString(),
    cleanup: async () => {
      const client = new pg.Client({ connectionString: postgresAdminUrl });
      await client.connect();
      await client.query(`drop database if exists ${name} with (force)`);
      await client.end();
    },
  };
}

async function benchDialect(dialect: 'sqlite' | 'postgres'): Promise<void> {
  const { url, cleanup } = await benchDatabase(dialect, 'http');
  try {
    const seededAt = performance.now();
    const msisdns = await seedLines(url, lineCount);
    console.log(`[${dialect}] seeded ${lineCount} lines in ${((performance.now() - seededAt) / 1000).toFixed(1)} s`);
    const env = { DATABASE_URL: url };
    const apiKey = cli(env, ['apikey', 'create', '--role', 'admin', '--name', 'bench']).trim().split('\n').at(-1)!;
    const server = await startServer(env, dialect === 'sqlite' ? 3901 : 3902);
    try {
      const disk: DiskMeter = dialect === 'sqlite' ? processDiskMeter(server.child.pid) : postgresWalMeter(postgresAdminUrl);
      // Per operation (an event for usage): what the database wrote while the figure was measured.
      const perOperation = (bytes: number | null, figures: LoadFigures) => bytes === null || figures.perSecond === 0 ? undefined
        : `${dialect === 'sqlite' ? 'disk' : 'WAL'} ${(bytes / 1024 / (figures.perSecond * seconds)).toFixed(1)} KB/op`;
      const [ceiling, ceilingCpu] = await withCpuShare(() => benchEmptyPost(server.baseUrl, seconds * 1000), undefined, server.child.pid);
      rows.push({ dialect, name: 'ceiling: empty POST', figures: ceiling, cpu: ceilingCpu });
      // Warm-up, not measured: the first batches read cold pages of a freshly seeded database.
      await benchTopUps(server.baseUrl, apiKey, msisdns, warmUpSeconds * 1000);
      const [topUps, topUpsCpu, topUpsBytes] = await withCpuShare(() => benchTopUps(server.baseUrl, apiKey, msisdns, seconds * 1000), disk, server.child.pid);
      const batch = await meanBatchSize(server.baseUrl);
      rows.push({ dialect, name: 'top-ups', figures: topUps, note: `${(topUps.perSecond / ceiling.perSecond * 100).toFixed(0)}% of empty POST; mean batch ${batch.toFixed(1)}; peak RSS ${server.peakRssMb().toFixed(0)} MB`, cpu: topUpsCpu, disk: perOperation(topUpsBytes, topUps) });
      for (const extra of extras) {
        try {
          const [figures, cpu, bytes] = await withCpuShare(() => extra.run({ baseUrl: server.baseUrl, apiKey, msisdns, durationMs: seconds * 1000, databaseUrl: url }), disk, server.child.pid);
          rows.push({ dialect, name: extra.name, figures, note: `${(figures.perSecond / topUps.perSecond).toFixed(2)} × top-ups/s${extra.unit ? ` (${extra.unit})` : ''}`, cpu, disk: perOperation(bytes, figures) });
        } catch (error) {
          console.log(`[${dialect}] ${extra.name}: skipped (${(error as Error).message})`);
        }
      }
      if (dialect === 'postgres') {
        const pgbench = await pgbenchTps(postgresAdminUrl, seconds);
        if (pgbench !== null) {
          const figures = { perSecond: pgbench.tps, p50Ms: NaN, p99Ms: NaN, errors: 0, non2xx: 0 };
          rows.push({ dialect, name: 'ceiling: pgbench TPC-B -c 32', figures, note: `top-ups/pgbench = ${(topUps.perSecond / pgbench.tps).toFixed(2)}`, disk: perOperation(pgbench.walBytes, figures) });
        } else console.log('[postgres] pgbench not installed: no TPC-B ceiling');
      }
      await alternatedRounds(dialect, { baseUrl: server.baseUrl, apiKey, msisdns, databaseUrl: url });
    } finally {
      await server.stop();
    }
    const verify = cli(env, ['ledger', 'verify']).trim();
    console.log(`[${dialect}] ${verify}`);
  } finally {
    await cleanup();
  }
  if (jobLineCount > 0) await benchDialectJobs(dialect);
}

/** The scheduler's backlog figures (bench/jobs.ts), in this process on a database of their own. */
async function benchDialectJobs(dialect: 'sqlite' | 'postgres'): Promise<void> {
  const { url, cleanup } = await benchDatabase(dialect, 'jobs');
  try {
    const [figures, cpu] = await withCpuShare(() => benchJobs(url, jobLineCount), undefined, undefined);
    for (const figure of figures) rows.push({ dialect, name: figure.name, figures: figure.figures, note: figure.note });
    console.log(`[${dialect}] scheduler figures over ${jobLineCount} lines${share(cpu)}; ${cli({ DATABASE_URL: url }, ['ledger', 'verify']).trim()}`);
  } catch (error) {
    console.log(`[${dialect}] scheduler figures: skipped (${(error as Error).message})`);
  } finally {
    await cleanup();
  }
}

async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: postgresAdminUrl, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

if (only !== 'postgres') await benchDialect('sqlite');
if (only !== 'sqlite') {
  if (await postgresReachable()) await benchDialect('postgres');
  else console.log('PostgreSQL not reachable: PostgreSQL figures skipped');
}

console.log(`\nTolem benchmark — ${seconds} s per measurement, concurrency 64, ${lineCount} lines, load from ${wrkAvailable() ? 'wrk' : 'autocannon'} (usage: its own client), ${new Date().toISOString()}`);
// Figures measured under a high steal are low for reasons outside Tolem.
// The server's CPU per operation (all threads / main thread): steadier than throughput across machines.
const serverCpu = (row: Row) => {
  const server = row.cpu?.server;
  const operations = row.figures.perSecond * seconds;
  return server && operations > 0 ? `  [server ${(server.totalMs * 1000 / operations).toFixed(0)} µs/op, main thread ${(server.mainMs * 1000 / operations).toFixed(0)}]` : '';
};
for (const row of rows) console.log(`${row.dialect.padEnd(9)} ${row.name.padEnd(30)} ${format(row.figures)}${row.note ? `  (${row.note})` : ''}${share(row.cpu)}${serverCpu(row)}${row.disk ? `  [${row.disk}]` : ''}`);
if (roundLines.length > 0) {
  console.log(`\nThe targets' ratios in ${rounds} alternated rounds of ${roundSeconds} s each (each round's figures measured within seconds of each other):`);
  for (const line of roundLines) console.log(line);
}
