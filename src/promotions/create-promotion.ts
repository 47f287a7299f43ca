import type { AppContext } from '../app-context.ts';
import { parseInstant } from '../domain/time.ts';
import { requireRole, type Actor } from '../auth/actor.ts';
import { auditCatalog, findOffering } from '../catalog/catalog-repository.ts';
import { PRICE_MAX } from '../catalog/offering.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import type { PromotionTable } from '../packages/packages-tables.ts';
import { DISCOUNT_KINDS } from './promotion.ts';
import { insertPromotion } from './promotions-repository.ts';

export interface PromotionInput {
  code?: string;
  offerings?: string[];
  discountKind: string;
  /** Percent (1-100) or minor units. */
  discountValue: number;
  startsAt: string;
  endsAt: string;
  usesMax?: number;
  usesPerLineMax?: number;
}

export interface PromotionView {
  id: string; code: string | null; offerings: string[] | null; discountKind: string; discountValue: number; startsAt: string; endsAt: string;
  usesMax: number | null; usesPerLineMax: number | null; createdAt: string;
}

const PROMO_CODE = /^[A-Z0-9][A-Z0-9_-]{2,31}$/;
const USES_MAX = 100_000_000;
const OFFERINGS_MAX = 100;

/** Creates a time-windowed discount, automatic or behind a promo code, with optional use limits (admin only). */
export async function createPromotion(ctx: AppContext, actor: Actor, input: PromotionInput): Promise<Result<PromotionView>> {
  const denied = requireRole(actor, ['admin']);
  if (denied) return denied as Result<never>;
  const bad = (field: string) => fail('promotion_invalid', { field });
  if (input.code !== undefined && !PROMO_CODE.test(input.code)) return bad('code');
  if (!(DISCOUNT_KINDS as readonly string[]).includes(input.discountKind)) return bad('discountKind');
  const maxValue = input.discountKind === 'percent' ? 100 : Number(PRICE_MAX);
  if (!Number.isSafeInteger(input.discountValue) || input.discountValue < 1 || input.discountValue > maxValue) return bad('discountValue');
  const startsAt = parseInstant(input.startsAt);
  const endsAt = parseInstant(input.endsAt);
  if (startsAt === null) return bad('startsAt');
  // A window already over would make a promotion nobody can use: a mistyped year, most likely.
  if (endsAt === null || endsAt <= startsAt || endsAt <= ctx.clock.now().getTime()) return bad('endsAt');
  for (const [value, field] of [[input.usesMax, 'usesMax'], [input.usesPerLineMax, 'usesPerLineMax']] as const) {
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 1 || value > USES_MAX)) return bad(field);
  }
  if (input.offerings !== undefined) {
    // An empty list is refused, not read as "all": a list emptied by mistake would discount everything. Absent means all.
    if (!Array.isArray(input.offerings) || input.offerings.length === 0 || input.offerings.length > OFFERINGS_MAX) return bad('offerings');
    const found = await Promise.all(input.offerings.map((code) => findOffering(ctx, code)));
    const unknown = input.offerings.find((_code, index) => !found[index]);
    if (unknown !== undefined) return fail('offering_not_found', { field: 'offerings', code: unknown });
  }
  const row: PromotionTable = {
    id: ctx.ids.next('promo'), code: input.code ?? null, offering_codes: input.offerings ? JSON.stringify(input.offerings) : null,
    discount_kind: input.discountKind, discount_value: BigInt(input.discountValue), starts_at: new Date(startsAt).toISOString(),
    ends_at: new Date(endsAt).toISOString(), uses_max: input.usesMax === undefined ? null : BigInt(input.usesMax),
    uses_per_line_max: input.usesPerLineMax === undefined ? null : BigInt(input.usesPerLineMax), created_at: ctx.clock.now().toISOString(),
  };
  if (!(await insertPromotion(ctx, row))) return fail('promotion_exists', { code: input.code });
  await auditCatalog(ctx, actor, 'promotion.create', row.id, input);
  return ok(toPromotionView(row));
}

export function toPromotionView(row: PromotionTable): PromotionView {
  return {
    id: row.id, code: row.code, offerings: row.offering_codes ? JSON.parse(row.offering_codes) as string[] : null, discountKind: row.discount_kind,
    discountValue: Number(row.discount_value), startsAt: row.starts_at, endsAt: row.ends_at,
    usesMax: row.uses_max === null ? null : Number(row.uses_max), usesPerLineMax: row.uses_per_line_max === null ? null : Number(row.uses_per_line_max),
    createdAt: row.created_at,
  };
}
