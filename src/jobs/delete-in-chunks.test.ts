import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppContext } from '../app-context.ts';
import { ManualClock } from '../platform/clock.ts';
import { deleteInChunks } from './delete-in-chunks.ts';

describe('deleteInChunks', () => {
  const limits = { chunkRows: 10, chunksPerRunMax: 5, runBudgetMs: 1_000 };
  const backlog = (rows: number, clock = new ManualClock(), msPerChunk = 0) => {
    let left = rows;
    const calls: number[] = [];
    const ctx = { clock } as unknown as AppContext;
    const chunk = async (chunkRows: number) => {
      clock.advance(msPerChunk);
      const deleted = Math.min(left, chunkRows);
      left -= deleted;
      calls.push(deleted);
      return deleted;
    };
    return { ctx, chunk, calls, left: () => left };
  };

  it('goes on until a chunk comes back short', async () => {
    const run = backlog(25);
    assert.equal(await deleteInChunks(run.ctx, limits, run.chunk), 25);
    assert.deepEqual(run.calls, [10, 10, 5]);
  });

  it('stops one chunk after a full last one finds nothing', async () => {
    const run = backlog(20);
    assert.equal(await deleteInChunks(run.ctx, limits, run.chunk), 20);
    assert.deepEqual(run.calls, [10, 10, 0]);
  });

  it('stops at the maximum of chunks, leaving the rest for the next run', async () => {
    const run = backlog(100);
    assert.equal(await deleteInChunks(run.ctx, limits, run.chunk), 50);
    assert.equal(run.left(), 50);
  });

  it('stops when the time budget is spent', async () => {
    const run = backlog(100, new ManualClock(), 400);
    assert.equal(await deleteInChunks(run.ctx, limits, run.chunk), 30, '400 ms a chunk: the third ends past 1,000 ms');
  });
});
