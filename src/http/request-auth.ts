import type { FastifyRequest } from 'fastify';
import type { Actor } from '../auth/actor.ts';
import { HttpProblem } from './http-errors.ts';

export const SESSION_COOKIE = 'tolem_session';

/** The bearer token or session cookie of a request, if any. */
export function tokenOf(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (header) return header.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : null;
  return request.cookies?.[SESSION_COOKIE] ?? null;
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
