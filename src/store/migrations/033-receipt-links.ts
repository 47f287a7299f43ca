import { sql, type Kysely, type RawBuilder } from 'kysely';

/**
 * A line's history names each movement's receipt from the transfer's metadata (`receipt`), written
 * since 2026-12-06 (afternoon). Movements written before hold no such key, so after an upgrade a
 * subscriber could not reach any older receipt from their history. The receipts are all known by
 * the rows that took them, and this writes their numbers into the transfers they were issued with,
 * as the code does now:
 * - a top-up (every channel's: `topups.transfer_id`) on its credit to the line;
 * - a package bought or renewed (`package_periods`) on its payments to revenue (codes
 *   `package_purchase` and `promotion`), which name the package and were written by the same
 *   command at the same instant as the period;
 * - a refund (`payment_refunds`) on the transfer that posted its reservation.
 * Metadata is JSON text written by JSON.stringify, so the key is appended as text (portable SQL,
 * both databases); receipt numbers (`R-2026-00000123`) need no escaping. Transfers that already
 * name a receipt are left as they are, so running it twice changes nothing.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const withReceipt = (receipt: RawBuilder<unknown>) => sql`case
      when ledger_transfers.metadata is null or ledger_transfers.metadata = '{}' then '{"receipt":"' || ${receipt} || '"}'
      else substr(ledger_transfers.metadata, 1, length(ledger_transfers.metadata) - 1) || ',"receipt":"' || ${receipt} || '"}'
    end`;
  const unnamed = sql`(ledger_transfers.metadata is null or ledger_transfers.metadata not like '%"receipt"%')`;
  await sql`update ledger_transfers set metadata = ${withReceipt(sql`t.receipt_number`)}
    from topups t where t.transfer_id = ledger_transfers.id and ${unnamed}`.execute(db);
  await sql`update ledger_transfers set metadata = ${withReceipt(sql`p.receipt_number`)}
    from package_periods p
    where p.receipt_number is not null and ledger_transfers.created_at = p.created_at
      and ledger_transfers.code in ('package_purchase', 'promotion')
      and ledger_transfers.metadata like ('%"packageId":"' || p.package_id || '"%') and ${unnamed}`.execute(db);
  await sql`update ledger_transfers set metadata = ${withReceipt(sql`r.receipt_number`)}
    from payment_refunds r
    where r.receipt_number is not null and ledger_transfers.pending_id = r.pending_transfer_id and ledger_transfers.kind = 'post_pending' and ${unnamed}`.execute(db);
}

/** The numbers stay: the code before read no such key, and ignores it. */
export async function down(): Promise<void> {}
