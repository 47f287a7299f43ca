import type { AppContext } from '../app-context.ts';
import type { Database } from '../store/schema.ts';

/** All SQL of transfer confirmations (migration 026); the transfers themselves go through the ledger writer. */
export type TransferConfirmationRow = Database['transfer_confirmations'];

/**
 * The confirmation and the event that sends its code to the sender, in one transaction; false when
 * the (actor, idempotency key) pair already has one (a racing repeat), which is then to be read.
 */
export async function insertConfirmation(ctx: AppContext, row: TransferConfirmationRow, event: { topic: string; payload: Record<string, unknown> }): Promise<boolean> {
  return ctx.db.transaction().execute(async (trx) => {
    const inserted = await trx.insertInto('transfer_confirmations').values(row)
      .onConflict((c) => c.columns(['actor_id', 'idempotency_key']).doNothing()).executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) return false;
    await trx.insertInto('outbox').values({
      id: ctx.ids.next('evt'), topic: event.topic, payload: JSON.stringify(event.payload), created_at: row.created_at, available_at: row.created_at,
      attempts: 0n, processed_at: null, last_error: null,
    }).execute();
    return true;
  });
}

export async function findConfirmationByKey(ctx: AppContext, actorId: string, idempotencyKey: string): Promise<TransferConfirmationRow | undefined> {
  return ctx.db.selectFrom('transfer_confirmations').selectAll().where('actor_id', '=', actorId).where('idempotency_key', '=', idempotencyKey).executeTakeFirst();
}

export async function findConfirmation(ctx: AppContext, id: string): Promise<TransferConfirmationRow | undefined> {
  return ctx.db.selectFrom('transfer_confirmations').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Counts one wrong code, unless the attempts are used up already (two wrong codes at once count twice, never past the limit). */
/**
 * Takes one of a pending confirmation's tries before its code is checked, in one conditional
 * update: the tries after it, or null when none is left. Checked first and counted after, parallel
 * guesses read the same count and the right code could pass after the last try was spent.
 */
export async function takeCodeTry(ctx: AppContext, id: string, attemptsMax: number): Promise<bigint | null> {
  const updated = await ctx.db.updateTable('transfer_confirmations').set((eb) => ({ attempts: eb('attempts', '+', 1n) }))
    .where('id', '=', id).where('status', '=', 'pending').where('attempts', '<', BigInt(attemptsMax)).executeTakeFirst();
  if (Number(updated.numUpdatedRows) !== 1) return null;
  const row = await findConfirmation(ctx, id);
  return row ? BigInt(row.attempts) : null;
}

/** A right code's try given back: only wrong codes count against a confirmation. */
export async function giveBackCodeTry(ctx: AppContext, id: string): Promise<void> {
  await ctx.db.updateTable('transfer_confirmations').set((eb) => ({ attempts: eb('attempts', '-', 1n) })).where('id', '=', id).where('attempts', '>', 0n).execute();
}

/** Confirmed, with the right code's try given back in the same update (only wrong codes count). */
export async function markConfirmed(ctx: AppContext, id: string, transferId: string): Promise<void> {
  await ctx.db.updateTable('transfer_confirmations').set((eb) => ({ status: 'confirmed', transfer_id: transferId, attempts: eb('attempts', '-', 1n) }))
    .where('id', '=', id).where('status', '=', 'pending').where('attempts', '>', 0n).execute();
}
