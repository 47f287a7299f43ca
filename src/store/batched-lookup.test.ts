import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { batchedLookup } from './batched-lookup.ts';

describe('batched lookup (pure)', () => {
  it('answers the lookups of one turn with one load, repeated keys included', async () => {
    const loads: string[][] = [];
    const lookup = batchedLookup(async (keys) => {
      loads.push(keys);
      return new Map(keys.filter((key) => key !== 'missing').map((key) => [key, key.toUpperCase()]));
    }, 100);
    const answers = await Promise.all(['a', 'b', 'a', 'missing'].map(lookup));
    assert.deepEqual(answers, ['A', 'B', 'A', undefined]);
    assert.deepEqual(loads, [['a', 'b', 'missing']]);
    // A later turn loads again: nothing is cached.
    assert.equal(await lookup('a'), 'A');
    assert.equal(loads.length, 2);
  });

  it('splits a turn into loads of at most keysMax keys', async () => {
    const sizes: number[] = [];
    const lookup = batchedLookup(async (keys) => {
      sizes.push(keys.length);
      return new Map(keys.map((key) => [key, Number(key)]));
    }, 4);
    const answers = await Promise.all(Array.from({ length: 10 }, (_, i) => lookup(String(i))));
    assert.deepEqual(answers, Array.from({ length: 10 }, (_, i) => i));
    assert.deepEqual(sizes, [4, 4, 2]);
  });

  it('a failed load fails every lookup waiting on it, and the next turn tries again', async () => {
    let fail = true;
    const lookup = batchedLookup(async (keys) => {
      if (fail) throw new Error('database gone');
      return new Map(keys.map((key) => [key, 1]));
    }, 10);
    const results = await Promise.allSettled([lookup('x'), lookup('y')]);
    assert.deepEqual(results.map((r) => r.status), ['rejected', 'rejected']);
    fail = false;
    assert.equal(await lookup('x'), 1);
  });
});
