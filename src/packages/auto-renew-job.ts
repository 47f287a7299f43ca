import type { AppContext } from '../app-context.ts';
import { addDays } from '../domain/time.ts';
import type { Job } from '../jobs/job.ts';
import { packageSettings } from './package-settings.ts';
import { dueRenewals, markRenewalFailed } from './packages-repository.ts';
import { renewOnce } from './renew-package.ts';

/** Packages handled per run; the next run takes the rest. */
export const RENEWALS_PER_RUN_MAX = 500;

/**
 * Renews auto-renewing packages that have ended, and keeps retrying those that could not be paid
 * for as long as the retry window lasts, so that a top-up revives them on the next run. The key
 * `package-renewal:<package>:<period>` makes a renewal charge once however many runs or processes
 * try it; a refusal is recorded once per period with the outbox event package.renewal_failed.
 */
export const autoRenewJob: Job = {
  name: 'packages.auto_renew',
  intervalMs: 60_000,
  async run(ctx: AppContext): Promise<number> {
    const now = ctx.clock.now();
    const windowStart = addDays(now, -packageSettings(ctx).renewalRetryDays).toISOString();
    const due = await dueRenewals(ctx, now.toISOString(), windowStart, RENEWALS_PER_RUN_MAX);
    let renewed = 0;
    for (const found of due) {
      const period = BigInt(found.latest.period) + 1n;
      const result = await renewOnce(ctx, found, 'auto_renewal', 'system', { key: `package-renewal:${found.pkg.id}:${period}`, fingerprint: 'auto-renewal', expiresAt: null });
      if (result.ok) {
        if (!result.value.replayed) renewed += 1;
        continue;
      }
      if (result.error.code === 'package_renewal_conflict') continue;
      await markRenewalFailed(ctx, found.pkg.id, period, {
        packageId: found.pkg.id, lineId: found.pkg.line_id, offering: found.pkg.offering_code, period: Number(period),
        reason: result.error.code, details: result.error.details ?? {}, retryUntil: addDays(new Date(found.expiresAt), packageSettings(ctx).renewalRetryDays).toISOString(),
      });
    }
    return renewed;
  },
};
