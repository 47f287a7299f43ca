import type { AppContext } from '../app-context.ts';
import type { Actor } from '../auth/actor.ts';
import { findOffering } from '../catalog/catalog-repository.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { findBuyableLine } from './package-access.ts';
import { findPackage, setAutoRenew } from './packages-repository.ts';

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
  await setAutoRenew(ctx, packageId, autoRenew, found.expiresAt);
  return ok({ id: packageId, autoRenew });
}
