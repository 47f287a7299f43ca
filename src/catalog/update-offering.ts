import type { AppContext } from '../app-context.ts';
import { requireRole, type Actor } from '../auth/actor.ts';
import { toJsonAmount } from '../domain/money.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { auditCatalog, findOffering, updateOffering, type OfferingRecord } from './catalog-repository.ts';
import { parseOffering, sameTerms, type OfferingDefinition, type OfferingInput } from './offering.ts';
import { definitionOf, toOfferingView, type OfferingView } from './offering-view.ts';

export type OfferingPatch = Partial<Omit<OfferingInput, 'code' | 'kind'>>;

const UPDATE_ATTEMPTS_MAX = 3;

/**
 * Changes an offering (admin only). A change of price, validity, allowances or rates makes a new
 * price version; purchases made before keep theirs. Names, window and flags change in place.
 */
export async function patchOffering(ctx: AppContext, actor: Actor, code: string, patch: OfferingPatch): Promise<Result<OfferingView>> {
  const denied = requireRole(actor, ['admin']);
  if (denied) return denied as Result<never>;
  for (let attempt = 0; attempt < UPDATE_ATTEMPTS_MAX; attempt += 1) {
    const current = await findOffering(ctx, code);
    if (!current) return fail('offering_not_found', { code });
    const merged = mergePatch(current, patch);
    if (!merged.ok) return merged;
    const { definition, newVersion } = merged.value;
    if (await updateOffering(ctx, current, definition, newVersion)) {
      await auditCatalog(ctx, actor, 'offering.update', code, { patch, newVersion });
      return ok(toOfferingView((await findOffering(ctx, code))!, 'en'));
    }
  }
  return fail('unavailable', { reason: 'concurrent_offering_updates' });
}

/** A patch laid over the stored offering and checked whole; whether its terms make a new price version. */
export function mergePatch(current: OfferingRecord, patch: OfferingPatch): Result<{ definition: OfferingDefinition; newVersion: boolean }> {
  const base = definitionOf(current);
  const merged = parseOffering({ ...inputOf(base), ...patch, code: base.code, kind: base.kind });
  if (!merged.ok) return merged;
  return ok({ definition: merged.value, newVersion: !sameTerms(base.terms, merged.value.terms) });
}

/** A stored definition written back as input, so that a patch replaces whole fields. */
export function inputOf(d: OfferingDefinition): OfferingInput {
  const rate = (value: bigint | null) => (value === null ? undefined : toJsonAmount(value));
  return {
    code: d.code, kind: d.kind, price: toJsonAmount(d.terms.price),
    ...(d.terms.feePeriod ? { feePeriod: d.terms.feePeriod } : { validityDays: d.terms.validityDays }),
    allowances: { dataBytes: Number(d.terms.dataBytes), voiceSeconds: Number(d.terms.voiceSeconds), sms: Number(d.terms.smsCount) },
    ...(d.kind === 'tariff' ? { payAsYouGo: { perMb: rate(d.terms.ratePerMb), perMinute: rate(d.terms.ratePerMinute), perSms: rate(d.terms.ratePerSms) } } : {}),
    names: d.names, descriptions: d.descriptions, features: d.features, availableFrom: d.availableFrom, availableUntil: d.availableUntil,
    autoRenewAllowed: d.autoRenewAllowed, stacks: d.stacks,
  };
}
