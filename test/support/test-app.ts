import assert from 'node:assert/strict';
import { createApp, type App } from '../../src/app.ts';
import { SYSTEM_ACTOR, type Role } from '../../src/auth/actor.ts';
import { createApiKey } from '../../src/auth/create-api-key.ts';
import { loadSettings, type Settings } from '../../src/config.ts';
import { verifyLedger } from '../../src/ledger/verify-ledger.ts';
import { ManualClock } from '../../src/platform/clock.ts';
import { createTestDatabase, type DialectName } from './databases.ts';

export interface TestApp {
  app: App;
  clock: ManualClock;
  adminKey: string;
  /** Sends a request through the whole HTTP stack (Fastify inject: no socket). */
  request(method: string, url: string, options?: { body?: unknown; token?: string | null; headers?: Record<string, string>; rawBody?: string; remoteAddress?: string }): Promise<{ status: number; body: any; headers: Record<string, unknown>; text: string }>;
  keyFor(role: Role, sourceAccountId?: string): Promise<string>;
  /** The log's lines, parsed, when started with `{ captureLogs: true }` (else none: the log is silent). */
  logs: Record<string, unknown>[];
  /** Asserts the ledger's invariants hold. */
  verify(): Promise<void>;
  close(): Promise<void>;
}

/**
 * `captureLogs`: the log at level info, as a server writes it, kept in `logs`; unexpected errors
 * are logged as a server logs them (its `reportError`), not printed.
 */
export async function startTestApp(dialect: DialectName, overrides: Partial<Settings> = {}, clock = new ManualClock(), options: { captureLogs?: boolean } = {}): Promise<TestApp> {
  const database = await createTestDatabase(dialect);
  const settings = { ...loadSettings({}), databaseUrl: database.url, seedDemo: false, ...overrides };
  const logs: Record<string, unknown>[] = [];
  const app = options.captureLogs
    ? await createApp(settings, { clock, logLevel: 'info', logStream: { write: (line) => { logs.push(JSON.parse(line)); } } })
    : await createApp(settings, { clock, logLevel: 'silent', reportError: (error) => { throw error; } });
  if (!options.captureLogs) app.ctx.reportError = (error) => console.error('unexpected error in test app', error);
  const keyFor = async (role: Role, sourceAccountId?: string) => {
    const result = await createApiKey(app.ctx, SYSTEM_ACTOR, { name: `test ${role}`, role, sourceAccountId: sourceAccountId ?? null });
    assert.ok(result.ok);
    return result.value.key;
  };
  const adminKey = await keyFor('admin');
  const testApp: TestApp = {
    app, clock, adminKey, keyFor, logs,
    async request(method, url, options = {}) {
      const headers: Record<string, string> = { ...options.headers };
      const token = options.token === undefined ? adminKey : options.token;
      if (token) headers.authorization = `Bearer ${token}`;
      let payload: string | undefined = options.rawBody;
      if (options.body !== undefined) {
        payload = JSON.stringify(options.body);
        headers['content-type'] ??= 'application/json';
      }
      const response = await app.server.inject({ method: method as 'GET', url, headers, payload, ...(options.remoteAddress ? { remoteAddress: options.remoteAddress } : {}) });
      let body: unknown = undefined;
      try { body = response.json(); } catch { body = undefined; }
      return { status: response.statusCode, body, headers: response.headers, text: response.body };
    },
    async verify() {
      const report = await verifyLedger(app.store);
      assert.deepEqual(report.problems, [], 'ledger invariants hold');
    },
    async close() {
      try {
        await testApp.verify();
      } finally {
        await app.close();
        await database.drop();
      }
    },
  };
  return testApp;
}
