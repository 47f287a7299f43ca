import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { nextTransition, scheduledStatus } from './lifecycle-rules.ts';

const rules = { graceDays: 30, suspendedDays: 60 };
const validUntil = '2026-02-01T00:00:00.000Z';
const day = (n: number) => new Date(Date.parse(validUntil) + n * 86_400_000);

describe('lifecycle rules', () => {
  it('gives one step at a time, each when it falls due', () => {
    assert.equal(nextTransition('active', validUntil, day(-1), rules), null);
    assert.equal(nextTransition('active', validUntil, day(0), rules)?.to, 'grace');
    assert.equal(nextTransition('grace', validUntil, day(29), rules), null);
    assert.equal(nextTransition('grace', validUntil, day(30), rules)?.to, 'suspended');
    assert.equal(nextTransition('suspended', validUntil, day(89), rules), null);
    const last = nextTransition('suspended', validUntil, day(200), rules);
    assert.deepEqual([last?.to, last?.dueAt.toISOString()], ['terminated', day(90).toISOString()]);
    assert.equal(nextTransition('terminated', validUntil, day(500), rules), null);
    assert.equal(nextTransition('preactive', null, day(500), rules), null);
  });

  it('knows the status the schedule alone gives', () => {
    assert.deepEqual([day(-1), day(0), day(30), day(90)].map((at) => scheduledStatus(validUntil, at, rules)), ['active', 'grace', 'suspended', 'terminated']);
    assert.equal(scheduledStatus(null, day(0), rules), 'preactive');
  });
});
