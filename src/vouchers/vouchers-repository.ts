import type { AppContext } from '../app-context.ts';
import type { Database } from '../store/schema.ts';

/** All SQL of vouchers (scratch cards). */
export type VoucherRow = Database['vouchers'];
export type VoucherBatchRow = Database['voucher_batches'];
const CHUNK_ROWS_MAX = 500;

/** The batch, its vouchers and the vouchers' clearing account (if missing), in one transaction. */
export async function insertBatch(ctx: AppContext, batch: VoucherBatchRow, vouchers: VoucherRow[], clearingAccountId: string): Promise<void> {
  await ctx.db.transaction().execute(async (trx) => {
    await trx.insertInto('ledger_accounts').values({
      id: clearingAccountId, unit: 'KZT', kind: 'clearing', owner_id: null, flags: 0n, debits_posted: 0n, credits_posted: 0n,
      debits_pending: 0n, credits_pending: 0n, expires_at: null, metadata: null, created_at: batch.created_at,
    }).onConflict((c) => c.column('id').doNothing()).execute();
    await trx.insertInto('voucher_batches').values(batch).execute();
    for (let start = 0; start < vouchers.length; start += CHUNK_ROWS_MAX) {
      await trx.insertInto('vouchers').values(vouchers.slice(start, start + CHUNK_ROWS_MAX)).execute();
    }
  });
}

export async function findBatch(ctx: AppContext, id: string): Promise<VoucherBatchRow | undefined> {
  return ctx.store.readDb.selectFrom('voucher_batches').selectAll().where('id', '=', id).executeTakeFirst();
}

/**
 * Marks the generated vouchers of a batch sold; the batch row is claimed first so a batch sells once.
 * A batch with no generated voucher left (voided), or expired by `soldAt`, is not claimed: no dealer
 * is recorded for it.
 */
export async function markBatchSold(ctx: AppContext, batchId: string, dealer: string, soldAt: string): Promise<number> {
  return ctx.db.transaction().execute(async (trx) => {
    const claimed = await trx.updateTable('voucher_batches').set({ dealer, sold_at: soldAt }).where('id', '=', batchId).where('sold_at', 'is', null).where('expires_at', '>', soldAt)
      .where((eb) => eb.exists(eb.selectFrom('vouchers').select('id').where('batch_id', '=', batchId).where('state', '=', 'generated'))).executeTakeFirst();
    if (Number(claimed.numUpdatedRows) === 0) return 0;
    const sold = await trx.updateTable('vouchers').set({ state: 'sold' }).where('batch_id', '=', batchId).where('state', '=', 'generated').executeTakeFirst();
    return Number(sold.numUpdatedRows);
  });
}

/** Which of these PIN hashes a voucher (of any batch) already has. */
export async function takenPinHashes(ctx: AppContext, pinHashes: readonly string[]): Promise<Set<string>> {
  const taken = new Set<string>();
  for (let start = 0; start < pinHashes.length; start += CHUNK_ROWS_MAX) {
    const rows = await ctx.db.selectFrom('vouchers').select('pin_hash').where('pin_hash', 'in', pinHashes.slice(start, start + CHUNK_ROWS_MAX)).execute();
    for (const row of rows) taken.add(row.pin_hash);
  }
  return taken;
}

export async function findVoucherByPinHash(ctx: AppContext, pinHash: string): Promise<VoucherRow | undefined> {
  return ctx.store.readDb.selectFrom('vouchers').selectAll().where('pin_hash', '=', pinHash).executeTakeFirst();
}

export async function findVoucherBySerial(ctx: AppContext, serial: string): Promise<VoucherRow | undefined> {
  return ctx.store.readDb.selectFrom('vouchers').selectAll().where('serial', '=', serial).executeTakeFirst();
}

export async function isRedeemed(ctx: AppContext, voucherId: string): Promise<boolean> {
  return (await ctx.store.readDb.selectFrom('voucher_redemptions').select('voucher_id').where('voucher_id', '=', voucherId).executeTakeFirst()) !== undefined;
}

export async function blockVoucher(ctx: AppContext, voucherId: string): Promise<void> {
  await ctx.db.updateTable('vouchers').set({ state: 'blocked' }).where('id', '=', voucherId).execute();
}

/** Blocks the vouchers of a batch not yet sold (a voided batch); returns how many. */
export async function blockUnsoldVouchers(ctx: AppContext, batchId: string): Promise<number> {
  const blocked = await ctx.db.updateTable('vouchers').set({ state: 'blocked' }).where('batch_id', '=', batchId).where('state', '=', 'generated').executeTakeFirst();
  return Number(blocked.numUpdatedRows);
}

/** Counts per state of a batch; redeemed ones counted from redemptions. */
export async function batchCounts(ctx: AppContext, batchId: string) {
  const states = await ctx.store.readDb.selectFrom('vouchers').select(['state', (eb) => eb.fn.countAll<bigint>().as('n')]).where('batch_id', '=', batchId).groupBy('state').execute();
  const redeemed = await ctx.store.readDb.selectFrom('voucher_redemptions').innerJoin('vouchers', 'vouchers.id', 'voucher_redemptions.voucher_id')
    .select((eb) => eb.fn.countAll<bigint>().as('n')).where('vouchers.batch_id', '=', batchId).executeTakeFirst();
  return { states: Object.fromEntries(states.map((s) => [s.state, Number(s.n)])), redeemed: Number(redeemed?.n ?? 0) };
}
