import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestApp } from './support/test-app.ts';

describe('a server shutting down [sqlite]', () => {
  it('answers requests that arrive while it closes with 503 unavailable in the error format, and Connection: close', async () => {
    const t = await startTestApp('sqlite');
    let closed: Promise<unknown> | undefined;
    t.app.server.addHook('preClose', async () => {
      // Still open to requests for this moment of the close: one arrives now.
      const late = await t.app.server.inject({ method: 'GET', url: '/v1/lines/+77011234567', headers: { authorization: `Bearer ${t.adminKey}` } });
      assert.equal(late.statusCode, 503);
      assert.deepEqual(late.json().error.code, 'unavailable');
      assert.equal(late.json().error.details.reason, 'shutting_down');
      assert.equal(late.headers.connection, 'close');
    });
    closed = t.close();
    await closed;
  });
});
