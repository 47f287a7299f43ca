import { existsSync } from 'node:fs';
import { Type } from '@sinclair/typebox';
import { sql } from 'kysely';
import type { FastifyInstance } from 'fastify';
import type { RouteOptions } from './server.ts';

/** How long /readyz waits for the database's answer before it says 503 (a probe's own timeout is often 1 to 5 s). */
export const READY_WAIT_MS = 2_000;

export async function healthRoutes(app: FastifyInstance, { ctx, metrics }: RouteOptions): Promise<void> {
  app.get('/healthz', {
    schema: { tags: ['operations'], summary: 'The process is alive', response: { 200: Type.Object({ status: Type.Literal('ok') }) } },
  }, async () => ({ status: 'ok' }));
  app.get('/readyz', {
    schema: {
      tags: ['operations'], summary: 'The database answers',
      response: {
        200: Type.Object({ status: Type.Literal('ready'), database: Type.String({ description: 'sqlite or postgres' }) }),
        503: { ...Type.Ref('ErrorBody'), description: 'unavailable: the database does not answer' },
      },
    },
  }, async (_request, reply) => {
    try {
      // A pool whose connections are all held (hung queries, a lock held for minutes) would keep
      // this waiting as long: past READY_WAIT_MS the database is said not to answer.
      if (!(await answersWithin(sql`select 1`.execute(ctx.db), READY_WAIT_MS))) throw new Error('the database did not answer in time');
      // A SQLite file deleted under the server still answers `select 1` (and takes writes, lost at
      // the next start): its path must still be there.
      const file = ctx.store.dialect.name === 'sqlite' ? ctx.store.url.slice('sqlite:'.length) : null;
      if (file && file !== ':memory:' && !existsSync(file)) {
        return reply.code(503).send({ error: { code: 'unavailable', message: 'The database file is gone.', details: { reason: 'database_file_missing' } } });
      }
      return { status: 'ready', database: ctx.store.dialect.name };
    } catch {
      return reply.code(503).send({ error: { code: 'unavailable', message: 'The database does not answer.', details: { reason: 'database_unavailable' } } });
    }
  });
  if (ctx.settings.benchRoutes) {
    app.post('/_bench/noop', { schema: { hide: true } }, async () => ({}));
  }
  app.get('/metrics', { schema: { tags: ['operations'], summary: 'Prometheus metrics' } }, async (_request, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}

/** Whether `work` settles within `ms` (its failure thrown, as it comes). */
async function answersWithin(work: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => { timer = setTimeout(resolve, ms, false); });
  try {
    return await Promise.race([work.then(() => true), late]);
  } finally {
    clearTimeout(timer);
  }
}
