import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { characterCount, isBlank, nameWithin, unstorableText } from './text.ts';

describe('texts people type', () => {
  it('counts what shows nothing as blank: white space, zero-width and direction marks, fillers', () => {
    for (const blank of ['', '   ', '\t\n', '\u200b', '\u200b\u200c\u200d', '\ufeff', '\u00ad', '\u200e\u200f', '\u3164', '\u2800', '\u00a0\u3000']) {
      assert.equal(isBlank(blank), true, JSON.stringify(blank));
    }
    for (const text of ['a', ' x ', 'Айгерім', '你好', '\u200bпродажа', '🙂']) assert.equal(isBlank(text), false, text);
  });

  it('takes a name trimmed, refusing blank ones and ones over the limit counted in characters', () => {
    assert.equal(nameWithin('  Kaspi  '), 'Kaspi');
    assert.equal(nameWithin('\u200b\u200d'), null);
    assert.equal(nameWithin('🙂'.repeat(100)), '🙂'.repeat(100));
    assert.equal(nameWithin('🙂'.repeat(101)), null);
    assert.equal(characterCount('🙂a'), 2);
  });

  it('names what neither database can store as it is', () => {
    assert.equal(unstorableText('a\u0000b'), 'nul');
    assert.equal(unstorableText('a\ud800b'), 'lone_surrogate');
    assert.equal(unstorableText('😀'), null);
  });
});
