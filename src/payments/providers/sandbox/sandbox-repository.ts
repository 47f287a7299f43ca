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

/** Processing sessions whose time has come, earliest first (index sandbox_sessions_status_resolve: reads only those). */
export async function dueProcessingSessions(db: Kysely<Database>, nowIso: string, limit: number): Promise<SandboxSessionRow[]> {
  return db.selectFrom('sandbox_sessions').selectAll().where('status', '=', 'processing').where('resolve_at', '<=', nowIso)
    .orderBy('resolve_at').limit(limit).execute();
}
