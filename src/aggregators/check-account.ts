import type { AppContext } from '../app-context.ts';
import { dailyTopUpUse } from '../topups/apply-top-up.ts';
import { findLineByMsisdn } from '../lines/lines-repository.ts';
import { terminatedBySchedule } from '../lifecycle/lifecycle-rules.ts';
import type { Aggregator } from './aggregators-repository.ts';
import { RESULT, type ProtocolAnswer } from './protocol.ts';
import { answer, formatAndLimitRefusal, type WellFormedRequest } from './validate-protocol-request.ts';

/**
 * `check`: may this account be paid this sum now? Reads only; the pay that follows decides again
 * under the ledger's locks, so a check answer is advice, never a reservation.
 */
export async function checkAccount(ctx: AppContext, _aggregator: Aggregator, request: WellFormedRequest, reqId?: string): Promise<ProtocolAnswer> {
  const refusal = formatAndLimitRefusal(ctx, request);
  if (refusal) return refusal;
  let line: Awaited<ReturnType<typeof findLineByMsisdn>>;
  try {
    line = await findLineByMsisdn(ctx, request.msisdn!);
  } catch (error) {
    // The database did not answer: the protocol's own "cannot check now", not an HTTP 500.
    ctx.reportError(error, { component: 'aggregator-check', reqId });
    return answer(request, RESULT.cannotCheck, 'cannot check the account now; retry');
  }
  if (!line) return answer(request, RESULT.accountNotFound, 'account not found');
  // Terminated by its schedule too, recorded yet or not: the pay would refuse it once the payer had paid at the terminal.
  if (terminatedBySchedule(line.status, line.valid_until, ctx.clock.now().getTime(), ctx.settings.lifecycle)) return answer(request, RESULT.accountInactive, 'account is not active');
  const { usedToday } = dailyTopUpUse(line.daily_topup_date, BigInt(line.daily_topup_amount), ctx.clock.now());
  if (usedToday + request.amount > ctx.settings.topup.lineDailyMax) return answer(request, RESULT.paymentForbidden, 'daily top-up limit of this account reached');
  return answer(request, RESULT.ok, 'OK');
}
