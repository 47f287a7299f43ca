import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { fileURLToPath } from 'node:url';
import type { RouteOptions } from './server.ts';

const WEB_ROOT = fileURLToPath(new URL('../../web/', import.meta.url));

/**
 * The pages' own scripts, styles and API only (their favicon is a data: URL); no plugin, no <base>,
 * forms post nowhere else, and no frame of another page holds them.
 */
const PAGE_POLICY = "default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/**
 * The pages people use: the public top-up page at `/` and self-care at `/account`. Plain HTML and
 * ES modules from `web/`, no build step, so `npm start` serves them as they are.
 */
export async function webRoutes(app: FastifyInstance, _options: RouteOptions): Promise<void> {
  await app.register(fastifyStatic, { root: WEB_ROOT, prefix: '/assets/', index: false, maxAge: '1h' });
  // no-referrer: the top-up page's address may hold a payment's client secret on the way back from the provider.
  // Never in another page's frame (frame-ancestors; X-Frame-Options for browsers without CSP 3): the
  // session cookie is SameSite=Lax, so a sibling subdomain's page framed self-care logged in and
  // could lay it under its own bait, the subscriber's clicks landing on Buy or Promised payment.
  const page = (file: string) => (_request: unknown, reply: FastifyReply) => reply.header('cache-control', 'no-cache').header('referrer-policy', 'no-referrer')
    .header('content-security-policy', PAGE_POLICY).header('x-frame-options', 'DENY').header('x-content-type-options', 'nosniff').sendFile(file);
  app.get('/', { schema: { hide: true } }, page('index.html'));
  app.get('/account', { schema: { hide: true } }, page('account.html'));
}
