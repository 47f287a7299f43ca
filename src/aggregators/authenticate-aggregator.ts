import { createHash } from 'node:crypto';
import type { AppContext } from '../app-context.ts';
import { addressKeyOf } from '../auth/address-key.ts';
import { countAttemptWithin, uncountAttempt } from '../auth/auth-repository.ts';
import { verifyPassword } from '../auth/secrets.ts';
import { findAggregator, type Aggregator } from './aggregators-repository.ts';
import { ipAllowed } from './ip-allowlist.ts';

export type AggregatorAuthFailure = 'unauthenticated' | 'ip_forbidden' | 'inactive';
export type AggregatorAuthResult = { ok: true; aggregator: Aggregator } | { ok: false; reason: AggregatorAuthFailure };

export interface AggregatorAuthenticator {
  authenticate(code: string, authorization: string | undefined, ip: string): Promise<AggregatorAuthResult>;
}

const CACHE_ENTRIES_MAX = 10_000;
const AUTHORIZATION_LENGTH_MAX = 512;

/**
 * HTTP Basic (user = aggregator code) and/or an IP allowlist, per aggregator. scrypt costs tens
 * of milliseconds by design, so a successful check is remembered for AUTH_CACHE_TTL_MS, keyed by
 * a hash of code and header (the secret itself is not kept). Concurrent first requests share one
 * check, and an entry past its TTL is served while one re-check runs in the background, so that a
 * busy aggregator never waits for scrypt; an entry older than twice the TTL is not served at all.
 * A changed secret or a deactivated aggregator is therefore seen within 2 × AUTH_CACHE_TTL_MS.
 * Failures are not cached, but counted per (code, address): past LOGIN_ATTEMPTS_MAX × 4 in
 * LOGIN_WINDOW_MINUTES an address's checks are refused unrun. The IP allowlist and the active
 * flag are checked on every request.
 */
export function createAggregatorAuthenticator(ctx: AppContext): AggregatorAuthenticator {
  interface Entry { verified: Promise<Aggregator | null>; expiresAtMs: number; refreshing: boolean }
  const cache = new Map<string, Entry>();
  const ttlMs = ctx.settings.auth.principalCacheTtlMs;
  const verify = async (code: string, authorization: string | undefined) => {
    const aggregator = await findAggregator(ctx, code);
    return aggregator ? checkPassword(aggregator, authorization) : null;
  };
  // A check not answered from the cache is counted per (code, address) before scrypt runs, as
  // logins are: wrong passwords from one address are limited, and the aggregator's own servers,
  // answered from the cache, are not locked out by them. Concurrent requests with the same header
  // share the one check, so they count once (64 terminals at a cold cache are not 64 guesses).
  // `known`: the aggregator as read for its allowlist just before (null: no such code), not read again.
  const countedVerify = async (known: Aggregator | null, code: string, authorization: string | undefined, ip: string) => {
    // An IPv6 address is counted by its /64, every address of which one client may send from.
    const countKey = `aggregator-auth:${code}:${addressKeyOf(ip)}`;
    const { loginAttemptsMax, loginWindowMinutes } = ctx.settings.auth;
    if (!(await countAttemptWithin(ctx, countKey, loginWindowMinutes, loginAttemptsMax * 4))) return null;
    const aggregator = known ? await checkPassword(known, authorization) : null;
    if (aggregator) await uncountAttempt(ctx, countKey);
    return aggregator;
  };
  const refresh = (key: string, entry: Entry, code: string, authorization: string | undefined) => {
    entry.refreshing = true;
    verify(code, authorization).then((aggregator) => {
      if (cache.get(key) !== entry) return;
      if (aggregator) cache.set(key, { verified: Promise.resolve(aggregator), expiresAtMs: ctx.clock.now().getTime() + ttlMs, refreshing: false });
      else cache.delete(key);
    }, (error: unknown) => {
      entry.refreshing = false;
      ctx.reportError(error, { component: 'aggregator-auth' });
    });
  };
  return {
    async authenticate(code, authorization, ip) {
      if (authorization !== undefined && authorization.length > AUTHORIZATION_LENGTH_MAX) return { ok: false, reason: 'unauthenticated' };
      const key = createHash('sha256').update(`${code}\u0000${authorization ?? ''}`).digest('base64url');
      const nowMs = ctx.clock.now().getTime();
      let entry = cache.get(key);
      if (entry && entry.expiresAtMs + ttlMs <= nowMs) {
        cache.delete(key);
        entry = undefined;
      }
      if (entry && entry.expiresAtMs <= nowMs && !entry.refreshing) refresh(key, entry, code, authorization);
      let known: Aggregator | null = null;
      if (!entry) {
        // The address first: from outside the allowlist every secret is refused alike (checked
        // after it, a right one answered 403 and a wrong one 401, which told a guesser it was right).
        known = await findAggregator(ctx, code);
        if (known && !ipAllowed(known.ipAllowlist, ip)) return { ok: false, reason: 'ip_forbidden' };
        // Meanwhile a concurrent request with the same header may have started the one check.
        entry = cache.get(key);
      }
      if (!entry) {
        const fresh: Entry = { verified: countedVerify(known, code, authorization, ip), expiresAtMs: nowMs + ttlMs, refreshing: false };
        if (cache.size >= CACHE_ENTRIES_MAX) cache.clear();
        cache.set(key, fresh);
        const forget = () => { if (cache.get(key) === fresh) cache.delete(key); };
        fresh.verified.then((aggregator) => { if (!aggregator) forget(); }, forget);
        entry = fresh;
      }
      const aggregator = await entry.verified;
      return aggregator ? admit(aggregator, ip) : { ok: false, reason: 'unauthenticated' };
    },
  };
}

function admit(aggregator: Aggregator, ip: string): AggregatorAuthResult {
  if (!ipAllowed(aggregator.ipAllowlist, ip)) return { ok: false, reason: 'ip_forbidden' };
  if (!aggregator.active) return { ok: false, reason: 'inactive' };
  return { ok: true, aggregator };
}

async function checkPassword(aggregator: Aggregator, authorization: string | undefined): Promise<Aggregator | null> {
  if (aggregator.passwordHash === null) return aggregator;
  const credentials = parseBasic(authorization);
  if (!credentials || credentials.user !== aggregator.code) return null;
  return (await verifyPassword(credentials.password, aggregator.passwordHash)) ? aggregator : null;
}

/** "Basic base64(user:password)" → its parts, or null. */
export function parseBasic(header: string | undefined): { user: string; password: string } | null {
  if (!header) return null;
  const match = /^basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!match) return null;
  const decoded = Buffer.from(match[1]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}
