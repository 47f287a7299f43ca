import type { AppContext } from '../app-context.ts';
import type { Actor } from '../auth/actor.ts';
import { findOffering } from '../catalog/catalog-repository.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { findBuyableLine } from './package-access.ts';
import { autoRenewOfRow, findPackage, setAutoRenew } from './packages-repository.ts';
import type { LedgerCommand } from '../ledger/ledger-writer.ts';
import { packageAutoRenewOffKey } from './package-keys.ts';
import { serializeByKeys } from '../ledger/serialize-by-keys.ts';

/** Turns auto-renewal of a package on or off (PATCH …/packages/{id}); idempotent by nature. */
export async function setPackageAutoRenew(ctx: AppContext, actor: Actor, msisdn: string, packageId: string, autoRenew: boolean): Promise<Result<{ id: string; autoRenew: boolean }>> {
  const line = await findBuyableLine(ctx, actor, msisdn);
  if (!line.ok) return line;
  if (line.value.status === 'terminated') return fail('line_terminated');
  const found = await findPackage(ctx, line.value.id, packageId);
  if (!found) return fail('package_not_found');
  if (autoRenew) {
    const record = await findOffering(ctx, found.pkg.offering_code);
    if (!record || Number(record.offering.auto_renew_allowed) !== 1) return fail('auto_renew_not_allowed', { offering: found.pkg.offering_code });
  }
  // The flag is also a ledger counter that the automatic renewal reads under lock, so that a renewal
  // the job planned before this answer is not charged after it. Written in the order that leaves no
  // pack renewing should the process stop between the two: off, the row first (the job no longer
  // tries it); on, the counter first (the job, seeing the row, then renews it). Changes of one
  // package in this process, and its renewals, go one at a time.
  return serializeByKeys(ctx, [`package:${packageId}`], async () => {
    if (autoRenew) {
      const flagged = await ctx.writer.submit(autoRenewFlagCommand(packageId, autoRenew));
      if (!flagged.ok) return flagged;
      await setAutoRenew(ctx, packageId, autoRenew, found.expiresAt);
    } else {
      await setAutoRenew(ctx, packageId, autoRenew, found.expiresAt);
      const flagged = await ctx.writer.submit(autoRenewFlagCommand(packageId, autoRenew));
      if (!flagged.ok) return flagged;
      // A PATCH turning it on in another process between the two writes (its counter, then its row,
      // before this counter) left the row on and the counter off: a pack shown auto-renewing that
      // never renews. The row, written last, decides: the counter is put back to agree with it.
      if (await autoRenewOfRow(ctx, packageId)) {
        const restored = await ctx.writer.submit(autoRenewFlagCommand(packageId, true));
        if (!restored.ok) return restored;
        return ok({ id: packageId, autoRenew: true });
      }
    }
    return ok({ id: packageId, autoRenew });
  });
}

/** Sets the package's counter package:<id>:auto_renew_off (1: off, 0: on). */
function autoRenewFlagCommand(packageId: string, autoRenew: boolean): LedgerCommand<null> {
  const key = packageAutoRenewOffKey(packageId);
  return {
    name: 'package_auto_renew',
    lock: { counters: [key] },
    execute: (tx) => {
      const wanted = autoRenew ? 0n : 1n;
      const current = tx.counter(key);
      if (current !== wanted) tx.increment(key, wanted - current);
      return ok(null);
    },
  };
}
