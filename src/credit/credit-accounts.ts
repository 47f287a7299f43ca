import { AccountFlags } from '../domain/ledger.ts';
import type { AccountState } from '../domain/ledger.ts';
import type { AccountSpec } from '../ledger/accounts.ts';

/**
 * A line's promised-payment account (kind line_credit). Granting debits it and credits the main
 * balance, so its debit balance is what the subscriber owes; repayments credit it, and it may
 * never be repaid beyond what is owed. It is created on the first grant.
 */
export const lineCreditAccountId = (lineId: string) => `${lineId}.credit`;
export const CREDIT_WRITEOFF_ACCOUNT_ID = 'expense:credit_writeoff';

export function lineCreditAccountSpec(lineId: string): AccountSpec {
  return { id: lineCreditAccountId(lineId), unit: 'KZT', kind: 'line_credit', ownerId: lineId, flags: AccountFlags.creditsMustNotExceedDebits };
}

/** What the line owes on its promised payments (0 when the account does not exist yet). */
export function outstandingOf(account: AccountState | undefined): bigint {
  if (!account) return 0n;
  return account.debitsPosted + account.debitsPending - account.creditsPosted - account.creditsPending;
}
