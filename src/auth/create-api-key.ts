import type { AppContext } from '../app-context.ts';
import { nameWithin } from '../domain/text.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { requireRole, type Actor, type Role } from './actor.ts';
import { insertApiKey, insertAudit } from './auth-repository.ts';
import { API_KEY_PREFIX } from './authenticate.ts';
import { hashToken } from './secrets.ts';
import { clearingAccountId, FUNDING_KINDS, isOperatorSource } from '../ledger/accounts.ts';
import { ensureAccounts } from '../ledger/ensure-system-accounts.ts';

/** A clearing account a key may bring into being: `clearing:` and a channel name (no colon: `clearing:agg:…` are aggregators'). */
const NEW_CLEARING_ACCOUNT = /^clearing:[a-z0-9][a-z0-9_.-]{0,47}$/;

export interface CreateApiKeyInput {
  name: string;
  role: Role;
  /** The ledger account this key's top-ups are funded from (a channel's clearing account). */
  sourceAccountId?: string | null;
}

/** A new key as GET /v1/api-keys lists it, and the key itself. */
export interface NewApiKey {
  id: string;
  name: string;
  role: Role;
  /** The key's first characters, by which the list shows it. */
  prefix: string;
  sourceAccountId: string | null;
  createdAt: string;
  revoked: false;
  /** Shown once: only a hash is stored. */
  key: string;
}

export async function createApiKey(ctx: AppContext, actor: Actor, input: CreateApiKeyInput): Promise<Result<NewApiKey>> {
  const denied = requireRole(actor, ['admin']);
  if (denied) return denied as Result<never>;
  if (input.role === 'subscriber') return fail('validation_failed', { field: 'role', reason: 'subscribers log in; they do not hold API keys' });
  const name = nameWithin(input.name);
  if (name === null) return fail('validation_failed', { field: 'name', reason: 'blank or over 100 characters' });
  if (input.sourceAccountId) {
    const account = await ctx.db.selectFrom('ledger_accounts').select(['kind', 'unit']).where('id', '=', input.sourceAccountId).executeTakeFirst();
    if (!account && !NEW_CLEARING_ACCOUNT.test(input.sourceAccountId)) return fail('account_not_found', { accountId: input.sourceAccountId });
    if (account && (!FUNDING_KINDS.includes(account.kind) || account.unit !== 'KZT')) return fail('source_account_invalid');
    // A partner's (or an admin's) key tops up through the operator's own or its own clearing account,
    // never another channel's; only the USSD gateway's key takes clearing:ussd. (An agent's key is
    // funded by its float, a clerk's by its store.)
    const channelSource = !isOperatorSource(input.sourceAccountId) && input.sourceAccountId !== clearingAccountId('ussd');
    if ((input.role === 'partner' || input.role === 'admin') && channelSource) return fail('source_account_invalid', { accountId: input.sourceAccountId, reason: 'another channel\'s own account' });
    // A channel of its own (a partner's, say) is reconciled on its own: its clearing account is made with its first key.
    if (!account) await ensureAccounts(ctx.store, [{ id: input.sourceAccountId, unit: 'KZT', kind: 'clearing' }], ctx.clock.now());
  }
  const id = ctx.ids.next('key');
  const key = `${API_KEY_PREFIX}${ctx.random(24).toString('base64url')}`;
  const prefix = key.slice(0, 10);
  const sourceAccountId = input.sourceAccountId ?? null;
  const createdAt = ctx.clock.now().toISOString();
  await insertApiKey(ctx, { id, name, role: input.role, keyHash: hashToken(key), prefix, sourceAccountId, createdBy: actor.id, createdAt });
  await insertAudit(ctx, actor, 'api_key.create', id, { name, role: input.role });
  return ok({ id, name, role: input.role, prefix, sourceAccountId, createdAt, revoked: false, key });
}
