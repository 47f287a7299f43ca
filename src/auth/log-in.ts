import type { AppContext } from '../app-context.ts';
import { parseMsisdn } from '../domain/msisdn.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { addressKeyOf } from './address-key.ts';
import { clearAttempts, countAttemptsWithin, deleteSession, findUserByLogin, findUserCredentialsNow, insertSession, uncountAttempt } from './auth-repository.ts';
import { randomBytes } from 'node:crypto';
import { hashPassword, hashToken, verifyPassword } from './secrets.ts';

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

/** How many more failed attempts a login takes from all addresses together than from one. */
const LOGIN_OVERALL_FACTOR = 20;

let dummy: Promise<string> | undefined;
/** A password hash no password matches, made once, checked when the login is unknown or disabled. */
function dummyHash(): Promise<string> {
  dummy ??= hashPassword(randomBytes(24).toString('base64url'), randomBytes(16));
  return dummy;
}

/** Subscribers log in with their phone number as they type it; staff with their login name. */
export async function logIn(ctx: AppContext, input: LoginInput): Promise<Result<Session>> {
  const phone = parseMsisdn(input.login);
  const login = phone.ok ? phone.value : input.login.trim().toLowerCase();
  const { loginAttemptsMax, loginWindowMinutes, sessionTtlHours } = ctx.settings.auth;
  const refused = fail('rate_limited', { retryAfterSeconds: loginWindowMinutes * 60 });
  // Counted before the password is checked, so that attempts sent all at once cannot all get
  // through. The address first: one already over its limit stops here, and counts against no
  // login, so it cannot lock anyone out. A login is limited per address (the guesser's), and
  // overall only far higher (guessing from many addresses), so that strangers' wrong passwords
  // do not lock its owner out.
  // An attempt refused checks no password: it is given back where it was counted (countAttemptsWithin).
  // An IPv6 client is counted by its /64, every address of which it may send from (addressKeyOf).
  const address = addressKeyOf(input.ip);
  const ipKey = `login-ip:${address}`;
  // Each kind of key in a namespace of its own, the login (any text) last: a login sent as
  // "<login>:<address>" is no other login's key at that address (login:… is the login's overall key).
  const pairKey = `login-pair:${address}:${login}`;
  const loginKey = `login:${login}`;
  const limits = [[ipKey, loginAttemptsMax * 4], [pairKey, loginAttemptsMax], [loginKey, loginAttemptsMax * LOGIN_OVERALL_FACTOR]] as const;
  if (!(await countAttemptsWithin(ctx, limits, loginWindowMinutes))) return refused;
  const user = await findUserByLogin(ctx, login);
  // A password is checked whether or not the login exists, so the time taken does not tell.
  const usable = user !== undefined && !user.disabled_at;
  const valid = await verifyPassword(input.password, usable ? user.password_hash : await dummyHash());
  if (!usable || !valid) return fail('invalid_credentials');
  await clearAttempts(ctx, pairKey);
  await uncountAttempt(ctx, loginKey);
  await uncountAttempt(ctx, ipKey);
  const token = ctx.random(32).toString('base64url');
  const expiresAt = new Date(ctx.clock.now().getTime() + sessionTtlHours * 3_600_000).toISOString();
  await insertSession(ctx, hashToken(token), user.id, expiresAt);
  // A new password (or a disabled login) set while this password was checked ended the user's
  // sessions before this one was written: read again after writing it, the password checked must
  // still be the user's. Changed after this read, the change's own ending of sessions takes this one.
  const now = await findUserCredentialsNow(ctx, user.id);
  if (!now || now.disabled_at || now.password_hash !== user.password_hash) {
    await deleteSession(ctx, hashToken(token));
    return fail('invalid_credentials');
  }
  return ok({ token, expiresAt, user: { id: user.id, login: user.login, role: user.role } });
}
