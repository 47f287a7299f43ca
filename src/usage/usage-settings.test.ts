import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadSettings } from '../config.ts';
import { SettingError } from '../platform/env.ts';

describe('usage settings', () => {
  it('USAGE_FUTURE_SKEW_SECONDS: 300 by default, from 0 to a day; anything else stops the start', () => {
    assert.equal(loadSettings({}).usage.futureSkewSeconds, 300);
    assert.equal(loadSettings({ USAGE_FUTURE_SKEW_SECONDS: '0' }).usage.futureSkewSeconds, 0);
    assert.equal(loadSettings({ USAGE_FUTURE_SKEW_SECONDS: '86400' }).usage.futureSkewSeconds, 86_400);
    for (const bad of ['-1', '86401', '1.5', 'five', '1e20']) {
      assert.throws(() => loadSettings({ USAGE_FUTURE_SKEW_SECONDS: bad }), SettingError, bad);
    }
  });

  it('USAGE_LATE_EVENT_HOURS: 24 by default, from 0 to a week; anything else stops the start', () => {
    assert.equal(loadSettings({}).usage.lateEventHours, 24);
    assert.equal(loadSettings({ USAGE_LATE_EVENT_HOURS: '0' }).usage.lateEventHours, 0);
    assert.equal(loadSettings({ USAGE_LATE_EVENT_HOURS: '168' }).usage.lateEventHours, 168);
    for (const bad of ['-1', '169', '1.5', 'a day']) {
      assert.throws(() => loadSettings({ USAGE_LATE_EVENT_HOURS: bad }), SettingError, bad);
    }
  });
});
