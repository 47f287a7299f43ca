import { sql, type Kysely } from 'kysely';

/**
 * Lines an admin suspended before 031 (a lost SIM, fraud) were left without a bar, so any top-up
 * after the upgrade lifted their suspension. This bars every line whose current suspension is an
 * admin's: suspended, not barred, and whose latest step into `suspended` was not the lifecycle's
 * (`grace_ended`, the only suspension the lifecycle job makes). The bar is dated at the line's
 * status change, as the suspend itself would have dated it (lifecycle-rules' isBarred compares the
 * two). One statement; each suspended line reads its latest event through line_events_line.
 */
export async function up(db: Kysely<any>): Promise<void> {
  await sql`update lines set barred_at = status_changed_at
    where status = 'suspended' and barred_at is null
    and (select e.reason from line_events e where e.line_id = lines.id and e.to_status = 'suspended' order by e.id desc limit 1) <> 'grace_ended'`.execute(db);
}

/** Nothing to undo: 031's down removes the column. */
export async function down(): Promise<void> {}
