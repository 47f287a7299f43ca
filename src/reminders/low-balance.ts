import { availableBalance, type AccountState } from '../domain/ledger.ts';
import type { BatchTx } from '../ledger/batch-tx.ts';

/**
 * Tells the subscriber (outbox `balance.low`) when a charge takes their main balance from at least
 * `threshold` to below it: once per crossing, not at every charge below it. A top-up above it and
 * a later charge below it tell again. A threshold of 0 tells nothing.
 */
export function announceLowBalance(tx: BatchTx, before: AccountState, after: AccountState, line: { id: string; msisdn: string; language: string } | undefined, threshold: bigint): void {
  if (threshold <= 0n) return;
  const left = availableBalance(after);
  if (availableBalance(before) < threshold || left >= threshold) return;
  tx.outbox('balance.low', { lineId: line?.id ?? before.ownerId, msisdn: line?.msisdn ?? null, balance: Number(left), threshold: Number(threshold), language: line?.language ?? null });
}
