import type { FastifyRequest } from 'fastify';
import type { Actor } from '../auth/actor.ts';
import { HttpProblem } from './http-errors.ts';

export const SESSION_COOKIE = 'tolem_session';

/** The bearer token or session cookie of a request, if any. */
export function tokenOf(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (header) return /^bearer /i.test(header) ? header.slice('Bearer '.length).trim() : null;
  return request.cookies?.[SESSION_COOKIE] ?? null;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * A change (not GET, HEAD or OPTIONS) that a browser sent with the session cookie from a page of
 * another origin. SameSite=Lax sends the cookie with a POST from a sibling subdomain, and a body-less
 * `fetch(url, { method: 'POST', mode: 'no-cors', credentials: 'include' })` needs no CORS: without
 * this check such a page could block a voucher or reverse a POS top-up in a logged-in clerk's name.
 * Browsers say where a request comes from (`Sec-Fetch-Site`, else `Origin`); a client that says
 * neither is no browser page. The request's own origin is its Host (X-Forwarded-Host behind a
 * trusted proxy) or PUBLIC_URL's.
 */
export function isCrossSiteCookieChange(request: FastifyRequest, publicUrl: string): boolean {
  if (SAFE_METHODS.has(request.method) || request.headers.authorization || request.cookies?.[SESSION_COOKIE] === undefined) return false;
  return isFromOtherSitesPage(request, publicUrl);
}

/**
 * A request a browser sent for a page of another origin (a link, a form, an image, a script's
 * fetch), whatever its method or credentials: `Sec-Fetch-Site` other than same-origin or none, else
 * an `Origin` that is not this server's. Servers and terminals send neither header.
 */
export function isFromOtherSitesPage(request: FastifyRequest, publicUrl: string): boolean {
  const site = request.headers['sec-fetch-site'];
  if (typeof site === 'string') return site !== 'same-origin' && site !== 'none';
  const origin = request.headers.origin;
  if (origin === undefined) return false;
  try {
    const from = new URL(origin);
    // Host read with the origin's scheme, so that a default port (:80, :443) written or not compares equal.
    return from.host !== new URL(`${from.protocol}//${request.host}`).host && from.host !== new URL(publicUrl).host;
  } catch {
    return true; // "null" (a sandboxed frame, a data: URL), or no URL at all
  }
}

/** The authenticated actor, or a 401 answer. */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw new HttpProblem({ code: 'unauthenticated' });
  return request.actor;
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;

export function idempotencyKeyOf(request: FastifyRequest): string {
  const key = request.headers['idempotency-key'];
  if (key === undefined) throw new HttpProblem({ code: 'idempotency_key_missing' });
  if (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key)) throw new HttpProblem({ code: 'idempotency_key_invalid' });
  return key;
}

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null;
  }
  interface FastifyContextConfig {
    /**
     * The route takes HTML-form bodies (`application/x-www-form-urlencoded`): the sandbox's
     * checkout pages and the aggregators' protocol. Every other route takes JSON only, so that no
     * page on another site, or on a sibling subdomain SameSite=Lax counts as the same site, can
     * send a logged-in browser's cookie with a form that creates a user or spends a balance.
     */
    formBody?: boolean;
  }
}
