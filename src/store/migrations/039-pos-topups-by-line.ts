import type { Kysely } from 'kysely';

/**
 * A line's POS top-ups, for a reversal to read the line's reversed ones: a sale whose line was left
 * by an earlier sale reversed since is put back to what that sale found (reverse-pos-top-up.ts).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.createIndex('agent_topups_line').on('agent_topups').columns(['line_id', 'created_at']).execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex('agent_topups_line').execute();
}
