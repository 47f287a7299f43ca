import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from './clock.ts';
import { createIdGenerator, timeOfId } from './ids.ts';

describe('ids', () => {
  const clockAt = (ms: number) => ({ now: () => new Date(ms) });

  it('sort by creation within a process, also many in one millisecond', () => {
    const ids = createIdGenerator(clockAt(Date.parse('2026-12-05T20:00:00.000Z')));
    const made = Array.from({ length: 1_000 }, () => ids.next('tr'));
    assert.deepEqual([...made].sort(), made);
    assert.equal(new Set(made).size, made.length);
    assert.match(made[0]!, /^tr_[0-9A-HJKMNP-TV-Z]{26}$/);
  });

  it('timeOfId reads the time an id carries, also one pushed ahead by nextAfter; null for other text', () => {
    const clock = new ManualClock('2026-12-06T10:00:00.000Z');
    const ids = createIdGenerator(clock);
    assert.equal(timeOfId(ids.next('tr')), Date.parse('2026-12-06T10:00:00.000Z'));
    const ahead = createIdGenerator(new ManualClock('2026-12-06T10:15:00.000Z')).next('tr');
    assert.equal(timeOfId(ids.nextAfter('tr', [ahead])), Date.parse('2026-12-06T10:15:00.001Z'));
    for (const text of ['nope', 'tr_', 'tr_01KG1PN2R0ABNDMERWR9RG3DJ', 'tr_01KG1PN2R0ABNDMERWR9RG3DJ!', 'tr_01kg1pn2r0abndmerwr9rg3dju']) assert.equal(timeOfId(text), null, text);
  });

  it('nextAfter makes an id greater than ids another process made with a clock ahead, and stays above them', () => {
    const now = Date.parse('2026-12-05T20:00:00.000Z');
    const ahead = createIdGenerator(clockAt(now + 50)).next('tr');
    const behind = createIdGenerator(clockAt(now));
    assert.ok(behind.next('tr') < ahead);
    const after = behind.nextAfter('tr', [null, ahead]);
    assert.ok(after > ahead, `${after} > ${ahead}`);
    const later = behind.next('ln');
    assert.ok(later.slice(3) > after.slice(3), 'later ids of any prefix stay above it');
    // A floor below what the process made already changes nothing.
    const again = behind.nextAfter('tr', [ahead]);
    assert.ok(again.slice(3) > later.slice(3));
    // Two processes passing the same floor do not make the same id.
    const other = createIdGenerator(clockAt(now));
    assert.notEqual(other.nextAfter('tr', [ahead]), createIdGenerator(clockAt(now)).nextAfter('tr', [ahead]));
  });
});
