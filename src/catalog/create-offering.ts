import type { AppContext } from '../app-context.ts';
import { requireRole, type Actor } from '../auth/actor.ts';
import { fail, type Result } from '../domain/result.ts';
import { auditCatalog, findOffering, insertOffering } from './catalog-repository.ts';
import { parseOffering, type OfferingInput } from './offering.ts';
import { toOfferingView, type OfferingView } from './offering-view.ts';

/** Adds an offering to the catalog with its first price version (admin only). */
export async function createOffering(ctx: AppContext, actor: Actor, input: OfferingInput): Promise<Result<OfferingView>> {
  const denied = requireRole(actor, ['admin']);
  if (denied) return denied as Result<never>;
  const definition = parseOffering(input);
  if (!definition.ok) return definition;
  if (!(await insertOffering(ctx, definition.value))) return fail('offering_exists', { code: input.code });
  await auditCatalog(ctx, actor, 'offering.create', input.code, input);
  const created = await findOffering(ctx, input.code);
  return { ok: true, value: toOfferingView(created!, 'en') };
}
