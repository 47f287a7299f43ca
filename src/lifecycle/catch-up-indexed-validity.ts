import type { AppContext } from '../app-context.ts';
import { ok } from '../domain/result.ts';
import { linesOffTheLifecycleIndex } from './lifecycle-repository.ts';

/** Lines caught up by one ledger command: one batch locks them all, in the writer's own order. */
const LINES_PER_COMMAND_MAX = 500;

/**
 * Sets each line's lifecycle index copy of its validity to the validity itself, under the line's
 * lock (a copy equal to the validity is always a correct one, whatever was read before the lock).
 * Through the writer, so that it never deadlocks with batches that lock the same lines.
 */
export async function catchUpIndexedValidity(ctx: AppContext, lineIds: readonly string[]): Promise<number> {
  let caughtUp = 0;
  for (let start = 0; start < lineIds.length; start += LINES_PER_COMMAND_MAX) {
    const chunk = lineIds.slice(start, start + LINES_PER_COMMAND_MAX);
    const result = await ctx.writer.submit<number>({
      name: 'lifecycle:catch-up',
      lock: { lines: chunk },
      execute(tx) {
        let changed = 0;
        for (const id of chunk) {
          const line = tx.line(id);
          if (!line || line.indexedValidUntil === line.validUntil) continue;
          tx.catchUpIndexedValidity(id);
          changed++;
        }
        return ok(changed);
      },
    });
    if (result.ok) caughtUp += result.value.value;
    else ctx.reportError(new Error(`lifecycle catch-up failed: ${result.error.code}`), { lines: chunk.length });
  }
  return caughtUp;
}

/**
 * `tolem lifecycle reindex`: catches up every line whose copy is missing or ahead of its validity
 * (lines that a process of a release before migration 013 activated), in pages of line ids.
 * Safe beside running processes. Returns the lines changed.
 */
export async function reindexLineValidity(ctx: AppContext): Promise<number> {
  let changed = 0;
  for (let after = ''; ;) {
    const ids = (await linesOffTheLifecycleIndex(ctx.db, after, LINES_PER_COMMAND_MAX)).map((line) => line.id);
    if (ids.length === 0) return changed;
    changed += await catchUpIndexedValidity(ctx, ids);
    after = ids.at(-1)!;
  }
}
