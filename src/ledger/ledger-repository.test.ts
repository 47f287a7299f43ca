import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { systemClock } from '../platform/clock.ts';
import { createIdGenerator } from '../platform/ids.ts';
import { BatchState, indexedValidUntilAfter, type LineState } from './batch-state.ts';
import { BatchTx } from './batch-tx.ts';
import { batchWrites, planOpen } from './ledger-repository.ts';

function toState(row: ReturnType<typeof lineRow>): LineState {
  const state = new BatchState(new Date(NOW));
  planOpen({ lines: [row.id], accounts: [], counters: [], freshCounters: [], pending: [], idempotencyKeys: [] }).load([[row]], state);
  return state.lines.get(row.id)!;
}

const NOW = '2026-12-03T10:00:00.000Z';
const LATER = '2026-12-03T10:00:05.000Z';
const lineRow = (id: string, status = 'active') => ({
  id, msisdn: `+7701${id.slice(-7).padStart(7, '0')}`, status, valid_until: '2026-12-20T00:00:00.000Z', indexed_valid_until: '2026-12-20T00:00:00.000Z', language: 'kk',
  daily_topup_date: null, daily_topup_amount: 0n, first_topup_at: null, last_topup_at: null, status_changed_at: NOW,
});

describe('batch writes (pure)', () => {
  it('a top-up that only moves validity later leaves the lifecycle index copy; a status change or an earlier validity takes it along', () => {
    const line = (status: string, validUntil: string | null, indexedValidUntil: string | null) => ({
      ...toState(lineRow('ln_1', status)), validUntil, indexedValidUntil,
    });
    const DEC_20 = '2026-12-20T00:00:00.000Z', JAN_19 = '2027-01-19T00:00:00.000Z', DEC_10 = '2026-12-10T00:00:00.000Z';
    assert.equal(indexedValidUntilAfter(line('active', DEC_20, DEC_20), line('active', JAN_19, DEC_20)), DEC_20);
    assert.equal(indexedValidUntilAfter(line('grace', DEC_20, DEC_20), line('active', JAN_19, DEC_20)), JAN_19);
    assert.equal(indexedValidUntilAfter(line('active', DEC_20, DEC_20), line('active', DEC_10, DEC_20)), DEC_10);
    assert.equal(indexedValidUntilAfter(line('preactive', null, null), line('active', JAN_19, null)), JAN_19);
    // A copy missing (a line an older release wrote) is filled on the line's next change.
    assert.equal(indexedValidUntilAfter(line('active', DEC_20, null), line('active', JAN_19, null)), JAN_19);
    assert.equal(indexedValidUntilAfter(line('active', DEC_20, DEC_20), line('active', null, DEC_20)), null);
  });

  it('write back only the line columns a batch changed, one statement per set of columns', () => {
    const state = new BatchState(new Date(LATER));
    const open = planOpen({ lines: ['ln_1', 'ln_2', 'ln_3', 'ln_4'], accounts: [], counters: [], freshCounters: [], pending: [], idempotencyKeys: [] });
    open.load([[lineRow('ln_1'), lineRow('ln_2'), lineRow('ln_3', 'grace'), lineRow('ln_4')]], state);
    const tx = new BatchTx(state, createIdGenerator(systemClock), 'grp_1');
    const topUp = { validUntil: '2027-01-19T00:00:00.000Z', dailyTopupDate: '2026-12-03', dailyTopupAmount: 50_000n, firstTopupAt: NOW, lastTopupAt: NOW };
    tx.updateLine('ln_1', topUp);
    tx.updateLine('ln_2', topUp);
    tx.updateLine('ln_3', { ...topUp, status: 'active', statusChangedAt: LATER });
    // Set, but to what it already was: nothing to write.
    tx.updateLine('ln_4', { language: 'kk' });
    tx.mergeInto(state);
    const lines = batchWrites(state).filter((write) => write.table === 'lines');
    assert.deepEqual(lines.map((write) => write.kind === 'update' && [write.columns, write.rows.map((row) => row.at(-1))]), [
      [['valid_until', 'daily_topup_date', 'daily_topup_amount', 'first_topup_at', 'last_topup_at', 'updated_at'], ['ln_1', 'ln_2']],
      [['status', 'valid_until', 'indexed_valid_until', 'daily_topup_date', 'daily_topup_amount', 'first_topup_at', 'last_topup_at', 'status_changed_at', 'updated_at'], ['ln_3']],
    ]);
    assert.deepEqual(lines[1]!.rows[0], ['active', '2027-01-19T00:00:00.000Z', '2027-01-19T00:00:00.000Z', '2026-12-03', 50_000n, NOW, NOW, LATER, LATER, 'ln_3']);
  });

  it('fresh counters (a new package) are neither read nor locked: they start at 0 and are written once, at commit', () => {
    const state = new BatchState(new Date(LATER));
    const open = planOpen({ lines: [], accounts: [], counters: ['receipt:2026'], freshCounters: ['pkg:new:periods'], pending: [], idempotencyKeys: [] });
    assert.deepEqual(open.open.reads.flatMap((read) => (read.kind === 'counters' ? read.keys : [])), ['receipt:2026']);
    open.load([[{ key: 'receipt:2026', value: 7n }]], state);
    const tx = new BatchTx(state, createIdGenerator(systemClock), 'grp_1');
    assert.equal(tx.counter('pkg:new:periods'), 0n);
    tx.increment('pkg:new:periods');
    tx.mergeInto(state);
    assert.deepEqual(batchWrites(state).find((write) => write.table === 'counters')?.rows, [['pkg:new:periods', 1n]]);
  });
});
