import type { ErrorCode } from './errors.ts';

/** Pure ledger rules (TigerBeetle's model): no I/O here, only what a transfer may do. */
export const UNITS = ['KZT', 'DATA_BYTES', 'VOICE_SECONDS', 'SMS'] as const;
export type Unit = (typeof UNITS)[number];

export const AccountFlags = {
  none: 0n,
  /** A subscriber's balance: posted and pending debits may never exceed posted credits. */
  debitsMustNotExceedCredits: 1n,
  /** The mirror rule, for accounts that may only be drawn up to what they owe. */
  creditsMustNotExceedDebits: 2n,
} as const;

export type TransferKind = 'posted' | 'pending' | 'post_pending' | 'void_pending';

export interface AccountState {
  id: string;
  unit: Unit;
  kind: string;
  ownerId: string | null;
  flags: bigint;
  debitsPosted: bigint;
  creditsPosted: bigint;
  debitsPending: bigint;
  creditsPending: bigint;
  expiresAt: string | null;
  /** The newest transfer that names the account (null before its first): where its chain of transfers starts. */
  lastTransferId: string | null;
}

/** What a subscriber can spend: credits less posted and pending debits. */
export function availableBalance(account: AccountState): bigint {
  return account.creditsPosted - account.debitsPosted - account.debitsPending;
}

/** Why a transfer of `amount` between these accounts would be refused, or null when it may go. */
export function transferRefusal(debit: AccountState, credit: AccountState, amount: bigint): ErrorCode | null {
  if (amount <= 0n) return 'amount_invalid';
  if (debit.id === credit.id) return 'amount_invalid';
  if (debit.unit !== credit.unit) return 'unit_mismatch';
  if ((debit.flags & AccountFlags.debitsMustNotExceedCredits) !== 0n
    && debit.debitsPosted + debit.debitsPending + amount > debit.creditsPosted) return 'exceeds_credits';
  if ((credit.flags & AccountFlags.creditsMustNotExceedDebits) !== 0n
    && credit.creditsPosted + credit.creditsPending + amount > credit.debitsPosted) return 'exceeds_credits';
  // Each side's posted and pending totals together within what a BIGINT holds (posting a
  // reservation moves it from one to the other): past it the batch's write failed as a whole and
  // the transfer was answered 503 unavailable, retried for ever.
  if (debit.debitsPosted + debit.debitsPending + amount > ACCOUNT_TOTAL_MAX
    || credit.creditsPosted + credit.creditsPending + amount > ACCOUNT_TOTAL_MAX) return 'amount_above_maximum';
  return null;
}

/** The most an account's totals may hold: the database's BIGINT (2^63 − 1). */
export const ACCOUNT_TOTAL_MAX = 2n ** 63n - 1n;

/** Applies a transfer's effect on an account's totals (returns a new object). */
export function applyToAccount(account: AccountState, side: 'debit' | 'credit', amount: bigint, kind: TransferKind, pendingAmount = 0n): AccountState {
  const next = { ...account };
  const posted = side === 'debit' ? 'debitsPosted' : 'creditsPosted';
  const pending = side === 'debit' ? 'debitsPending' : 'creditsPending';
  if (kind === 'posted') next[posted] += amount;
  else if (kind === 'pending') next[pending] += amount;
  else if (kind === 'post_pending') {
    next[pending] -= pendingAmount;
    next[posted] += amount;
  } else next[pending] -= pendingAmount;
  return next;
}
