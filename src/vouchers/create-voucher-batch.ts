import type { AppContext } from '../app-context.ts';
import { parseInstant } from '../domain/time.ts';
import { requireRole, type Actor } from '../auth/actor.ts';
import { insertAudit } from '../auth/auth-repository.ts';
import { formatDecimal, parseMinorUnits } from '../domain/money.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { clearingAccountId } from '../ledger/accounts.ts';
import { generatePin, hashPin } from './voucher-pin.ts';
import type { VoucherRow } from './vouchers-repository.ts';
import { insertBatch, takenPinHashes } from './vouchers-repository.ts';

export const VOUCHERS_CLEARING_ID = clearingAccountId('vouchers');

export interface VoucherBatchCreated {
  id: string;
  faceValue: number;
  currency: 'KZT';
  count: number;
  expiresAt: string;
  /** serial,pin,face_value,currency,expires_at — for the printer. Shown once: only PIN hashes are stored. */
  csv: string;
  createdAt: string;
}

/**
 * An admin generates a batch of scratch cards: serials and 14-digit PINs from ctx.random, stored
 * as keyed hashes. The PINs leave the system once, in this answer's CSV, for the card printer.
 */
export async function createVoucherBatch(ctx: AppContext, actor: Actor, input: { faceValue: number; count: number; expiresAt: string }): Promise<Result<VoucherBatchCreated>> {
  const denied = requireRole(actor, ['admin']);
  if (denied) return denied as Result<never>;
  const faceValue = parseMinorUnits(input.faceValue);
  if (faceValue === null) return fail('amount_invalid');
  const { amountMin, amountMax, lineDailyMax } = ctx.settings.topup;
  if (faceValue < amountMin) return fail('amount_below_minimum', { minimum: Number(amountMin) });
  // A card above a line's daily limit (TOPUP_LINE_DAILY_MAX_KZT may be set below the top-up maximum)
  // would be refused daily_limit_exceeded on every line, every day: printed and sold, never redeemed.
  const faceValueMax = lineDailyMax < amountMax ? lineDailyMax : amountMax;
  if (faceValue > faceValueMax) return fail('amount_above_maximum', { maximum: Number(faceValueMax) });
  const countMax = ctx.settings.vouchers.batchCountMax;
  if (!Number.isSafeInteger(input.count) || input.count < 1 || input.count > countMax) return fail('validation_failed', { field: 'count', minimum: 1, maximum: countMax });
  const expiresMs = parseInstant(input.expiresAt);
  const expires = new Date(expiresMs ?? Number.NaN);
  const now = ctx.clock.now();
  if (expiresMs === null || expires.getTime() <= now.getTime()) return fail('validation_failed', { field: 'expiresAt', reason: 'an ISO-8601 time in the future' });
  const id = ctx.ids.next('vb');
  const createdAt = now.toISOString();
  const expiresAt = expires.toISOString();
  // Serial: the batch id's random tail and a running number; unique across batches by the index too.
  const prefix = id.slice(-8);
  const pins = await freshPins(ctx, input.count);
  const rows: VoucherRow[] = [];
  const lines = ['serial,pin,face_value,currency,expires_at'];
  for (const [index, pin] of pins.entries()) {
    const serial = `${prefix}${String(index + 1).padStart(6, '0')}`;
    rows.push({ id: ctx.ids.next('vc'), batch_id: id, serial, pin_hash: hashPin(ctx.settings.secretKey, pin), face_value: faceValue, currency: 'KZT', state: 'generated', expires_at: expiresAt, created_at: createdAt });
    lines.push(`${serial},${pin},${formatDecimal(faceValue)},KZT,${expiresAt}`);
  }
  await insertBatch(ctx, { id, face_value: faceValue, currency: 'KZT', count: BigInt(input.count), expires_at: expiresAt, dealer: null, sold_at: null, created_by: actor.id, created_at: createdAt }, rows, VOUCHERS_CLEARING_ID);
  await insertAudit(ctx, actor, 'voucher_batch.create', id, { faceValue: Number(faceValue), count: input.count, expiresAt });
  return ok({ id, faceValue: Number(faceValue), currency: 'KZT', count: input.count, expiresAt, csv: `${lines.join('\n')}\n`, createdAt });
}

/**
 * `count` PINs, none another voucher's: a PIN is unique over every batch ever made (the voucher
 * table's unique pin_hash, and a PIN must name one card), and 9 × 10^13 PINs are not so many that
 * a draw never meets an earlier batch's (about even odds over ten million cards): such a draw is
 * drawn again, where the insert would have failed the whole batch with a 500.
 */
async function freshPins(ctx: AppContext, count: number): Promise<string[]> {
  const chosen = new Set<string>();
  while (chosen.size < count) {
    const drawn = new Set<string>();
    while (chosen.size + drawn.size < count) {
      const pin = generatePin(ctx.random);
      if (!chosen.has(pin)) drawn.add(pin);
    }
    const byHash = new Map([...drawn].map((pin) => [hashPin(ctx.settings.secretKey, pin), pin]));
    const taken = await takenPinHashes(ctx, [...byHash.keys()]);
    for (const [hash, pin] of byHash) if (!taken.has(hash)) chosen.add(pin);
  }
  return [...chosen];
}
