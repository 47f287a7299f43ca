import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeResults, decodeSteps, encodeResults, encodeSteps, type CodecStep } from './step-codec.js';

const TEXTS = ["O'Brien", '', 'Қайтару 退款 🙂', 'x'.repeat(5000), '\u0000inside', '12345678901234567890'];
const INTEGERS = [0n, 1n, -1n, 2n ** 53n - 1n, -(2n ** 53n - 1n), 2n ** 53n, 2n ** 53n + 1n, 2n ** 63n - 1n, -(2n ** 63n)];

describe('the SQLite worker\'s message parts (step-codec)', () => {
  it('steps come back as they were sent: texts, numbers, bigints on both sides of 2^53, null', () => {
    const steps: CodecStep[] = [
      { sql: 'begin immediate', each: [[]] },
      { sql: 'insert into t (a, b, c) values (?, ?, ?)', each: TEXTS.map((text, index) => [text, INTEGERS[index]!, index % 2 === 0 ? null : index + 0.5]) },
      { sql: 'update t set a = ? where b = ?', each: INTEGERS.map((value) => [value, -7]) },
      { sql: 'select nothing', each: [] },
      { sql: 'commit', each: [[]] },
    ];
    const decoded = decodeSteps(structuredClone(encodeSteps(steps)));
    assert.deepEqual(decoded, steps);
    for (const [index, value] of INTEGERS.entries()) assert.equal(typeof decoded[2]!.each[index]![0], 'bigint', String(value));
  });

  it('results come back with their column names, a writing step\'s as null', () => {
    const results = [
      null,
      { columns: ['id', 'balance', 'note'], rows: INTEGERS.map((value, index) => [`acct_${index}`, value, TEXTS[index % TEXTS.length]!]) },
      { columns: ['data_version'], rows: [[3n]] },
      { columns: ['empty'], rows: [] },
      null,
    ];
    const encoded = encodeResults(results);
    assert.deepEqual(decodeResults(structuredClone(encoded)), results);
    // Rows read may be kept: each text its own string, not a slice keeping a whole message's text alive.
    assert.ok(Array.isArray(encoded.text));
    assert.equal(typeof encodeSteps([{ sql: 'x', each: [['a']] }]).text, 'string');
  });

  it('a value of any other kind travels as itself, as the structured clone copies it', () => {
    const blob = new Uint8Array([0, 1, 254, 255]);
    const when = new Date(0);
    const [step] = decodeSteps(structuredClone(encodeSteps([{ sql: 'insert into t (a, b, c, d) values (?, ?, ?, ?)', each: [[blob as unknown as string, undefined as unknown as null, when as unknown as string, 'kept']] }])));
    assert.deepEqual(step!.each, [[blob, undefined, when, 'kept']]);
    const [rows] = decodeResults(structuredClone(encodeResults([{ columns: ['data', 'name'], rows: [[blob as unknown as string, 'x']] }])));
    assert.deepEqual(rows!.rows, [[blob, 'x']]);
  });
});
