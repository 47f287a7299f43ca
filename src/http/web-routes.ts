import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { fileURLToPath } from 'node:url';
import type { RouteOptions } from './server.ts';

const WEB_ROOT = fileURLToPath(new URL('../../web/', import.meta.url));

/**
 * The pages people use: the public top-up page at `/` and self-care at `/account`. Plain HTML and
 * ES modules from `web/`, no build step, so `npm start` serves them as they are.
 */
export async function webRoutes(app: FastifyInstance, _options: RouteOptions): Promise<void> {
  await app.register(fastifyStatic, { root: WEB_ROOT, prefix: '/assets/', index: false, maxAge: '1h' });
  // no-referrer: the top-up page's address may hold a payment's client secret on the way back from the provider.
  const page = (file: string) => (_request: unknown, reply: FastifyReply) => reply.header('cache-control', 'no-cache').header('referrer-policy', 'no-referrer').sendFile(file);
  app.get('/', { schema: { hide: true } }, page('index.html'));
  app.get('/account', { schema: { hide: true } }, page('account.html'));
}
