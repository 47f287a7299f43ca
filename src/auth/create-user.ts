import type { AppContext } from '../app-context.ts';
import { characterCount, passwordTooWeak } from '../domain/text.ts';
import { parseMsisdn } from '../domain/msisdn.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { findLineByMsisdn } from '../lines/lines-repository.ts';
import { MACHINE_ROLES, requireRole, type Actor, type Role } from './actor.ts';
import { findUserByLogin, insertAudit, insertUser, linkUserLine } from './auth-repository.ts';
import { hashPassword } from './secrets.ts';

/** What log-in (POST /v1/auth/login) takes: a longer password could be set here but never used. */
const PASSWORD_LENGTH_MAX = 200;

export interface CreateUserInput {
  login: string;
  password: string;
  role: Role;
  displayName?: string;
}

export interface UserView {
  id: string;
  login: string;
  role: Role;
  displayName: string | null;
}

/** A new user as GET /v1/users lists it: with when it was made, and not disabled. */
export interface NewUser extends UserView {
  createdAt: string;
  disabled: false;
}

/**
 * Admins create staff users and subscriber logins. A subscriber's login is their phone number
 * (E.164); the line with that number, if it exists, is linked to the login.
 */
export async function createUser(ctx: AppContext, actor: Actor, input: CreateUserInput): Promise<Result<NewUser>> {
  const denied = requireRole(actor, ['admin']);
  if (denied) return denied as Result<never>;
  if (MACHINE_ROLES.includes(input.role)) return fail('validation_failed', { field: 'role', reason: 'machine roles use API keys' });
  let login = input.login.trim().toLowerCase();
  if (input.role === 'subscriber') {
    const msisdn = parseMsisdn(input.login);
    if (!msisdn.ok) return msisdn;
    login = msisdn.value;
  } else if (!/^[a-z0-9._@-]{3,64}$/.test(login)) {
    return fail('validation_failed', { field: 'login', reason: '3-64 characters: letters, digits, . _ @ -' });
  } else if (parseMsisdn(login).ok) {
    // Log-in reads what parses as a phone number as a subscriber's: such a staff login could never log in.
    return fail('validation_failed', { field: 'login', reason: 'a staff login is not a phone number' });
  }
  if (passwordTooWeak(input.password, ctx.settings.auth.passwordLengthMin)) return fail('password_too_weak', { lengthMin: ctx.settings.auth.passwordLengthMin });
  if (characterCount(input.password) > PASSWORD_LENGTH_MAX) return fail('validation_failed', { field: 'password', reason: `at most ${PASSWORD_LENGTH_MAX} characters` });
  if (await findUserByLogin(ctx, login)) return fail('user_exists');
  const id = ctx.ids.next('usr');
  const passwordHash = await hashPassword(input.password, ctx.random(16));
  const createdAt = ctx.clock.now().toISOString();
  try {
    await insertUser(ctx, { id, login, passwordHash, role: input.role, displayName: input.displayName ?? null, createdAt });
  } catch (error) {
    if (ctx.store.dialect.isUniqueViolation(error)) return fail('user_exists');
    throw error;
  }
  if (input.role === 'subscriber') {
    const line = await findLineByMsisdn(ctx, login);
    if (line) await linkUserLine(ctx, id, line.id);
  }
  await insertAudit(ctx, actor, 'user.create', id, { login, role: input.role });
  return ok({ id, login, role: input.role, displayName: input.displayName ?? null, createdAt, disabled: false });
}
