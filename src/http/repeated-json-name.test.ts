import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { repeatedJsonName } from './repeated-json-name.ts';

describe('repeatedJsonName', () => {
  it('finds a name given twice in one object, at any depth, however escaped', () => {
    assert.deepEqual(repeatedJsonName('{"amount":50000,"amount":5000000}'), { path: '', name: 'amount' });
    assert.deepEqual(repeatedJsonName('{"events":[{"id":"a","units":1},{"id":"b","units":1,"units":2}]}'), { path: 'events/1', name: 'units' });
    assert.deepEqual(repeatedJsonName('{"names":{"en":"x","ru":"y","en":"z"}}'), { path: 'names', name: 'en' });
    assert.deepEqual(repeatedJsonName('{"amount":1,"\\u0061mount":2}'), { path: '', name: 'amount' });
    assert.deepEqual(repeatedJsonName(' { "a" : 1 , "a" : 2 } '), { path: '', name: 'a' });
    // Among many names too, found in linear time.
    const many = Array.from({ length: 8_000 }, (_, i) => `"n${i}":0`);
    assert.equal(repeatedJsonName(`{${many.join(',')}}`), null);
    assert.deepEqual(repeatedJsonName(`{"x":[{${many.join(',')},"n7999":1}]}`), { path: 'x/0', name: 'n7999' });
  });

  it('lets the same name in different objects, and names inside strings, through', () => {
    for (const text of [
      '{"a":1,"b":{"a":2},"c":[{"a":3},{"a":4}]}', '{"a":"\\",\\"a\\":","b":"a"}', '{"a":"x\\\\","b":1}', '["a","a",{"a":1}]',
      '{"a":[1,2,3],"b":[{"a":1,"b":2}]}', '{}', '[]', '"a,a"', '12', '{"a":1}', '{"":1,"a":{"":2}}',
    ]) assert.equal(repeatedJsonName(text), null, text);
  });
});
