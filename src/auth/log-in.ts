import type { AppContext } from '../app-context.ts';
import { parseMsisdn } from '../domain/msisdn.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { clearAttempts, countAttempt, findUserByLogin, insertSession, uncountAttempt } from './auth-repository.ts';
import { hashToken, verifyPassword } from './secrets.ts';

export interface LoginInput {
  login: string;
  password: string;
  ip: string;
}

export interface Session {
  token: string;
  expiresAt: string;
  user: { id: string; login: string; role: string };
}

/** Subscribers log in with their phone number as they type it; staff with their login name. */
export async function logIn(ctx: AppContext, input: LoginInput): Promise<Result<Session>> {
  const phone = parseMsisdn(input.login);
  const login = phone.ok ? phone.value : input.login.trim().toLowerCase();
  const { loginAttemptsMax, loginWindowMinutes, sessionTtlHours } = ctx.settings.auth;
  const keys = [`login:${login}`, `login-ip:${input.ip}`];
  // Counted before the password is checked, so that attempts sent all at once cannot all get through.
  let limited = false;
  for (const key of keys) {
    const limit = key.startsWith('login-ip:') ? loginAttemptsMax * 4 : loginAttemptsMax;
    if (await countAttempt(ctx, key, loginWindowMinutes) > limit) limited = true;
  }
  if (limited) return fail('rate_limited', { retryAfterSeconds: loginWindowMinutes * 60 });
  const user = await findUserByLogin(ctx, login);
  const valid = user && !user.disabled_at ? await verifyPassword(input.password, user.password_hash) : false;
  if (!user || !valid) return fail('invalid_credentials');
  await clearAttempts(ctx, keys[0]!);
  await uncountAttempt(ctx, keys[1]!);
  const token = ctx.random(32).toString('base64url');
  const expiresAt = new Date(ctx.clock.now().getTime() + sessionTtlHours * 3_600_000).toISOString();
  await insertSession(ctx, hashToken(token), user.id, expiresAt);
  return ok({ token, expiresAt, user: { id: user.id, login: user.login, role: user.role } });
}
