import type { AppContext } from '../app-context.ts';
import { characterCount, nameWithin, passwordTooWeak } from '../domain/text.ts';
import { requireRole, type Actor } from '../auth/actor.ts';
import { insertAudit } from '../auth/auth-repository.ts';
import { hashPassword } from '../auth/secrets.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { clearingAccountId } from '../ledger/accounts.ts';
import { ensureAccounts } from '../ledger/ensure-system-accounts.ts';
import { insertAggregator } from './aggregators-repository.ts';
import { isAllowlistEntry, tooWideAlone } from './ip-allowlist.ts';

export interface CreateAggregatorInput {
  code: string;
  name?: string;
  /** HTTP Basic secret (user name = code); optional only when an IP allowlist is given. */
  password?: string;
  ipAllowlist?: string[];
}

export interface CreatedAggregator {
  code: string;
  name: string;
  clearingAccountId: string;
  ipAllowlist: string[];
  basicAuth: boolean;
  endpoints: { osmp: string; kaspi: string };
  createdAt: string;
}

export const AGGREGATOR_CODE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$/;
const NAME_LENGTH_MAX = 100;
const PASSWORD_LENGTH_MAX = 200;
const IP_ALLOWLIST_ENTRIES_MAX = 100;

/** The ledger account an aggregator's top-ups are funded from: what it owes the operator. */
export const aggregatorClearingAccountId = (code: string) => clearingAccountId(`agg:${code}`);

/** Registers a payment aggregator with its clearing account (admin). */
export async function createAggregator(ctx: AppContext, actor: Actor, input: CreateAggregatorInput): Promise<Result<CreatedAggregator>> {
  const denied = requireRole(actor, ['admin']);
  if (denied) return denied as Result<never>;
  if (!AGGREGATOR_CODE_PATTERN.test(input.code)) return fail('validation_failed', { field: 'code', pattern: AGGREGATOR_CODE_PATTERN.source });
  const name = nameWithin(input.name ?? input.code, NAME_LENGTH_MAX);
  if (name === null) return fail('validation_failed', { field: 'name', reason: `blank or over ${NAME_LENGTH_MAX} characters` });
  const ipAllowlist = input.ipAllowlist ?? [];
  if (ipAllowlist.length > IP_ALLOWLIST_ENTRIES_MAX) return fail('validation_failed', { field: 'ipAllowlist', maximum: IP_ALLOWLIST_ENTRIES_MAX });
  const badEntry = ipAllowlist.find((entry) => !isAllowlistEntry(entry));
  if (badEntry !== undefined) return fail('validation_failed', { field: 'ipAllowlist', entry: badEntry });
  if (input.password === undefined && ipAllowlist.length === 0) return fail('validation_failed', { field: 'password', reason: 'a password, an IP allowlist or both are required' });
  const tooWide = input.password === undefined ? tooWideAlone(ipAllowlist) : undefined;
  if (tooWide !== undefined) return fail('validation_failed', { field: 'ipAllowlist', entry: tooWide, reason: 'without a password, networks of at most /16 (IPv4) or /32 (IPv6)' });
  if (input.password !== undefined) {
    if (passwordTooWeak(input.password, ctx.settings.auth.passwordLengthMin)) return fail('password_too_weak', { lengthMin: ctx.settings.auth.passwordLengthMin });
    if (characterCount(input.password) > PASSWORD_LENGTH_MAX) return fail('validation_failed', { field: 'password' });
  }
  const passwordHash = input.password === undefined ? null : await hashPassword(input.password, ctx.random(16));
  const now = ctx.clock.now();
  const accountId = aggregatorClearingAccountId(input.code);
  await ensureAccounts(ctx.store, [{ id: accountId, unit: 'KZT', kind: 'clearing', ownerId: `agg:${input.code}` }], now);
  const inserted = await insertAggregator(ctx, {
    code: input.code, name, passwordHash, ipAllowlist, clearingAccountId: accountId, active: true, createdAt: now.toISOString(),
  });
  if (!inserted) return fail('aggregator_exists', { code: input.code });
  await insertAudit(ctx, actor, 'aggregator.create', input.code, { name, ipAllowlist, basicAuth: passwordHash !== null });
  return ok({
    code: input.code, name, clearingAccountId: accountId, ipAllowlist, basicAuth: passwordHash !== null,
    endpoints: { osmp: `/aggregators/${input.code}/osmp`, kaspi: `/aggregators/${input.code}/kaspi` }, createdAt: now.toISOString(),
  });
}
