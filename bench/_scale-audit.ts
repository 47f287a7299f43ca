// Scale-audit seeding. Copied to /work/main/bench/_scale-audit.ts and run with `node --import tsx` (deleted after).
import { readFileSync, writeFileSync, existsSync } from 'node:fs';
import { createApp } from '../src/app.ts';
import { SYSTEM_ACTOR } from '../src/auth/actor.ts';
import { createOffering } from '../src/catalog/create-offering.ts';
import { loadSettings } from '../src/config.ts';
import { handledBy, mapInFlight, moreAfter, type Job } from '../src/jobs/job.ts';
import { lifecycleJob } from '../src/lifecycle/lifecycle-job.ts';
import { autoRenewJob } from '../src/packages/auto-renew-job.ts';
import { expireBucketsJob } from '../src/packages/expire-buckets-job.ts';
import { expireBonusJob } from '../src/promotions/expire-bonus-job.ts';
import { purchasePackage } from '../src/packages/purchase-package.ts';
import { ManualClock } from '../src/platform/clock.ts';
import { createTopUp } from '../src/topups/create-top-up.ts';
import { recordUsage } from '../src/usage/record-usage.ts';
import { seedLines, msisdnOf } from './support.ts';

const URL = process.env.DATABASE_URL!;
const STATE = '/tmp/scale-audit/state.json';
const DAY = 86_400_000;
const phase = process.env.PHASE ?? 'all';
const state: { clock: number; seeded?: boolean; weeks?: number } = existsSync(STATE) ? JSON.parse(readFileSync(STATE, 'utf8')) : { clock: Date.now() - 125 * DAY };
const save = () => writeFileSync(STATE, JSON.stringify(state));

const LINES = Number(process.env.LINES ?? 300_000);
const ACTIVE = Number(process.env.ACTIVE ?? 50_000); // lines 0..ACTIVE-1 get history
const LONG = Number(process.env.LONG ?? 300); // lines ACTIVE..ACTIVE+LONG-1 get long history
const WHALES = 2; // lines ACTIVE+LONG.. get a very long history

const log = (...args: unknown[]) => console.log(new Date().toISOString().slice(11, 19), ...args);

if (!state.seeded) {
  const t = performance.now();
  await seedLines(URL, LINES);
  state.seeded = true;
  save();
  log(`seeded ${LINES} lines in ${((performance.now() - t) / 1000).toFixed(1)} s`);
}

const clock = new ManualClock(new Date(state.clock));
const settings = { ...loadSettings({ ...process.env, TOPUP_LINE_DAILY_MAX_KZT: '1000000000' }), databaseUrl: URL, seedDemo: false };
const app = await createApp(settings, { clock, logLevel: 'silent' });
const ctx = app.ctx;
const tick = () => clock.advance(20);

async function run<T>(label: string, items: T[], work: (item: T, index: number) => Promise<{ ok: boolean; error?: { code: string } }>) {
  const t = performance.now();
  let failed = 0;
  const codes = new Map<string, number>();
  await mapInFlight(items.map((item, index) => ({ item, index })), 64, async ({ item, index }) => {
    tick();
    const r = await work(item, index);
    if (!r.ok) { failed++; const c = r.error?.code ?? '?'; codes.set(c, (codes.get(c) ?? 0) + 1); }
  });
  const s = (performance.now() - t) / 1000;
  log(`${label}: ${items.length} in ${s.toFixed(1)} s (${(items.length / s).toFixed(0)}/s), failed ${failed} ${JSON.stringify([...codes])}`);
}

async function drain(job: Job) {
  const t = performance.now();
  let handled = 0;
  let runs = 0;
  for (;;) {
    const r = await job.run(ctx);
    runs++;
    handled += handledBy(r);
    if (!moreAfter(r)) break;
  }
  log(`  job ${job.name}: ${handled} handled, ${runs} runs, ${((performance.now() - t) / 1000).toFixed(1)} s`);
}
const jobs = async () => { for (const job of [autoRenewJob, expireBucketsJob, expireBonusJob, lifecycleJob]) await drain(job); };
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
let key = 0;
const k = (p: string) => `${p}-${state.clock}-${key++}`;

try {
  if (phase === 'offerings') {
    const names = (n: string) => ({ en: n, ru: n, kk: n, zh: n });
    for (const o of [
      { code: 'WEEK_1GB', kind: 'data', price: 100_000, validityDays: 7, allowances: { dataMb: 1_000 }, autoRenewAllowed: true, names: names('1 GB 7 days') },
      { code: 'MONTH_10GB', kind: 'data', price: 300_000, validityDays: 30, allowances: { dataMb: 10_000, voiceMinutes: 100 }, autoRenewAllowed: true, names: names('10 GB 30 days') },
      { code: 'DAY_500MB', kind: 'data', price: 20_000, validityDays: 1, allowances: { dataMb: 500 }, autoRenewAllowed: false, names: names('500 MB day') },
    ]) {
      const r = await createOffering(ctx, SYSTEM_ACTOR, o as never);
      log(o.code, r.ok ? 'ok' : JSON.stringify(r.error));
    }
  }

  if (phase === 'start') {
    const active = range(0, ACTIVE).map(msisdnOf);
    await run('initial top-ups', active, (m) => createTopUp(ctx, SYSTEM_ACTOR, { msisdn: m, amount: 1_000_000, currency: 'KZT' }, k('t')));
    await run('weekly packs (auto-renew)', active.slice(0, ACTIVE * 0.6), (m) => purchasePackage(ctx, SYSTEM_ACTOR, { msisdn: m, offering: 'WEEK_1GB', autoRenew: true }, k('p')));
    await run('monthly packs', active.slice(ACTIVE * 0.6), (m) => purchasePackage(ctx, SYSTEM_ACTOR, { msisdn: m, offering: 'MONTH_10GB', autoRenew: true }, k('p')));
  }

  if (phase === 'weeks') {
    // Each week: most active lines top up (some stop: lifecycle), usage, renewals and expiries run.
    const weeks = Number(process.env.WEEKS ?? 12);
    for (let w = 0; w < weeks; w++) {
      clock.advance(7 * DAY);
      state.clock = clock.now().getTime();
      const week = (state.weeks ?? 0) + 1;
      state.weeks = week;
      log(`week ${week}, clock ${clock.now().toISOString()}`);
      // Lines 0..9,999 stop topping up after week 1 (they lapse, go through grace, suspension, termination).
      // Lines in the last 20% top up only every other week (renewals fail, retry queue).
      const payers = range(10_000, ACTIVE).filter((i) => i < ACTIVE * 0.8 || week % 2 === 0).map(msisdnOf);
      await run(`  week top-ups`, payers, (m, i) => createTopUp(ctx, SYSTEM_ACTOR, { msisdn: m, amount: i % 3 === 0 ? 600_000 : 150_000, currency: 'KZT' }, k('t')));
      const users = range(10_000, 30_000).map(msisdnOf);
      const events = users.map((m, i) => ({ id: k('u'), msisdn: m, service: (['data', 'voice', 'sms'] as const)[i % 3], units: i % 3 === 0 ? 5_000_000 : 30, at: clock.now().toISOString() }));
      const batches: (typeof events)[] = [];
      for (let s = 0; s < events.length; s += 1000) batches.push(events.slice(s, s + 1000));
      await run('  usage batches', batches, (b) => recordUsage(ctx, SYSTEM_ACTOR, b) as never);
      await jobs();
      save();
    }
  }

  if (phase === 'long') {
    // A few hundred lines with a long history: hundreds of top-ups and tens of packages and usage each.
    const longLines = range(ACTIVE, ACTIVE + LONG).map(msisdnOf);
    const rounds = Number(process.env.ROUNDS ?? 300);
    for (let r = 0; r < rounds; r++) {
      clock.advance(3 * 3_600_000);
      await run(`long r${r} top-ups`, longLines, (m) => createTopUp(ctx, SYSTEM_ACTOR, { msisdn: m, amount: r % 10 === 0 ? 600_000 : 60_000, currency: 'KZT' }, k('t')));
      if (r % 3 === 0) await run(`long r${r} packs`, longLines, (m) => purchasePackage(ctx, SYSTEM_ACTOR, { msisdn: m, offering: 'DAY_500MB' }, k('p')));
      if (r > 0 && r % 56 === 0) await jobs();
      if (r % 3 === 1) {
        const events = longLines.flatMap((m) => [0, 1].map((j) => ({ id: k('u'), msisdn: m, service: 'data' as const, units: 1_000_000 + j, at: clock.now().toISOString() })));
        await run(`long r${r} usage`, [events.slice(0, 300), events.slice(300)], (b) => recordUsage(ctx, SYSTEM_ACTOR, b) as never);
      }
    }
    state.clock = clock.now().getTime();
    save();
  }

  if (phase === 'whales') {
    const whales = range(ACTIVE + LONG, ACTIVE + LONG + WHALES).map(msisdnOf);
    const n = Number(process.env.WHALE_OPS ?? 5000);
    const ops = whales.flatMap((m) => range(0, n).map((i) => ({ m, i })));
    await run('whale top-ups', ops, ({ m, i }) => createTopUp(ctx, SYSTEM_ACTOR, { msisdn: m, amount: i % 10 === 0 ? 600_000 : 60_000, currency: 'KZT' }, k('t')));
    await run('whale packs', ops.filter(({ i }) => i % 5 === 0), ({ m }) => purchasePackage(ctx, SYSTEM_ACTOR, { msisdn: m, offering: 'DAY_500MB' }, k('p')));
    state.clock = clock.now().getTime();
    save();
  }

  if (phase === 'jobs') {
    const days = Number(process.env.ADVANCE_DAYS ?? 0);
    clock.advance(days * DAY);
    await jobs();
    state.clock = clock.now().getTime();
    save();
  }
} finally {
  await app.close();
}
