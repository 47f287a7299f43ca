import type { AppContext } from '../app-context.ts';
import type { Database } from '../store/schema.ts';
import { scheduleOf, type LifecycleRules } from './lifecycle-rules.ts';

/** All SQL of the line lifecycle: due lines, a line's buckets, quarantine, status history. */
export type DueLine = Pick<Database['lines'], 'id' | 'msisdn' | 'status' | 'valid_until'>;

/**
 * Lines with a lifecycle step due at `now`, earliest validity first. A line is due when its
 * validity end plus the offset of its status has passed; the (status, valid_until) index serves it.
 */
export async function findDueLines(ctx: AppContext, now: Date, rules: LifecycleRules, limit: number): Promise<DueLine[]> {
  // Shift `now` back by each status's offset so that every comparison is valid_until <= bound.
  const back = scheduleOf(now, { graceDays: -rules.graceDays, suspendedDays: -rules.suspendedDays });
  return ctx.db.selectFrom('lines').select(['id', 'msisdn', 'status', 'valid_until'])
    .where('valid_until', 'is not', null)
    .where((eb) => eb.or([
      eb.and([eb('status', '=', 'active'), eb('valid_until', '<=', back.graceAt.toISOString())]),
      eb.and([eb('status', '=', 'grace'), eb('valid_until', '<=', back.suspendedAt.toISOString())]),
      eb.and([eb('status', '=', 'suspended'), eb('valid_until', '<=', back.terminatedAt.toISOString())]),
    ]))
    .orderBy('valid_until').orderBy('id').limit(limit).execute();
}

/** The ids of a line's bucket accounts (packages' allowances), to lock them for forfeiture. */
export async function bucketAccountIdsOf(ctx: AppContext, lineId: string): Promise<string[]> {
  const rows = await ctx.db.selectFrom('ledger_accounts').select('id').where('owner_id', '=', lineId).where('kind', '=', 'bucket').execute();
  return rows.map((r) => r.id);
}

/** The latest quarantine end of a number, when it is still in the future. */
export async function quarantineEndOf(ctx: AppContext, msisdn: string, now: Date): Promise<string | null> {
  const row = await ctx.db.selectFrom('number_quarantine').select('quarantined_until')
    .where('msisdn', '=', msisdn).where('quarantined_until', '>', now.toISOString())
    .orderBy('quarantined_until', 'desc').limit(1).executeTakeFirst();
  return row?.quarantined_until ?? null;
}

export async function listLineEvents(ctx: AppContext, lineId: string) {
  return ctx.db.selectFrom('line_events').selectAll().where('line_id', '=', lineId).orderBy('id').execute();
}
