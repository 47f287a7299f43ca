import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { errorsDocument } from '../../scripts/errors-doc.ts';
import { ERROR_CODES } from './errors.ts';

it('docs/errors.md lists every error code (run npm run docs:errors)', () => {
  assert.equal(readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8'), errorsDocument());
});

it('every code is snake_case and maps to a 4xx or 5xx status', () => {
  for (const [code, { status }] of Object.entries(ERROR_CODES)) {
    assert.match(code, /^[a-z]+(_[a-z0-9]+)*$/);
    assert.ok(status >= 400 && status < 600, code);
  }
});
