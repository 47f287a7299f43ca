import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import type { AppContext } from '../app-context.ts';
import type { Actor } from '../auth/actor.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { createOffering } from './create-offering.ts';
import { parseOffering, type OfferingInput } from './offering.ts';
import { patchOffering } from './update-offering.ts';

export const IMPORT_OFFERINGS_MAX = 1000;

/**
 * `tolem catalog import FILE.json|yaml`: a file with `offerings: [...]` (or a bare list) in the
 * admin API's shape. New codes are created; known ones are patched (a changed price makes a new
 * version). Every entry is checked before any is written.
 */
export async function importCatalog(ctx: AppContext, actor: Actor, path: string): Promise<Result<{ created: string[]; updated: string[] }>> {
  let parsed: unknown;
  try {
    const text = await readFile(path, 'utf8');
    parsed = /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
  } catch (error) {
    return fail('offering_invalid', { file: path, reason: (error as Error).message });
  }
  const list = Array.isArray(parsed) ? parsed : (parsed as { offerings?: unknown })?.offerings;
  if (!Array.isArray(list) || list.length > IMPORT_OFFERINGS_MAX) return fail('offering_invalid', { file: path, reason: 'expected offerings: [...]' });
  for (const [index, entry] of (list as OfferingInput[]).entries()) {
    const checked = typeof entry === 'object' && entry !== null ? parseOffering(entry) : fail('offering_invalid', { field: 'entry' });
    if (!checked.ok) return fail('offering_invalid', { index, code: entry?.code, ...checked.error.details });
  }
  const created: string[] = [];
  const updated: string[] = [];
  for (const [index, entry] of (list as OfferingInput[]).entries()) {
    const made = await createOffering(ctx, actor, entry);
    if (made.ok) { created.push(entry.code); continue; }
    if (made.error.code !== 'offering_exists') return fail(made.error.code, { index, code: entry?.code, ...made.error.details });
    const { code: _code, kind: _kind, ...patch } = entry;
    const changed = await patchOffering(ctx, actor, entry.code, patch);
    if (!changed.ok) return fail(changed.error.code, { index, code: entry.code, ...changed.error.details });
    updated.push(entry.code);
  }
  return ok({ created, updated });
}
