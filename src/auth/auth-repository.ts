import { sql } from 'kysely';
import type { AppContext } from '../app-context.ts';
import type { Actor, Role } from './actor.ts';

/** All SQL about users, sessions, API keys, rate limits and the audit log. */
export async function findUserByLogin(ctx: AppContext, login: string) {
  return ctx.store.readDb.selectFrom('users').selectAll().where('login', '=', login).executeTakeFirst();
}

export async function findUserById(ctx: AppContext, id: string) {
  return ctx.store.readDb.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
}

/** A user's password hash and disabled mark as written now: through ctx.db, to see a change committed a moment before. */
export async function findUserCredentialsNow(ctx: AppContext, id: string) {
  return ctx.db.selectFrom('users').select(['password_hash', 'disabled_at']).where('id', '=', id).executeTakeFirst();
}

export async function insertUser(ctx: AppContext, row: { id: string; login: string; passwordHash: string; role: Role; displayName: string | null; createdAt: string }) {
  await ctx.db.insertInto('users').values({
    id: row.id, login: row.login, password_hash: row.passwordHash, role: row.role, display_name: row.displayName,
    created_at: row.createdAt, disabled_at: null,
  }).execute();
}

export async function listUsers(ctx: AppContext, limit: number, after: string | null) {
  let query = ctx.store.readDb.selectFrom('users').select(['id', 'login', 'role', 'display_name', 'created_at', 'disabled_at']).orderBy('id').limit(limit);
  if (after) query = query.where('id', '>', after);
  return query.execute();
}

export async function updateUserRow(ctx: AppContext, id: string, changes: { disabled_at?: string | null; password_hash?: string; display_name?: string | null }) {
  await ctx.db.updateTable('users').set(changes).where('id', '=', id).execute();
}

export async function deleteSessionsOf(ctx: AppContext, userId: string) {
  await ctx.db.deleteFrom('sessions').where('user_id', '=', userId).execute();
}

export async function insertSession(ctx: AppContext, tokenHash: string, userId: string, expiresAt: string) {
  await ctx.db.insertInto('sessions').values({ token_hash: tokenHash, user_id: userId, created_at: ctx.clock.now().toISOString(), expires_at: expiresAt }).execute();
}

export async function deleteSession(ctx: AppContext, tokenHash: string) {
  await ctx.db.deleteFrom('sessions').where('token_hash', '=', tokenHash).execute();
}

/** A live session's user, and when the session ends. */
export async function findSessionActor(ctx: AppContext, tokenHash: string): Promise<{ actor: Actor; expiresAt: string } | null> {
  const row = await ctx.store.readDb.selectFrom('sessions').innerJoin('users', 'users.id', 'sessions.user_id')
    .select(['users.id', 'users.role', 'users.disabled_at', 'sessions.expires_at'])
    .where('sessions.token_hash', '=', tokenHash).executeTakeFirst();
  if (!row || row.disabled_at || row.expires_at <= ctx.clock.now().toISOString()) return null;
  return { actor: { id: row.id, kind: 'user', role: row.role as Role, sourceAccountId: null }, expiresAt: row.expires_at };
}

export async function findApiKeyActor(ctx: AppContext, keyHash: string): Promise<Actor | null> {
  const row = await ctx.store.readDb.selectFrom('api_keys').select(['id', 'role', 'source_account_id', 'revoked_at'])
    .where('key_hash', '=', keyHash).executeTakeFirst();
  if (!row || row.revoked_at) return null;
  return { id: row.id, kind: 'api_key', role: row.role as Role, sourceAccountId: row.source_account_id };
}

export async function insertApiKey(ctx: AppContext, row: { id: string; name: string; role: Role; keyHash: string; prefix: string; sourceAccountId: string | null; createdBy: string | null; createdAt: string }) {
  await ctx.db.insertInto('api_keys').values({
    id: row.id, name: row.name, role: row.role, key_hash: row.keyHash, prefix: row.prefix, source_account_id: row.sourceAccountId,
    created_by: row.createdBy, created_at: row.createdAt, revoked_at: null,
  }).execute();
}

export async function listApiKeys(ctx: AppContext, limit: number, after: string | null) {
  let query = ctx.store.readDb.selectFrom('api_keys').select(['id', 'name', 'role', 'prefix', 'source_account_id', 'created_at', 'revoked_at']).orderBy('id').limit(limit);
  if (after) query = query.where('id', '>', after);
  return query.execute();
}

export async function revokeApiKey(ctx: AppContext, id: string): Promise<boolean> {
  const result = await ctx.db.updateTable('api_keys').set({ revoked_at: ctx.clock.now().toISOString() })
    .where('id', '=', id).where('revoked_at', 'is', null).executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export async function linkUserLine(ctx: AppContext, userId: string, lineId: string) {
  await ctx.db.insertInto('user_lines').values({ user_id: userId, line_id: lineId, created_at: ctx.clock.now().toISOString() })
    .onConflict((c) => c.columns(['user_id', 'line_id']).doNothing()).execute();
}

export async function userOwnsLine(ctx: AppContext, userId: string, lineId: string): Promise<boolean> {
  const row = await ctx.store.readDb.selectFrom('user_lines').select('line_id').where('user_id', '=', userId).where('line_id', '=', lineId).executeTakeFirst();
  return row !== undefined;
}

export async function insertAudit(ctx: AppContext, actor: Actor, action: string, target: string | null, details: Record<string, unknown> = {}) {
  await ctx.db.insertInto('audit_log').values({
    id: ctx.ids.next('aud'), actor_id: actor.id, actor_role: actor.role, action, target, details: JSON.stringify(details),
    created_at: ctx.clock.now().toISOString(),
  }).execute();
}

/**
 * Counts an attempt in a fixed window shared by every process through the database, and returns
 * the count including it. One atomic upsert: attempts at the same instant each get their own
 * number, so a caller that refuses above a limit lets at most that many through (count first,
 * then check the secret). A window that has passed starts again at 1.
 */
export async function countAttempt(ctx: AppContext, key: string, windowMinutes: number): Promise<number> {
  const now = ctx.clock.now().toISOString();
  const windowStart = new Date(ctx.clock.now().getTime() - windowMinutes * 60_000).toISOString();
  const expired = sql<boolean>`rate_limits.window_started_at < ${windowStart}`;
  const row = await ctx.db.insertInto('rate_limits').values({ key, window_started_at: now, count: 1n })
    .onConflict((c) => c.column('key').doUpdateSet({
      count: sql`case when ${expired} then 1 else rate_limits.count + 1 end`,
      window_started_at: sql`case when ${expired} then ${now} else rate_limits.window_started_at end`,
    }))
    .returning('count').executeTakeFirstOrThrow();
  return Number(row.count);
}

/**
 * Counts an attempt (countAttempt) and answers whether it is within `max`. One over it is given
 * back at once: refused, it checks no secret, so it is no guess. The count then never passes the
 * limit, and the right secrets given back bring it below again: ten requests with a right PIN or
 * password sent at once no longer leave their caller locked out for the window.
 */
export async function countAttemptWithin(ctx: AppContext, key: string, windowMinutes: number, max: number): Promise<boolean> {
  if (await countAttempt(ctx, key, windowMinutes) <= max) return true;
  await uncountAttempt(ctx, key);
  return false;
}

/**
 * Counts one attempt under several limits, in order (countAttemptWithin each): the keys counted, or
 * null when a limit refuses it, having given back what it counted before, so that an attempt a
 * later limit refuses counts against none of the earlier ones.
 */
export async function countAttemptsWithin(ctx: AppContext, limits: readonly (readonly [key: string, max: number])[], windowMinutes: number): Promise<string[] | null> {
  const counted: string[] = [];
  for (const [key, max] of limits) {
    if (!(await countAttemptWithin(ctx, key, windowMinutes, max))) {
      for (const done of counted) await uncountAttempt(ctx, done);
      return null;
    }
    counted.push(key);
  }
  return counted;
}

/** Gives back an attempt counted before the secret turned out right (it was not a guess). */
export async function uncountAttempt(ctx: AppContext, key: string): Promise<void> {
  await ctx.db.updateTable('rate_limits').set({ count: sql`count - 1` }).where('key', '=', key).where('count', '>', 0n).execute();
}

export async function clearAttempts(ctx: AppContext, key: string) {
  await ctx.db.deleteFrom('rate_limits').where('key', '=', key).execute();
}
