import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AppContext } from '../app-context.ts';
import { requireRole, type Actor } from '../auth/actor.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { countAttempt, countAttemptWithin, uncountAttempt } from '../auth/auth-repository.ts';
import { readCounters } from '../ledger/read-counters.ts';
import { storedAnswer } from '../ledger/stored-answer.ts';
import { serializeByKeys } from '../ledger/serialize-by-keys.ts';
import { almatyDate } from '../domain/time.ts';
import { lineCreditAccountId } from '../credit/credit-accounts.ts';
import { owedBy } from '../credit/credit-repository.ts';
import { balancesOf } from '../lines/lines-repository.ts';
import {
  planTransfer, runTransfer, terminationDueAt, transferDayCounterKey, transferKeyOf, transferRefusal,
  type BalanceTransfer, type CheckedTransfer, type TransferBalanceInput,
} from './transfer-balance.ts';
import { findConfirmation, findConfirmationByKey, giveBackCodeTry, insertConfirmation, markConfirmed, takeCodeTry, type TransferConfirmationRow } from './transfers-repository.ts';

export interface TransferConfirmationView {
  confirmationId: string;
  status: 'awaiting_confirmation' | 'confirmed';
  from: string;
  to: string;
  amount: number;
  fee: number;
  currency: 'KZT';
  expiresAt: string;
}

/** The SMS that carries the code to the sending line; its text is never listed back (list-line-messages.ts). */
export const CONFIRMATION_TOPIC = 'transfer.confirmation_requested';
const CODE_DIGITS = 6;

/**
 * A subscriber's transfer, step one: checked as far as it can be without the ledger, then held
 * until the sender confirms it with the one-time code sent by SMS to the sending line, so that a
 * session alone (a phone left unlocked, a stolen token) cannot send money away. The same request
 * again (same Idempotency-Key and body) finds the same confirmation and sends no second code.
 */
export async function requestTransfer(ctx: AppContext, actor: Actor, input: TransferBalanceInput, idempotencyKey: string): Promise<Result<{ confirmation: TransferConfirmationView; replayed: boolean }>> {
  // The same request sent twice at once (a double tap) runs one after the other in this process:
  // the later finds the earlier's confirmation, instead of counting a second code against
  // TRANSFER_CODES_PER_HOUR_MAX (and being refused 429 once the count passed it) for one code sent.
  return serializeByKeys(ctx, [`transfer-request:${actor.id}:${idempotencyKey}`], () => askForCode(ctx, actor, input, idempotencyKey));
}

async function askForCode(ctx: AppContext, actor: Actor, input: TransferBalanceInput, idempotencyKey: string): Promise<Result<{ confirmation: TransferConfirmationView; replayed: boolean }>> {
  const plan = await planTransfer(ctx, actor, input);
  if (!plan.ok) return plan;
  const again = async () => {
    const existing = await findConfirmationByKey(ctx, actor.id, idempotencyKey);
    if (!existing) return null;
    if (existing.fingerprint !== plan.value.fingerprint) return fail('idempotency_key_reused');
    return ok({ confirmation: viewOf(ctx, existing, plan.value), replayed: true });
  };
  const found = await again();
  if (found) return found;
  const now = ctx.clock.now();
  const refused = await refusalBeforeCode(ctx, plan.value, now);
  if (refused) return refused;
  if (await countAttempt(ctx, `transfer-codes:${plan.value.sourceId}`, 60) > ctx.settings.transfers.codesPerHourMax) {
    return fail('rate_limited', { retryAfterSeconds: 3_600 });
  }
  const id = ctx.ids.next('tc');
  const code = (ctx.random(4).readUInt32BE(0) % 10 ** CODE_DIGITS).toString().padStart(CODE_DIGITS, '0');
  const row: TransferConfirmationRow = {
    id, actor_id: actor.id, idempotency_key: idempotencyKey, fingerprint: plan.value.fingerprint, source_line_id: plan.value.sourceId,
    target_line_id: plan.value.targetId, amount: plan.value.amount, code_hash: codeHash(ctx, id, code), attempts: 0n, status: 'pending', transfer_id: null,
    expires_at: new Date(now.getTime() + ctx.settings.transfers.confirmationMinutes * 60_000).toISOString(), created_at: now.toISOString(),
  };
  const { source, target } = plan.value;
  const inserted = await insertConfirmation(ctx, row, {
    topic: CONFIRMATION_TOPIC,
    payload: { lineId: source.id, msisdn: source.msisdn, language: source.language, to: target.msisdn, amount: Number(row.amount), fee: Number(ctx.settings.transfers.fee), code, expiresAt: row.expires_at },
  });
  if (!inserted) return (await again()) ?? fail('transfer_confirmation_not_found');
  return ok({ confirmation: viewOf(ctx, row, plan.value), replayed: false });
}

/**
 * The transfer's ledger rules applied to what the lines and accounts say now, so that a transfer
 * bound to be refused (no money, a promised payment open, over the day's limit) is refused before
 * a code is sent. The ledger command applies them again under lock when the code comes back.
 */
async function refusalBeforeCode(ctx: AppContext, plan: CheckedTransfer, now: Date): Promise<Result<never> | null> {
  const dayKey = transferDayCounterKey(plan.sourceId, almatyDate(now));
  const [owed, balances, counters] = await Promise.all([
    owedBy(ctx, lineCreditAccountId(plan.sourceId)), balancesOf(ctx, [plan.sourceId]), readCounters(ctx, [dayKey]),
  ]);
  return transferRefusal(ctx.settings.transfers, plan.amount, {
    senderStatus: plan.source.status, senderValidUntil: plan.source.valid_until, at: now.toISOString(), receiverStatus: plan.target.status,
    receiverTerminatesAt: terminationDueAt(plan.target.valid_until, ctx.settings.lifecycle), owed, sentToday: counters.get(dayKey)!, available: balances.get(plan.sourceId)!.main,
  });
}

/**
 * Step two: the sender's code. A wrong one counts against TRANSFER_CONFIRMATION_ATTEMPTS_MAX; a
 * right one runs the transfer under the request's own idempotency key, so two confirmations at
 * once, or a repeat after it went through, move the money once and answer alike.
 */
export async function confirmTransfer(ctx: AppContext, actor: Actor, id: string, code: string): Promise<Result<{ transfer: BalanceTransfer; replayed: boolean }>> {
  const denied = requireRole(actor, ['subscriber']);
  if (denied) return denied as Result<never>;
  // One confirmation's codes are checked one after the other in this process: the right code sent
  // twice at once on the last try (a double tap, a retry after a timeout) found the try held by its
  // twin and no answer stored yet, and was told to send the transfer again (410) while the twin
  // moved the money; the later one now reads the confirmation once the earlier is done.
  return serializeByKeys(ctx, [`transfer-confirmation:${id}`], () => checkCode(ctx, actor, id, code));
}

async function checkCode(ctx: AppContext, actor: Actor, id: string, code: string): Promise<Result<{ transfer: BalanceTransfer; replayed: boolean }>> {
  const row = await findConfirmation(ctx, id);
  if (!row || row.actor_id !== actor.id) return fail('transfer_confirmation_not_found');
  const right = sameCode(codeHash(ctx, row.id, code), row.code_hash);
  // Its transfer ran: to its right code only ever its stored answer again, never the command (were
  // the answer purged before this row, running it would move the money a second time).
  if (row.status === 'confirmed') return right ? replayOf(ctx, row) : fail('transfer_confirmation_expired');
  const attemptsMax = ctx.settings.transfers.confirmationAttemptsMax;
  // Past its time or out of tries, the right code may still have moved the money: a process killed
  // after the transfer's commit and before the confirmation's update left the row pending with the
  // try taken. The right code gets that transfer (and the row is marked confirmed), never a 410 that
  // tells the sender to send the money again.
  if (row.expires_at <= ctx.clock.now().toISOString() || Number(row.attempts) >= attemptsMax) return right ? confirmedAfterCrash(ctx, row) : fail('transfer_confirmation_expired');
  // Every code tried for the sending line counts, over all its confirmations (each new one brings
  // three tries of its own), before it is checked; a right one is given back.
  const triesKey = `transfer-code-tries:${row.source_line_id}`;
  if (!(await countAttemptWithin(ctx, triesKey, 24 * 60, ctx.settings.transfers.codeTriesPerDayMax))) return fail('rate_limited', { retryAfterSeconds: 86_400 });
  // A try is taken before the code is checked, right or wrong, so that parallel guesses get no more than the tries left.
  const attempts = await takeCodeTry(ctx, row.id, attemptsMax);
  // No try left, or the right code twice at once on the last try, its twin holding the try or
  // done: the right code gets the twin's answer once it is stored.
  if (attempts === null) return right ? replayOf(ctx, row) : fail('transfer_confirmation_expired');
  if (!right) {
    if (Number(attempts) >= attemptsMax) return fail('transfer_confirmation_expired');
    return fail('transfer_confirmation_code_invalid', { attemptsLeft: attemptsMax - Number(attempts) });
  }
  await uncountAttempt(ctx, triesKey);
  const plan = { sourceId: row.source_line_id, targetId: row.target_line_id, amount: BigInt(row.amount), fingerprint: row.fingerprint };
  const result = await runTransfer(ctx, row.actor_id, plan, row.idempotency_key);
  // The right code's try is given back once the transfer is refused (no money, a limit) or done
  // (with the confirmation, one update): held meanwhile, a wrong guess cannot take it.
  if (!result.ok) {
    await giveBackCodeTry(ctx, row.id);
    return result;
  }
  await markConfirmed(ctx, row.id, result.value.transfer.id);
  return ok({ transfer: result.value.transfer, replayed: result.value.replayed });
}

/** A pending confirmation whose transfer ran (its stored answer): marked confirmed, and the transfer answered; else expired. */
async function confirmedAfterCrash(ctx: AppContext, row: TransferConfirmationRow): Promise<Result<{ transfer: BalanceTransfer; replayed: boolean }>> {
  const replay = await replayOf(ctx, row);
  if (replay.ok) await markConfirmed(ctx, row.id, replay.value.transfer.id);
  return replay;
}

/** A confirmed (or being confirmed) transfer's stored answer to its right code, or expired when there is none (yet, or any more). */
async function replayOf(ctx: AppContext, row: TransferConfirmationRow): Promise<Result<{ transfer: BalanceTransfer; replayed: boolean }>> {
  const stored = await storedAnswer<BalanceTransfer>(ctx, transferKeyOf(row.actor_id, row.idempotency_key), row.fingerprint);
  return stored?.ok ? ok({ transfer: stored.value, replayed: true }) : fail('transfer_confirmation_expired');
}

/** A keyed hash of the code, bound to its confirmation: the table alone does not give the code away. */
function codeHash(ctx: AppContext, id: string, code: string): string {
  return createHmac('sha256', ctx.settings.secretKey).update(`transfer-code:${id}:${code}`).digest('base64url');
}

function sameCode(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** A confirmation as answered, with the numbers of the lines its request was checked against. */
function viewOf(ctx: AppContext, row: TransferConfirmationRow, lines: { source: { msisdn: string }; target: { msisdn: string } }): TransferConfirmationView {
  return {
    confirmationId: row.id, status: row.status === 'confirmed' ? 'confirmed' : 'awaiting_confirmation', from: lines.source.msisdn, to: lines.target.msisdn,
    amount: Number(row.amount), fee: Number(ctx.settings.transfers.fee), currency: 'KZT', expiresAt: row.expires_at,
  };
}
