import type { Kysely } from 'kysely';

/**
 * What a POS top-up changed on its line, so that its reversal can put it back: the validity before
 * and after it, the status before it, and the first top-up's time before it. Without them a top-up
 * reversed within its window kept the validity it gave and the reactivation it made: a cashier
 * could keep any number alive, or bring a suspended one back, without anyone paying. Null for
 * POS top-ups made before (their reversal keeps the line as it is, as it did).
 */
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('agent_topups').addColumn('line_status_before', 'text').execute();
  await db.schema.alterTable('agent_topups').addColumn('line_valid_until_before', 'text').execute();
  await db.schema.alterTable('agent_topups').addColumn('line_valid_until_after', 'text').execute();
  await db.schema.alterTable('agent_topups').addColumn('line_first_topup_at_before', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const column of ['line_first_topup_at_before', 'line_valid_until_after', 'line_valid_until_before', 'line_status_before']) {
    await db.schema.alterTable('agent_topups').dropColumn(column).execute();
  }
}
