import type { AppContext } from '../app-context.ts';
import { SYSTEM_ACTOR } from '../auth/actor.ts';
import { createOffering } from './create-offering.ts';
import { DEMO_CATALOG } from './demo-catalog.ts';

/** Adds the demo catalog (docs/packages.md); offerings that exist already are left alone. */
export async function seedCatalog(ctx: AppContext): Promise<number> {
  let created = 0;
  for (const input of DEMO_CATALOG) {
    const result = await createOffering(ctx, SYSTEM_ACTOR, input);
    if (result.ok) created += 1;
    else if (result.error.code !== 'offering_exists') throw new Error(`demo catalog ${input.code}: ${result.error.code} ${JSON.stringify(result.error.details)}`);
  }
  return created;
}
