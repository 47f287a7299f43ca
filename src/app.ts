import { createContext, type AppContext, type ContextOptions } from './app-context.ts';
import type { Settings } from './config.ts';
import { buildServer, type Server, type ServerDeps } from './http/server.ts';
import { createMetrics, type Metrics } from './http/metrics.ts';
import { ensureAccounts } from './ledger/ensure-system-accounts.ts';
import { closeSmsLink } from './sms/sms-link.ts';
import { migrateToLatest, openStore, type Store } from './store/open-store.ts';

export interface App {
  ctx: AppContext;
  store: Store;
  server: Server;
  metrics: Metrics;
  close(): Promise<void>;
}

/**
 * The composition root: open and migrate the store, create the operator's accounts, build the
 * HTTP server. `serve` adds demo data and listening; tests call this directly.
 */
export async function createApp(settings: Settings, options: ContextOptions & { logLevel?: string; logStream?: ServerDeps['logStream'] } = {}): Promise<App> {
  const store = await openStore(settings.databaseUrl);
  let ctx: AppContext | undefined;
  let server: Server;
  const metrics = createMetrics();
  let migrated: string[] = [];
  try {
    migrated = await migrateToLatest(store);
    ctx = createContext(settings, store, { observer: metrics.writerObserver, ...options });
    await ensureAccounts(store, undefined, ctx.clock.now());
    server = await buildServer({ ctx, metrics, logLevel: options.logLevel ?? settings.logLevel, logStream: options.logStream });
  } catch (error) {
    // A setting found unusable while building (a payment provider's options): the store is closed,
    // so the process ends with the caller's one-line error instead of staying up with no server.
    await ctx?.writer.close().catch(() => {});
    await store.close().catch(() => {});
    throw error;
  }
  if (!options.reportError) ctx.reportError = (error, context) => server.log.error({ err: error, ...context }, 'unexpected error');
  // An upgrade says what it changed (a new database: every migration, from 001).
  if (migrated.length > 0) server.log.info({ migrations: migrated }, `migrated the database: ${migrated.length} migration${migrated.length === 1 ? '' : 's'}, ${migrated[0]} to ${migrated.at(-1)}`);
  return {
    ctx, store, server, metrics,
    async close() {
      await server.close();
      // The SMS worker's SMPP session, if the jobs opened one: unbound before the store goes.
      await closeSmsLink(ctx);
      await ctx.writer.close();
      await store.close();
    },
  };
}
