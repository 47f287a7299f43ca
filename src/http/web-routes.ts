import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { fileURLToPath } from 'node:url';
import type { RouteOptions } from './server.ts';

const WEB_ROOT = fileURLToPath(new URL('../../web/', import.meta.url));

/**
 * The pages people use: the public top-up page at `/` and self-care at `/account`. Plain HTML and
 * ES modules from `web/`, no build step, so `npm start` serves them as they are.
 */
export async function webRoutes(app: FastifyInstance, _options: RouteOptions): Promise<void> {
  await app.register(fastifyStatic, { root: WEB_ROOT, prefix: '/assets/', index: false, maxAge: '1h' });
  app.get('/', { schema: { hide: true } }, (_request, reply) => reply.header('cache-control', 'no-cache').sendFile('index.html'));
  app.get('/account', { schema: { hide: true } }, (_request, reply) => reply.header('cache-control', 'no-cache').sendFile('account.html'));
}
