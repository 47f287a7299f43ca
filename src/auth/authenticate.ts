import type { AppContext } from '../app-context.ts';
import type { Actor } from './actor.ts';
import { findApiKeyActor, findSessionActor } from './auth-repository.ts';
import { hashToken } from './secrets.ts';

export const API_KEY_PREFIX = 'tlm_';
const CACHE_ENTRIES_MAX = 10_000;
const TOKEN_LENGTH_MAX = 200;

export interface Authenticator {
  authenticate(token: string): Promise<Actor | null>;
  /** Drops a token from the cache at once (logout in this process). */
  forget(token: string): void;
  /** Drops every cached token of a user or API key at once (revocation, a disabled user, a new password, in this process). */
  forgetActor(actorId: string): void;
}

/**
 * Resolves a bearer token or session cookie to an actor. Answers are cached for a few seconds
 * (AUTH_CACHE_TTL_MS) so that a busy channel does not read its key on every request; a key
 * revoked by another process stops working within that time. A session ends at its expiry,
 * cached or not.
 */
export function createAuthenticator(ctx: AppContext): Authenticator {
  const cache = new Map<string, { actor: Actor | null; expiresAtMs: number }>();
  // Bumped by every forget: a look-up that read the database before one is not cached after it
  // (a user disabled, or a key revoked, while the look-up was reading would be cached as before).
  let forgets = 0;
  return {
    async authenticate(token) {
      if (token.length === 0 || token.length > TOKEN_LENGTH_MAX) return null;
      const nowMs = ctx.clock.now().getTime();
      const cached = cache.get(token);
      if (cached && cached.expiresAtMs > nowMs) return cached.actor;
      const hash = hashToken(token);
      const forgetsBefore = forgets;
      let actor: Actor | null;
      let expiresAtMs = nowMs + ctx.settings.auth.principalCacheTtlMs;
      if (token.startsWith(API_KEY_PREFIX)) {
        actor = await findApiKeyActor(ctx, hash);
      } else {
        // A session is not served from the cache past its own end.
        const session = await findSessionActor(ctx, hash);
        actor = session?.actor ?? null;
        if (session) expiresAtMs = Math.min(expiresAtMs, Date.parse(session.expiresAt));
      }
      if (forgets !== forgetsBefore) return actor;
      if (cache.size >= CACHE_ENTRIES_MAX) cache.clear();
      cache.set(token, { actor, expiresAtMs });
      return actor;
    },
    forget(token) {
      forgets++;
      cache.delete(token);
    },
    forgetActor(actorId) {
      forgets++;
      // A rare admin action: a walk over at most CACHE_ENTRIES_MAX entries.
      for (const [token, entry] of cache) if (entry.actor?.id === actorId) cache.delete(token);
    },
  };
}
