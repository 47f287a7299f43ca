import type { AppContext } from '../app-context.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { quarantineEndOf } from './lifecycle-repository.ts';

/**
 * A terminated line's number is quarantined for LIFECYCLE_QUARANTINE_DAYS, so that a new owner
 * does not receive the calls and messages of the old one. POST /v1/lines calls this before
 * creating a line: `number_quarantined` (409, details.until) while it lasts.
 */
export async function checkNumberReusable(ctx: AppContext, msisdn: string): Promise<Result<void>> {
  const until = await quarantineEndOf(ctx, msisdn, ctx.clock.now());
  return until === null ? ok(undefined) : fail('number_quarantined', { until });
}
