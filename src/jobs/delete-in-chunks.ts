import type { AppContext } from '../app-context.ts';
import { assert } from '../domain/assert.ts';

/** How far one purge may go in one run: rows per statement, statements per run, and time. */
export interface ChunkLimits {
  chunkRows: number;
  chunksPerRunMax: number;
  runBudgetMs: number;
}

/**
 * Deletes through `deleteChunk` (which deletes at most `chunkRows` rows and says how many it did)
 * until a chunk comes back short, `chunksPerRunMax` chunks have run or `runBudgetMs` has passed.
 * Each chunk is its own short statement: on SQLite the ledger writer shares the one writing
 * connection and takes its turn between two chunks. Returns the rows deleted.
 */
export async function deleteInChunks(ctx: AppContext, limits: ChunkLimits, deleteChunk: (chunkRows: number) => Promise<number>): Promise<number> {
  assert(limits.chunkRows > 0 && limits.chunksPerRunMax > 0 && limits.runBudgetMs > 0, 'chunk limits are positive');
  const startedMs = ctx.clock.now().getTime();
  let deleted = 0;
  for (let chunk = 0; chunk < limits.chunksPerRunMax; chunk++) {
    const rows = await deleteChunk(limits.chunkRows);
    assert(rows >= 0 && rows <= limits.chunkRows, 'a chunk deletes at most chunkRows rows');
    deleted += rows;
    if (rows < limits.chunkRows || ctx.clock.now().getTime() - startedMs >= limits.runBudgetMs) break;
  }
  return deleted;
}
