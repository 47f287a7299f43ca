import type { AppContext } from '../app-context.ts';
import { addressKeyOf } from '../auth/address-key.ts';
import { countAttempt } from '../auth/auth-repository.ts';
import { maskMsisdn, operatorHint, parseMsisdn } from '../domain/msisdn.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { findLineByMsisdn } from '../lines/lines-repository.ts';
import { terminatedBySchedule } from '../lifecycle/lifecycle-rules.ts';

/**
 * Lets a payer see they typed the right number before paying, without logging in: the masked
 * number and its operator only, never a name or balance, and the top-up amounts this deployment
 * takes (its settings, not the line's: how much a line took today is nobody else's business).
 * Limited per IP against enumeration.
 */
export async function confirmLine(ctx: AppContext, msisdnInput: string, ip: string): Promise<Result<{ msisdn: string; operator: string | null; canTopUp: boolean; amountMin: number; amountMax: number }>> {
  const { velocityWindowMinutes, confirmLinePerIpMax } = ctx.settings.payments;
  if (await countAttempt(ctx, `payment:confirm:${addressKeyOf(ip)}`, velocityWindowMinutes) > confirmLinePerIpMax) {
    return fail('rate_limited', { retryAfterSeconds: velocityWindowMinutes * 60 });
  }
  const msisdn = parseMsisdn(msisdnInput);
  if (!msisdn.ok) return msisdn;
  const line = await findLineByMsisdn(ctx, msisdn.value);
  if (!line) return fail('line_not_found');
  const { amountMin, amountMax } = ctx.settings.topup;
  return ok({
    msisdn: maskMsisdn(line.msisdn), operator: line.operator ?? operatorHint(line.msisdn, ctx.settings.operatorPrefixes), canTopUp: !terminatedBySchedule(line.status, line.valid_until, ctx.clock.now().getTime(), ctx.settings.lifecycle),
    amountMin: Number(amountMin), amountMax: Number(amountMax),
  });
}
