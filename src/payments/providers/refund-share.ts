/**
 * What a refund of `amount` (in the payment's own minor units, tenge) pays back in the currency
 * the provider took (fen of yuan, cents of dollars), of `captured` taken in all for a payment of
 * `paid`, when `refundedBefore` went back in earlier refunds: its share of the capture, counted on
 * the running total and rounded down, so that refunds in parts add up to the capture exactly
 * (converted and rounded up part by part they could come to a fen more than was paid, and the
 * provider refused the last part), and so that a rate configured since the payment does not
 * change what the payer gets back. Null when the refunds would exceed the payment.
 */
export function refundShare(captured: bigint, paid: bigint, refundedBefore: bigint, amount: bigint): bigint | null {
  if (paid <= 0n || amount <= 0n || refundedBefore < 0n || refundedBefore + amount > paid) return null;
  return (captured * (refundedBefore + amount)) / paid - (captured * refundedBefore) / paid;
}
