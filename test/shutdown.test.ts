import assert from 'node:assert/strict';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { rawSocket, requestWhileClosing } from './support/raw-socket.ts';
import { startTestApp } from './support/test-app.ts';

describe('a server shutting down [sqlite]', () => {
  it('answers requests that arrive while it closes with 503 unavailable in the error format, and Connection: close', async () => {
    const t = await startTestApp('sqlite');
    const answer = await requestWhileClosing(t, 'GET /v1/lines/+77011234567 HTTP/1.1\r\nHost: 127.0.0.1\r\n', `Authorization: Bearer ${t.adminKey}\r\n\r\n`);
    assert.match(answer, /^HTTP\/1\.1 503 /);
    assert.match(answer, /\r\nconnection: close\r\n/i);
    const error = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)).error;
    assert.equal(error.code, 'unavailable');
    assert.equal(error.details.reason, 'shutting_down');
  });
});

describe('a server shutting down with a request in flight [sqlite]', () => {
  it('answers it, with Connection: close, and closes at once: a kept-alive socket does not hold the process', async () => {
    const t = await startTestApp('sqlite');
    assert.equal((await t.request('POST', '/v1/lines', { body: { msisdn: '+77011234599' } })).status, 201);
    const socket = await rawSocket(t);
    // The headers and half the body: the request is in flight when the close begins.
    const body = JSON.stringify({ msisdn: '+77011234599', amount: 100_000, currency: 'KZT' });
    // The server has the request (its headers read, its onRequest hooks past in the microtasks after) before the close begins.
    const arrived = once(t.app.server.server, 'request');
    socket.write(`POST /v1/topups HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${t.adminKey}\r\nIdempotency-Key: in-flight-1\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body.slice(0, 10)}`);
    await arrived;
    await new Promise((resolve) => setTimeout(resolve, 50));
    const started = performance.now();
    const closed = t.close();
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.write(body.slice(10));
    await Promise.all([closed, socket.ended]);
    assert.match(socket.answer(), /^HTTP\/1\.1 201 /);
    assert.match(socket.answer(), /\r\nconnection: close\r\n/i);
    assert.ok(performance.now() - started < 30_000, `closed in ${Math.round(performance.now() - started)} ms, not after the keep-alive timeout (72 s)`);
  });
});
