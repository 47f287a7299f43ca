import { clearingAccountId, lineMainAccountId } from '../ledger/accounts.ts';
import type { LedgerCommand } from '../ledger/ledger-writer.ts';
import { ok } from '../domain/result.ts';
import { applyTopUp, topUpLocks, type TopUpRequest, type TopUpRules } from '../topups/apply-top-up.ts';
import type { LifecycleRules } from '../lifecycle/lifecycle-rules.ts';
import type { PaymentRow } from './payments-repository.ts';

export type Settlement = { action: 'post'; topUpId: string; receiptNumber: string; transferId: string } | { action: 'void'; transferId: string };

/** The one key under which a payment's pending transfer is settled: a payment settles once, one way. */
export const settlementKeyOf = (paymentId: string) => `payment:${paymentId}:settle`;

/**
 * Posts a paid payment's pending transfer through the common top-up rules (limits, validity,
 * receipt, outbox), or voids it. Run twice, it answers the first result; run the other way after
 * settling, it is refused with idempotency_key_reused.
 */
export function settlePaymentCommand(payment: PaymentRow, action: 'post' | 'void', rules: TopUpRules, lifecycle: LifecycleRules): LedgerCommand<Settlement> {
  const idempotency = { key: settlementKeyOf(payment.id), fingerprint: action, expiresAt: null };
  if (action === 'void') {
    return {
      name: 'payment_void', idempotency,
      lock: { accounts: [clearingAccountId(payment.provider), lineMainAccountId(payment.line_id)], pending: [payment.pending_transfer_id] },
      execute(tx) {
        const voided = tx.resolvePending(payment.pending_transfer_id, 'void', 'topup');
        if (!voided.ok) return { ok: false, error: { code: voided.code } };
        return ok({ action: 'void' as const, transferId: voided.id });
      },
    };
  }
  const request: TopUpRequest = {
    lineId: payment.line_id, amount: BigInt(payment.amount), sourceAccountId: clearingAccountId(payment.provider),
    channel: `online:${payment.provider}`, actorId: `payment:${payment.id}`, pendingTransferId: payment.pending_transfer_id,
    // Paid for a package: the purchase after the top-up spends it (no credit repaid, no top-up bonus).
    paysForPackage: payment.purpose === 'purchase',
  };
  return {
    name: 'payment_post', idempotency,
    lock: (now) => topUpLocks(request, now, rules),
    execute(tx) {
      const applied = applyTopUp(tx, request, rules, lifecycle);
      if (!applied.ok) return applied;
      return ok({ action: 'post' as const, topUpId: applied.value.id, receiptNumber: applied.value.receiptNumber, transferId: applied.value.transferId });
    },
  };
}
