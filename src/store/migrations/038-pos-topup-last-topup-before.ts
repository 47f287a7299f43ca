import type { Kysely } from 'kysely';

/**
 * A POS top-up's line's last top-up time before it, so that its reversal puts that back too:
 * kept, a reversed top-up stood as the line's recent top-up, which a promised payment needs
 * (CREDIT_RECENT_TOPUP_DAYS). Null for top-ups made before, and for a line's first top-up.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('agent_topups').addColumn('line_last_topup_at_before', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('agent_topups').dropColumn('line_last_topup_at_before').execute();
}
