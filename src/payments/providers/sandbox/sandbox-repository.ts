import type { Kysely } from 'kysely';
import type { Database } from '../../../store/schema.ts';

/** All SQL of the sandbox provider: its own "provider-side" checkout sessions. */
export type SandboxSessionRow = Database['sandbox_sessions'];

export async function insertSession(db: Kysely<Database>, row: SandboxSessionRow): Promise<void> {
  await db.insertInto('sandbox_sessions').values(row).execute();
}

export async function findSession(db: Kysely<Database>, id: string): Promise<SandboxSessionRow | undefined> {
  return db.selectFrom('sandbox_sessions').selectAll().where('id', '=', id).executeTakeFirst();
}

/** Moves a session from one status to another; false when someone else moved it first. */
export async function moveSession(db: Kysely<Database>, id: string, from: readonly string[], patch: Partial<SandboxSessionRow>): Promise<boolean> {
  const result = await db.updateTable('sandbox_sessions').set(patch).where('id', '=', id).where('status', 'in', from).executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

export async function addRefund(db: Kysely<Database>, id: string, amount: bigint, now: string): Promise<boolean> {
  const result = await db.updateTable('sandbox_sessions')
    .set((eb) => ({ refunded_amount: eb('refunded_amount', '+', amount), updated_at: now }))
    .where('id', '=', id).where('status', '=', 'succeeded')
    .where((eb) => eb(eb('refunded_amount', '+', amount), '<=', eb.ref('amount')))
    .executeTakeFirst();
  return Number(result.numUpdatedRows) === 1;
}

/**
 * A refund under its idempotency key, once: the first call claims the key and refunds if the
 * session allows it; a repeat (even one sent while the first is running: on PostgreSQL it waits
 * for the first's commit on the key, on SQLite the one connection serialises them) gets the first
 * answer, and a repeat with another session or amount is refused, as real providers do.
 */
export async function refundUnderKey(db: Kysely<Database>, key: string, sessionId: string, amount: bigint, refundId: string, now: string): Promise<{ status: string; refundId: string } | 'key_reused'> {
  return db.transaction().execute(async (trx) => {
    const claimed = await trx.insertInto('sandbox_refunds').values({ idempotency_key: key, session_id: sessionId, amount, refund_id: refundId, status: 'pending', created_at: now })
      .onConflict((c) => c.column('idempotency_key').doNothing()).executeTakeFirst();
    if (Number(claimed.numInsertedOrUpdatedRows ?? 0n) === 0) {
      const first = await trx.selectFrom('sandbox_refunds').selectAll().where('idempotency_key', '=', key).executeTakeFirstOrThrow();
      if (first.session_id !== sessionId || BigInt(first.amount) !== amount) return 'key_reused';
      return { status: first.status, refundId: first.refund_id };
    }
    const status = (await addRefund(trx, sessionId, amount, now)) ? 'succeeded' : 'refused';
    await trx.updateTable('sandbox_refunds').set({ status }).where('idempotency_key', '=', key).execute();
    return { status, refundId };
  });
}

/** Processing sessions whose time has come, earliest first (index sandbox_sessions_status_resolve: reads only those). */
export async function dueProcessingSessions(db: Kysely<Database>, nowIso: string, limit: number): Promise<SandboxSessionRow[]> {
  return db.selectFrom('sandbox_sessions').selectAll().where('status', '=', 'processing').where('resolve_at', '<=', nowIso)
    .orderBy('resolve_at').limit(limit).execute();
}

export async function findRefundUnderKey(db: Kysely<Database>, key: string): Promise<{ status: string; refund_id: string; session_id: string; amount: bigint } | undefined> {
  return db.selectFrom('sandbox_refunds').select(['status', 'refund_id', 'session_id', 'amount']).where('idempotency_key', '=', key).executeTakeFirst();
}
