import type { AppContext } from '../app-context.ts';
import { passwordTooWeak } from '../domain/text.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { requireRole, type Actor, type Role } from './actor.ts';
import { deleteSessionsOf, findUserById, insertAudit, updateUserRow } from './auth-repository.ts';
import { hashPassword } from './secrets.ts';

export interface UserPatch {
  disabled?: boolean;
  password?: string;
  displayName?: string;
}

/** The user as GET /v1/users lists it, after the change. */
export interface UserAdminView {
  id: string;
  login: string;
  role: Role;
  displayName: string | null;
  createdAt: string;
  disabled: boolean;
}

/**
 * An admin disables a login (staff who left, a subscriber login taken over), enables it again,
 * sets a new password (a subscriber who forgot theirs, identified at a store) or renames it.
 * Disabling or a new password ends every session of the user at once: the caller's process
 * forgets them now, other processes within the authentication cache's few seconds.
 */
export async function updateUser(ctx: AppContext, actor: Actor, userId: string, patch: UserPatch): Promise<Result<UserAdminView>> {
  const denied = requireRole(actor, ['admin']);
  if (denied) return denied as Result<never>;
  if (patch.disabled === undefined && patch.password === undefined && patch.displayName === undefined) {
    return fail('validation_failed', { reason: 'nothing_to_change', fields: ['disabled', 'password', 'displayName'] });
  }
  if (patch.disabled === true && actor.kind === 'user' && actor.id === userId) return fail('validation_failed', { field: 'disabled', reason: 'an admin cannot disable their own login' });
  if (patch.password !== undefined && passwordTooWeak(patch.password, ctx.settings.auth.passwordLengthMin)) return fail('password_too_weak', { lengthMin: ctx.settings.auth.passwordLengthMin });
  const user = await findUserById(ctx, userId);
  if (!user) return fail('user_not_found');
  const changes: { disabled_at?: string | null; password_hash?: string; display_name?: string | null } = {};
  if (patch.disabled !== undefined) changes.disabled_at = patch.disabled ? (user.disabled_at ?? ctx.clock.now().toISOString()) : null;
  if (patch.password !== undefined) changes.password_hash = await hashPassword(patch.password, ctx.random(16));
  if (patch.displayName !== undefined) changes.display_name = patch.displayName.trim() || null;
  await updateUserRow(ctx, userId, changes);
  if (patch.disabled === true || patch.password !== undefined) await deleteSessionsOf(ctx, userId);
  // The password itself is never written to the audit log, only that it changed.
  await insertAudit(ctx, actor, 'user.update', userId, { disabled: patch.disabled, passwordChanged: patch.password !== undefined, displayName: patch.displayName });
  const disabledAt = changes.disabled_at === undefined ? user.disabled_at : changes.disabled_at;
  const displayName = changes.display_name === undefined ? user.display_name : changes.display_name;
  return ok({ id: user.id, login: user.login, role: user.role as Role, displayName, createdAt: user.created_at, disabled: disabledAt !== null });
}
