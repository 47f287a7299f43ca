import type { PaymentStatus } from './providers/payment-provider.ts';

/**
 * The payment state machine (DESIGN.md section 7), pure. A transition not in the table is refused:
 * a late "processing" webhook after "succeeded" changes nothing, and a payment settles once.
 */
export const PAYMENT_STATUSES: readonly PaymentStatus[] = ['created', 'requires_action', 'processing', 'succeeded', 'failed', 'canceled', 'expired', 'unknown'];

export const FINAL_STATUSES: readonly PaymentStatus[] = ['succeeded', 'failed', 'canceled', 'expired'];

const TRANSITIONS: Record<PaymentStatus, readonly PaymentStatus[]> = {
  created: ['requires_action', 'processing', 'succeeded', 'failed', 'canceled', 'expired', 'unknown'],
  requires_action: ['processing', 'succeeded', 'failed', 'canceled', 'expired', 'unknown'],
  processing: ['succeeded', 'failed', 'canceled', 'unknown'],
  unknown: ['processing', 'succeeded', 'failed', 'canceled', 'expired'],
  succeeded: [],
  failed: [],
  canceled: [],
  expired: [],
};

export function isPaymentStatus(value: string): value is PaymentStatus {
  return (PAYMENT_STATUSES as readonly string[]).includes(value);
}

export function canTransition(from: PaymentStatus, to: PaymentStatus): boolean {
  return TRANSITIONS[from].includes(to);
}

export function isFinal(status: PaymentStatus): boolean {
  return FINAL_STATUSES.includes(status);
}

/** What settling a payment does to its pending ledger transfer: post it, void it, or nothing yet. */
export function settlementOf(status: PaymentStatus): 'post' | 'void' | null {
  if (status === 'succeeded') return 'post';
  if (status === 'failed' || status === 'canceled' || status === 'expired') return 'void';
  return null;
}
