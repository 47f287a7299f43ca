import type { AppContext } from '../app-context.ts';
import { SYSTEM_ACTOR } from '../auth/actor.ts';
import { importCatalog } from './import-catalog.ts';

/** `tolem catalog import FILE.json|yaml`: prints what was created and updated; exit 1 on a bad file. */
export async function runCatalogImport(ctx: AppContext, path: string): Promise<number> {
  const result = await importCatalog(ctx, SYSTEM_ACTOR, path);
  if (!result.ok) {
    console.error(`error: ${result.error.code}`, JSON.stringify(result.error.details ?? {}));
    return 1;
  }
  console.log(`catalog imported: ${result.value.created.length} created (${result.value.created.join(', ') || '-'}), ${result.value.updated.length} updated (${result.value.updated.join(', ') || '-'})`);
  return 0;
}
