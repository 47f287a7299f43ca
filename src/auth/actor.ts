import { fail, type Result } from '../domain/result.ts';

/** Who is asking. Roles are enforced in use cases, not only in the UI. */
export const ROLES = ['admin', 'clerk', 'agent', 'subscriber', 'partner', 'aggregator', 'network'] as const;
export type Role = (typeof ROLES)[number];
/** Roles of systems, not people: they hold API keys, never a login with a password. */
export const MACHINE_ROLES: readonly Role[] = ['partner', 'aggregator', 'network'];

export interface Actor {
  /** The user's or API key's id. */
  id: string;
  kind: 'user' | 'api_key' | 'system';
  role: Role;
  /** For API keys bound to a channel: the ledger account its top-ups are funded from. */
  sourceAccountId: string | null;
}

export const SYSTEM_ACTOR: Actor = { id: 'system', kind: 'system', role: 'admin', sourceAccountId: null };

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/** Passes when the actor holds one of the roles. */
export function requireRole(actor: Actor, roles: readonly Role[]): Result<void> | null {
  return roles.includes(actor.role) ? null : fail('forbidden', { requiredRoles: roles });
}
