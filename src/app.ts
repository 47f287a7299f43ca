import { createContext, type AppContext, type ContextOptions } from './app-context.ts';
import type { Settings } from './config.ts';
import { buildServer, type Server } from './http/server.ts';
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
export async function createApp(settings: Settings, options: ContextOptions & { logLevel?: string } = {}): Promise<App> {
  const store = await openStore(settings.databaseUrl);
  await migrateToLatest(store);
  const metrics = createMetrics();
  const ctx = createContext(settings, store, { observer: metrics.writerObserver, ...options });
  await ensureAccounts(store, undefined, ctx.clock.now());
  const server = await buildServer({ ctx, metrics, logLevel: options.logLevel ?? settings.logLevel });
  if (!options.reportError) ctx.reportError = (error, context) => server.log.error({ err: error, ...context }, 'unexpected error');
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
