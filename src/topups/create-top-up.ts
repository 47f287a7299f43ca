import type { AppContext } from '../app-context.ts';
import { requireRole, type Actor } from '../auth/actor.ts';
import { isCurrency, parseMinorUnits } from '../domain/money.ts';
import { parseMsisdn } from '../domain/msisdn.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { clearingAccountId, isOperatorSource } from '../ledger/accounts.ts';
import { fingerprintOf } from '../ledger/ledger-writer.ts';
import { findLineIdByMsisdn } from '../lines/lines-repository.ts';
import { topUpCommand, type AppliedTopUp } from './apply-top-up.ts';

export interface CreateTopUpInput {
  msisdn: string;
  amount: number;
  currency: string;
  /** Funding account; admins may name one, other callers use their key's account or clearing:api. */
  source?: string;
}

export interface TopUpOutcome {
  topUp: AppliedTopUp;
  replayed: boolean;
}

/**
 * Roles trusted to credit a balance directly: money has reached the operator another way.
 * Clerks top up at the store counter, which first identifies the customer (src/stores).
 */
const TRUSTED_TOPUP_ROLES = ['admin', 'partner'] as const;
const NUMBER_MOVED = 'number_moved';

/**
 * The trusted-channel top-up: credits a line from a channel's clearing account, at most once per
 * idempotency key. Card, aggregator, agent and store top-ups run the same `applyTopUp` rules.
 */
export async function createTopUp(ctx: AppContext, actor: Actor, input: CreateTopUpInput, idempotencyKey: string): Promise<Result<TopUpOutcome>> {
  const denied = requireRole(actor, TRUSTED_TOPUP_ROLES);
  if (denied) return denied as Result<never>;
  if (!isCurrency(input.currency)) return fail('currency_unsupported', { currency: input.currency });
  const amount = parseMinorUnits(input.amount);
  if (amount === null) return fail('amount_invalid');
  const { amountMin, amountMax } = ctx.settings.topup;
  if (amount < amountMin) return fail('amount_below_minimum', { minimum: Number(amountMin) });
  if (amount > amountMax) return fail('amount_above_maximum', { maximum: Number(amountMax) });
  if (input.source !== undefined && actor.role !== 'admin') return fail('forbidden', { field: 'source' });
  if (input.source !== undefined && !isOperatorSource(input.source)) return fail('source_account_invalid', { accountId: input.source, reason: 'a channel\'s own account (aggregator, provider, vouchers, USSD, a store\'s till or card terminal, agents\' deposits or float): its channel moves money through it' });
  const msisdn = parseMsisdn(input.msisdn);
  if (!msisdn.ok) return msisdn;
  const expiresAt = new Date(ctx.clock.now().getTime() + ctx.settings.idempotency.retentionHours * 3_600_000).toISOString();
  const audited = actor.role === 'admin' && (actor.kind !== 'api_key' || input.source !== undefined);
  const submit = async (fresh: boolean) => {
    const lineId = await findLineIdByMsisdn(ctx, msisdn.value, { fresh });
    if (!lineId) return fail('line_not_found');
    const sourceAccountId = input.source ?? actor.sourceAccountId ?? clearingAccountId('api');
    // A key's own source too: the USSD gateway's key carries clearing:ussd to be known as the gateway
    // (it relays *111*PIN#, whose money comes from clearing:vouchers), not to credit lines from it.
    if (!isOperatorSource(sourceAccountId)) return fail('source_account_invalid', { accountId: sourceAccountId, reason: 'a channel\'s own account: its channel moves money through it' });
    const request = { lineId, amount, sourceAccountId, channel: actor.kind === 'api_key' ? 'api' : 'staff', actorId: actor.id };
    const fingerprint = fingerprintOf({ msisdn: msisdn.value, amount: input.amount, currency: input.currency, source: sourceAccountId });
    const command = topUpCommand(request, ctx.settings.topup, ctx.settings.lifecycle, { key: `topup:${actor.id}:${idempotencyKey}`, fingerprint, expiresAt });
    return ctx.writer.submit({
      ...command,
      execute: (tx) => {
        // The cached id may belong to a line that has since given its number to a new line.
        if (tx.line(lineId)?.msisdn !== msisdn.value) return fail('line_not_found', { reason: NUMBER_MOVED });
        const applied = command.execute(tx);
        // An admin's credit is a staff action, audited with it (a replay runs none of this again):
        // one logged in, or naming the account the money comes from. An admin key's plain top-ups are
        // an integration's traffic, as a partner's are, recorded by its key and clearing account.
        if (applied.ok && audited) {
          tx.insert('audit_log', {
            id: tx.newId('aud'), actor_id: actor.id, actor_role: actor.role, action: 'topup.create', target: applied.value.id,
            details: JSON.stringify({ amount: Number(amount), source: sourceAccountId }), created_at: tx.nowIso,
          });
        }
        return applied;
      },
    });
  };
  let result = await submit(false);
  if (!result.ok && result.error.details?.reason === NUMBER_MOVED) result = await submit(true);
  if (!result.ok) return result;
  return ok({ topUp: result.value.value, replayed: result.value.replayed });
}
