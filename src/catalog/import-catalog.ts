import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import type { AppContext } from '../app-context.ts';
import { requireRole, type Actor } from '../auth/actor.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { findOffering, writeOfferings, type OfferingWrite } from './catalog-repository.ts';
import { repeatedJsonName } from '../http/repeated-json-name.ts';
import { parseOffering, type OfferingDefinition } from './offering.ts';
import { mergePatch, type OfferingPatch } from './update-offering.ts';

export const IMPORT_OFFERINGS_MAX = 1000;
/**
 * A catalog file is UTF-8 (a BOM, as Windows editors write, is dropped): a file saved in another
 * encoding (Windows-1251's Cyrillic) is refused, not read with U+FFFD in place of every ru/kk letter.
 */
const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

interface CheckedEntry {
  entry: Record<string, unknown>;
  definition: OfferingDefinition;
}

/**
 * `tolem catalog import FILE.json|yaml`: a file with `offerings: [...]` (or a bare list) in the
 * admin API's shape. New codes are created; known ones are patched (a changed price makes a new
 * version). All or nothing: every entry is checked, against the stored catalog too, before any is
 * written, and all are written in one transaction.
 */
export async function importCatalog(ctx: AppContext, actor: Actor, path: string): Promise<Result<{ created: string[]; updated: string[] }>> {
  const denied = requireRole(actor, ['admin']);
  if (denied) return denied as Result<never>;
  let parsed: unknown;
  try {
    const text = STRICT_UTF8.decode(await readFile(path));
    const yaml = /\.ya?ml$/i.test(path);
    parsed = yaml ? parseYaml(text) : JSON.parse(text);
    // A name given twice: YAML refuses it, JSON.parse keeps the last silently (a second `price` added
    // below the first while editing would be imported in its place).
    const repeated = yaml ? null : repeatedJsonName(text);
    if (repeated) return fail('offering_invalid', { file: path, ...placeOf(repeated, Array.isArray(parsed)), reason: 'duplicate' });
  } catch (error) {
    return fail('offering_invalid', { file: path, reason: (error as Error).message });
  }
  const list = Array.isArray(parsed) ? parsed : (parsed as { offerings?: unknown })?.offerings;
  if (!Array.isArray(list) || list.length > IMPORT_OFFERINGS_MAX) return fail('offering_invalid', { file: path, reason: 'expected offerings: [...]' });
  const checked = checkEntries(list);
  if (!checked.ok) return checked;
  const records = await Promise.all(checked.value.map(({ definition }) => findOffering(ctx, definition.code)));
  const writes: OfferingWrite[] = [];
  for (const [index, { entry, definition }] of checked.value.entries()) {
    const current = records[index];
    if (!current) {
      writes.push({ definition, current: null, newVersion: false, audit: entry });
      continue;
    }
    // The kind is part of what was sold (packages bought keep the offering's code): a new kind is a new code.
    if (current.offering.kind !== definition.kind) return fail('offering_exists', { index, code: definition.code, field: 'kind', kind: current.offering.kind });
    const { code: _code, kind: _kind, ...patch } = entry;
    const merged = mergePatch(current, patch as OfferingPatch);
    if (!merged.ok) return fail(merged.error.code, { index, code: definition.code, ...merged.error.details });
    writes.push({ definition: merged.value.definition, current, newVersion: merged.value.newVersion, audit: { patch, newVersion: merged.value.newVersion } });
  }
  if (!(await writeOfferings(ctx, actor, writes))) return fail('unavailable', { reason: 'concurrent_offering_updates' });
  return ok({
    created: writes.filter((write) => !write.current).map((write) => write.definition.code),
    updated: writes.filter((write) => write.current).map((write) => write.definition.code),
  });
}

/** Where a name given twice sits: the entry's index and the field (`names.en`), as parseOffering names them. */
function placeOf(repeated: { path: string; name: string }, bareList: boolean): { index?: number; field: string } {
  const segments = repeated.path === '' ? [] : repeated.path.split('/');
  if (!bareList) segments.shift(); // `offerings`
  const index = segments.length > 0 ? Number(segments.shift()) : undefined;
  return { ...(index === undefined ? {} : { index }), field: [...segments, repeated.name].join('.') };
}

/** Each entry checked on its own, and no code given twice; the first bad entry by index. */
function checkEntries(list: unknown[]): Result<CheckedEntry[]> {
  const indexByCode = new Map<string, number>();
  const entries: CheckedEntry[] = [];
  for (const [index, entry] of list.entries()) {
    const checked = parseOffering(entry);
    const code = (entry as { code?: unknown } | null)?.code;
    if (!checked.ok) return fail('offering_invalid', { index, ...(typeof code === 'string' ? { code } : {}), ...checked.error.details });
    const first = indexByCode.get(checked.value.code);
    if (first !== undefined) return fail('offering_invalid', { index, code: checked.value.code, field: 'code', reason: 'duplicate', firstIndex: first });
    indexByCode.set(checked.value.code, index);
    entries.push({ entry: entry as Record<string, unknown>, definition: checked.value });
  }
  return ok(entries);
}
