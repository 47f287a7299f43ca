import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDatabaseUnavailable } from './database-unavailable.ts';

describe('isDatabaseUnavailable', () => {
  it('knows a passing outage from a defect', () => {
    const outage = [
      Object.assign(new Error('terminating connection due to administrator command'), { code: '57P01' }),
      Object.assign(new Error('sorry, too many clients already'), { code: '53300' }),
      Object.assign(new Error('connection failure'), { code: '08006' }),
      Object.assign(new Error('database "tolem" is not currently accepting connections'), { code: '55000' }),
      Object.assign(new Error('database "tolem" does not exist'), { code: '3D000' }),
      Object.assign(new Error('cannot execute INSERT in a read-only transaction'), { code: '25006' }),
      Object.assign(new Error('canceling statement due to lock timeout'), { code: '55P03' }),
      Object.assign(new Error('canceling statement due to statement timeout'), { code: '57014' }),
      new Error('Connection terminated unexpectedly'),
      new Error('Client has encountered a connection error and is not queryable'),
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
      Object.assign(new Error('database or disk is full'), { code: 'SQLITE_FULL' }),
      Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }),
      Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR_WRITE' }),
      Object.assign(new Error('attempt to write a readonly database'), { code: 'SQLITE_READONLY' }),
    ];
    for (const error of outage) assert.equal(isDatabaseUnavailable(error), true, error.message);
    const defects = [
      Object.assign(new Error('syntax error at or near "selec"'), { code: '42601' }),
      Object.assign(new Error('currval of sequence "s" is not yet defined in this session'), { code: '55000' }),
      Object.assign(new Error('duplicate key value violates unique constraint'), { code: '23505' }),
      Object.assign(new Error('UNIQUE constraint failed: lines.msisdn'), { code: 'SQLITE_CONSTRAINT_UNIQUE' }),
      new TypeError("Cannot read properties of undefined (reading 'rows')"),
      'Connection terminated', null, undefined,
    ];
    for (const error of defects) assert.equal(isDatabaseUnavailable(error), false, String(error));
  });
});
