import type { AppContext } from '../app-context.ts';
import { serializeByKeys } from '../ledger/serialize-by-keys.ts';
import { storedAnswer } from '../ledger/stored-answer.ts';
import type { Actor } from '../auth/actor.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { fingerprintOf, type LedgerCommand } from '../ledger/ledger-writer.ts';
import { priceOffering } from '../promotions/quote-price.ts';
import { findBuyableLine, idempotencyExpiry, priceChangedFrom } from './package-access.ts';
import { periodCommand, type PeriodReason, type PeriodResult } from './package-period-command.ts';
import { findPackage, type PackageWithPeriod } from './packages-repository.ts';
import { forfeitExpiredBonus } from '../promotions/expire-bonus-job.ts';

const RENEW_ATTEMPTS_MAX = 3;

/**
 * Renews a package now (POST …/packages/{id}/renew), at most once per idempotency key. A stacking
 * offering adds a new bucket from now; a non-stacking one extends: the new period continues from
 * the current end and carries the unused units over. The price is the offering's current version.
 */
export async function renewPackage(ctx: AppContext, actor: Actor, msisdn: string, packageId: string, idempotencyKey: string, expectedPrice?: number): Promise<Result<{ renewal: PeriodResult; replayed: boolean }>> {
  const line = await findBuyableLine(ctx, actor, msisdn);
  if (!line.ok) return line;
  const key = `renew:${actor.id}:${idempotencyKey}`;
  // An absent expectedPrice leaves the fingerprint as it was before the field existed (undefined is left out).
  const fingerprint = fingerprintOf({ msisdn: line.value.msisdn, packageId, expectedPrice });
  const stored = await storedAnswer<PeriodResult>(ctx, key, fingerprint);
  if (stored) return stored.ok ? ok({ renewal: stored.value, replayed: true }) : stored;
  // Renewals of one package in this process wait for each other; one racing a renewal elsewhere
  // (another process, the auto-renew job) sees a conflict and plans again.
  return serializeByKeys(ctx, [`package:${packageId}`], async () => {
    for (let attempt = 0; attempt < RENEW_ATTEMPTS_MAX; attempt += 1) {
      const found = await findPackage(ctx, line.value.id, packageId);
      if (!found) return fail('package_not_found');
      const result = await renewOnce(ctx, found, 'renewal', actor.id, { key, fingerprint, expiresAt: idempotencyExpiry(ctx) }, expectedPrice);
      if (!result.ok && result.error.code === 'package_renewal_conflict') continue;
      if (!result.ok) {
        // Refused before the writer looked for this key, maybe by what this request's twin (the same
        // key and body, sent twice at once) did meanwhile: it used up the promotion the price was
        // quoted with (price_changed). Its answer is stored then, and this repeat answers it.
        const again = await storedAnswer<PeriodResult>(ctx, key, fingerprint);
        return again ? (again.ok ? ok({ renewal: again.value, replayed: true }) : again) : result;
      }
      return ok({ renewal: result.value.value, replayed: result.value.replayed });
    }
    return fail('package_renewal_conflict');
  });
}

/**
 * One attempt to add the next period to a package; the auto-renew job calls this too. With
 * `expectedPrice` (the price the subscriber was shown), any other price is `price_changed`: the
 * price charged is the one checked here, the quote the command is planned with.
 */
export async function renewOnce(
  ctx: AppContext, found: PackageWithPeriod, reason: PeriodReason, actorId: string, idempotency: LedgerCommand<PeriodResult>['idempotency'],
  expectedPrice?: number, firstAutomaticAttempt?: boolean,
) {
  // Expired bonus the job has not forfeited yet goes first: the price is paid from the bonus first.
  const [priced] = await Promise.all([priceOffering(ctx, found.pkg.offering_code, found.pkg.line_id), forfeitExpiredBonus(ctx, found.pkg.line_id)]);
  if (!priced.ok) return priced;
  const changed = priceChangedFrom(expectedPrice, priced.value.quote.price);
  if (changed) return changed;
  const plan = {
    reason, packageId: found.pkg.id, lineId: found.pkg.line_id, record: priced.value.record, quote: priced.value.quote,
    expectedPeriods: BigInt(found.latest.period) + 1n, previousBucketIds: JSON.parse(found.latest.bucket_ids) as string[],
    autoRenew: Number(found.pkg.auto_renew) === 1, actorId, balanceLowMinor: ctx.settings.reminders.balanceLowMinor, anchorAt: found.pkg.starts_at,
    firstAutomaticAttempt: firstAutomaticAttempt === true, packageStacks: Number(found.pkg.stacks) === 1,
  };
  return ctx.writer.submit(periodCommand(plan, idempotency));
}
