import type { AppContext } from '../app-context.ts';
import { requireRole, type Actor } from '../auth/actor.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { usageCommand, type UsageResult } from './consume-usage.ts';
import { serializeByKeys } from '../ledger/serialize-by-keys.ts';
import { planUsage, type UsageEventInput } from './plan-usage.ts';

/** Roles trusted to report usage: the network's charging systems (API key role network) and admins. */
const USAGE_REPORTER_ROLES = ['admin', 'network'] as const;

/**
 * A request that raced another one carrying the same event id fails its batch on the
 * usage_events primary key; planned again, that event reads as a duplicate. One whose buckets
 * changed between its reads and its command (a renewal carried their units over) is planned again
 * too. Bounded retries.
 */
const ATTEMPTS_MAX = 3;

export interface UsageReport {
  results: UsageResult[];
  recorded: number;
  duplicates: number;
  rejected: number;
}

/**
 * Records a batch of usage events from the network, idempotently per event id, in one ledger
 * command: buckets first (earliest expiry), then pay-as-you-go, the rest reported uncovered.
 */
export async function recordUsage(ctx: AppContext, actor: Actor, events: UsageEventInput[]): Promise<Result<UsageReport>> {
  const denied = requireRole(actor, USAGE_REPORTER_ROLES);
  if (denied) return denied as Result<never>;
  if (events.length === 0 || events.length > ctx.settings.usage.eventsPerRequestMax) {
    return fail('validation_failed', { field: 'events', maximum: ctx.settings.usage.eventsPerRequestMax });
  }
  return serializeByKeys(ctx, events.map((e) => e.id), async () => {
    for (let attempt = 1; ; attempt++) {
      const plan = await planUsage(ctx, events);
      // Planned again when its buckets changed before the command ran (usage_plan_stale); the last attempt rates on what it read.
      const result = await ctx.writer.submit(usageCommand(plan, { ...ctx.settings.usage, balanceLowMinor: ctx.settings.reminders.balanceLowMinor }, attempt < ATTEMPTS_MAX));
      if (result.ok) return ok(summarize(result.value.value));
      const retriable = result.error.code === 'usage_plan_stale' || (result.error.code === 'unavailable' && result.error.details?.reason === 'ledger_write_failed');
      if (!retriable || attempt >= ATTEMPTS_MAX) return result;
    }
  });
}

function summarize(results: UsageResult[]): UsageReport {
  const report: UsageReport = { results, recorded: 0, duplicates: 0, rejected: 0 };
  for (const result of results) {
    if (result.status === 'recorded') report.recorded++;
    else if (result.status === 'duplicate') report.duplicates++;
    else report.rejected++;
  }
  return report;
}
