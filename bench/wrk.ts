import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { LoadFigures } from './support.ts';

/**
 * Load from wrk (Debian package `wrk`) when it is installed. The load generator shares the two
 * cores with the server and the database: autocannon, in JavaScript, takes ~60 µs of CPU per
 * request, wrk a fraction of that, so more of the machine measures the server. Each request is
 * made by a Lua function: a random number from `msisdns` in place of {{msisdn}}, a key unique to
 * the run in place of {{key}}. BENCH_LOADGEN=autocannon forces the JavaScript generator.
 */
export interface WrkRequest {
  baseUrl: string;
  method: 'POST' | 'GET';
  path: string;
  headers: Record<string, string>;
  /** Template; {{msisdn}} and {{key}} are filled in per request. */
  body: string;
  /** Header that carries {{key}} as well (Idempotency-Key). */
  keyHeader?: string;
  msisdns: readonly string[];
  durationMs: number;
  /** A 200 answer counts only when its body holds this text (the OSMP result code). */
  bodyMustContain?: string;
}

const CONNECTIONS = 64;
const THREADS = 2;

export function wrkAvailable(): boolean {
  return process.env.BENCH_LOADGEN !== 'autocannon' && spawnSync('which', ['wrk']).status === 0;
}

export async function wrkLoad(request: WrkRequest): Promise<LoadFigures> {
  const folder = mkdtempSync(join(tmpdir(), 'tolem-wrk-'));
  try {
    const numbers = join(folder, 'msisdns.txt');
    writeFileSync(numbers, `${(request.msisdns.length > 0 ? request.msisdns : ['']).join('\n')}\n`);
    const script = join(folder, 'load.lua');
    writeFileSync(script, luaScript(request, numbers));
    const seconds = Math.max(1, Math.round(request.durationMs / 1000));
    const output = await run('wrk', ['-t', String(THREADS), '-c', String(CONNECTIONS), '-d', `${seconds}s`, '--timeout', '10s', '-s', script, request.baseUrl]);
    const line = output.split('\n').find((l) => l.startsWith('WRK_JSON '));
    if (!line) throw new Error(`wrk printed no figures: ${output.slice(0, 500)}`);
    const figures = JSON.parse(line.slice('WRK_JSON '.length)) as { requests: number; duration_us: number; p50_us: number; p99_us: number; status_errors: number; socket_errors: number; bad: number };
    const failed = figures.status_errors + figures.bad;
    return {
      perSecond: (figures.requests - failed) / (figures.duration_us / 1e6),
      p50Ms: figures.p50_us / 1000,
      p99Ms: figures.p99_us / 1000,
      errors: figures.socket_errors,
      non2xx: failed,
    };
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString(); });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(output) : reject(new Error(`${command} exited with ${code}: ${output.slice(0, 500)}`))));
  });
}

/** Strings go into Lua as JSON string literals: the same escapes for ASCII text. */
const lua = (text: string) => JSON.stringify(text);

function luaScript(request: WrkRequest, numbersFile: string): string {
  const headers = Object.entries(request.headers).map(([name, value]) => `[${lua(name)}] = ${lua(value)}`).join(', ');
  return `
local run = ${lua(randomBytes(4).toString('hex'))}
local threads = {}
local numbers, counter = {}, 0
bad = 0

function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

function init(args)
  for number in io.lines(${lua(numbersFile)}) do numbers[#numbers + 1] = number end
  math.randomseed(os.time() * 1000 + tid)
end

function request()
  counter = counter + 1
  local key = run .. "-" .. tid .. "-" .. counter
  local number = numbers[math.random(#numbers)]
  -- In a gsub replacement % is special (an URL-encoded number holds %2B): doubled, it is plain.
  local body = string.gsub(string.gsub(${lua(request.body)}, "{{msisdn}}", (string.gsub(number, "%%", "%%%%"))), "{{key}}", key)
  local headers = { ${headers} }
  ${request.keyHeader ? `headers[${lua(request.keyHeader)}] = key` : ''}
  return wrk.format(${lua(request.method)}, ${lua(request.path)}, headers, body)
end

${request.bodyMustContain ? `function response(status, headers, body)
  if status == 200 and not string.find(body, ${lua(request.bodyMustContain)}, 1, true) then bad = bad + 1 end
end` : ''}

function done(summary, latency, requests)
  local refused = 0
  for _, thread in ipairs(threads) do refused = refused + (thread:get("bad") or 0) end
  local e = summary.errors
  io.write(string.format('WRK_JSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p99_us":%d,"status_errors":%d,"socket_errors":%d,"bad":%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(99), e.status, e.connect + e.read + e.write + e.timeout, refused))
end
`;
}
