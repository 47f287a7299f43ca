import type { AppContext } from '../app-context.ts';
import type { Actor } from '../auth/actor.ts';
import { fail, type Result } from '../domain/result.ts';
import { findReadableLine } from '../lines/line-access.ts';
import { closedStoreRefusal } from '../stores/store-of-actor.ts';
import type { LineRow } from '../lines/lines-repository.ts';

/** Who may buy and renew: a subscriber for their own lines; admin, clerk and partner for any line. */
const BUYER_ROLES = ['admin', 'clerk', 'partner', 'subscriber'];

export async function findBuyableLine(ctx: AppContext, actor: Actor, msisdn: string): Promise<Result<LineRow>> {
  if (!BUYER_ROLES.includes(actor.role)) return fail('forbidden', { requiredRoles: BUYER_ROLES });
  const closed = await closedStoreRefusal(ctx, actor);
  if (closed) return closed;
  return findReadableLine(ctx, actor, msisdn);
}

export function idempotencyExpiry(ctx: AppContext): string {
  return new Date(ctx.clock.now().getTime() + ctx.settings.idempotency.retentionHours * 3_600_000).toISOString();
}

/**
 * `price_changed` when the caller said which price it was shown (`expectedPrice`) and the price of
 * the moment is another; null otherwise. The price checked is the one the command then charges.
 */
export function priceChangedFrom(expectedPrice: number | undefined, price: bigint): Result<never> | null {
  if (expectedPrice === undefined || (Number.isSafeInteger(expectedPrice) && BigInt(expectedPrice) === price)) return null;
  return fail('price_changed', { price: Number(price) });
}
