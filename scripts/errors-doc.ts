// Writes docs/errors.md from the one closed list of codes (src/domain/errors.ts).
// `npm run docs:errors`; a test fails when the document is out of date.
import { writeFileSync } from 'node:fs';
import { ERROR_CODES } from '../src/domain/errors.ts';

export function errorsDocument(): string {
  const rows = Object.entries(ERROR_CODES).map(([code, { status, message }]) => `| \`${code}\` | ${status} | ${message} |`);
  return [
    '# Error codes',
    '',
    'Every error answer has the body `{"error":{"code":"…","message":"…","details":{…}}}`. Clients act on',
    '`code` (a closed list: this one) and `details`; `message` is for people and may change.',
    'Bad input is always a 4xx and changes nothing; a 5xx is a bug (`internal_error`) or a passing',
    'outage to retry (`unavailable`). `test/fuzz-routes.test.ts` holds every route of `/openapi.json`',
    'to that, on both databases: as each kind of caller, it sends ids of nothing, query and body fields',
    'of the wrong type or size, bodies that are not JSON or not objects, and checks that no answer is a',
    '5xx, that each refusal carries a code of this list, and that no refused request moved money. This',
    'file is generated from `src/domain/errors.ts` by `npm run docs:errors`.',
    '',
    '`unavailable` says why in `details.reason`: `ledger_write_failed` (the writer\'s batch failed: its',
    'commands were not applied), `ledger_queue_full`, `shutting_down` (the process is closing: retry on',
    'another), or `database_unavailable` (a read or write outside the writer met a dropped or refused',
    'connection, a read-only database (a PostgreSQL standby), a lock or statement past PostgreSQL\'s lock_timeout or statement_timeout, a busy or full SQLite file). Each is safe to retry under the same `Idempotency-Key`.',
    '',
    '| code | HTTP status | meaning |',
    '| --- | --- | --- |',
    ...rows,
    '',
  ].join('\n');
}

if (process.argv[1]?.endsWith('errors-doc.ts')) writeFileSync(new URL('../docs/errors.md', import.meta.url), errorsDocument());
