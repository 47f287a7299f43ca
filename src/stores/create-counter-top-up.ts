import type { AppContext } from '../app-context.ts';
import type { Actor } from '../auth/actor.ts';
import { insertAudit } from '../auth/auth-repository.ts';
import { parseMinorUnits } from '../domain/money.ts';
import { parseMsisdn } from '../domain/msisdn.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { fingerprintOf } from '../ledger/ledger-writer.ts';
import { storedAnswer } from '../ledger/stored-answer.ts';
import { findLineByMsisdn } from '../lines/lines-repository.ts';
import { applyTopUp, topUpLocks, type AppliedTopUp, type TopUpRequest } from '../topups/apply-top-up.ts';
import { storeCardAccountId, storeCashAccountId, TENDERS, type Tender } from './store-accounts.ts';
import { storeOfActor } from './store-of-actor.ts';
import { checkIdentification } from './check-identification.ts';

export interface CounterTopUpInput {
  msisdn: string;
  amount: number;
  tender: string;
  identificationId: string;
}

/**
 * A clerk tops up a line for an identified customer, paid in cash (source cash:<store>) or by card
 * (source clearing:store-card:<store>). The identification must be this store's and recent.
 */
type CounterTopUp = AppliedTopUp & { tender: Tender; storeId: string; identificationId: string };

export async function createCounterTopUp(ctx: AppContext, actor: Actor, input: CounterTopUpInput, idempotencyKey: string): Promise<Result<{ topUp: CounterTopUp; replayed: boolean }>> {
  const store = await storeOfActor(ctx, actor);
  if (!store.ok) return store;
  if (!(TENDERS as readonly string[]).includes(input.tender)) return fail('validation_failed', { field: 'tender', allowed: TENDERS });
  const tender = input.tender as Tender;
  const msisdn = parseMsisdn(input.msisdn);
  if (!msisdn.ok) return msisdn;
  // A till retrying a sale whose answer it lost gets that answer, whatever the identification's age
  // or the top-up limits since.
  const key = `counter-topup:${actor.id}:${idempotencyKey}`;
  const fingerprint = fingerprintOf({ msisdn: msisdn.value, amount: input.amount, tender, identificationId: input.identificationId });
  const stored = await storedAnswer<CounterTopUp>(ctx, key, fingerprint);
  if (stored) return stored.ok ? ok({ topUp: stored.value, replayed: true }) : stored;
  const amount = parseMinorUnits(input.amount);
  if (amount === null) return fail('amount_invalid');
  const { amountMin, amountMax } = ctx.settings.topup;
  if (amount < amountMin) return fail('amount_below_minimum', { minimum: Number(amountMin) });
  if (amount > amountMax) return fail('amount_above_maximum', { maximum: Number(amountMax) });
  const checked = await checkIdentification(ctx, store.value.id, input.identificationId);
  if (!checked.ok) return checked;
  const identification = checked.value;
  const line = await findLineByMsisdn(ctx, msisdn.value);
  if (!line) return fail('line_not_found');
  const storeId = store.value.id;
  const sourceAccountId = tender === 'cash' ? storeCashAccountId(storeId) : storeCardAccountId(storeId);
  const request: TopUpRequest = { lineId: line.id, amount, sourceAccountId, channel: 'store', actorId: actor.id };
  const expiresAt = new Date(ctx.clock.now().getTime() + ctx.settings.idempotency.retentionHours * 3_600_000).toISOString();
  const submitted = await ctx.writer.submit({
    name: 'counter_topup',
    lock: (now: Date) => topUpLocks(request, now, ctx.settings.topup),
    idempotency: { key, fingerprint, expiresAt },
    execute: (tx) => {
      const applied = applyTopUp(tx, request, ctx.settings.topup, ctx.settings.lifecycle);
      if (!applied.ok) return applied;
      tx.insert('store_topups', { topup_id: applied.value.id, store_id: storeId, tender, identification_id: identification.id, amount, actor_id: actor.id, created_at: tx.nowIso });
      return ok({ ...applied.value, tender, storeId, identificationId: identification.id });
    },
  });
  if (!submitted.ok) return submitted;
  if (!submitted.value.replayed) {
    await insertAudit(ctx, actor, 'counter.topup', submitted.value.value.id, { storeId, tender, identificationId: identification.id, amount: Number(amount) });
  }
  return ok({ topUp: submitted.value.value, replayed: submitted.value.replayed });
}
