import type { AddressInfo } from 'node:net';
import { ManualClock } from '../../src/platform/clock.ts';
import { startTestApp, type TestApp } from './test-app.ts';

export type LiveServer = TestApp & { baseUrl: string };

/** A test app listening on a real socket (127.0.0.1, random port), for browsers and CLI peers. */
export async function startLiveServer(): Promise<LiveServer> {
  // A browser keeps real time: cookies and expiries must be near its clock.
  const t = await startTestApp('sqlite', {}, new ManualClock(new Date()));
  await t.app.server.listen({ host: '127.0.0.1', port: 0 });
  const { port } = t.app.server.server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  // Links Tolem gives out (checkout return, receipts) must point at this server.
  t.app.ctx.settings.publicUrl = baseUrl;
  return Object.assign(t, { baseUrl });
}

/** A line in `language` with a subscriber login on its number (password `traveller-pass`), as a traveller has. */
export async function addTraveller(server: TestApp, msisdn: string, language: string): Promise<void> {
  const line = await server.request('POST', '/v1/lines', { body: { msisdn, language } });
  if (line.status !== 201) throw new Error(`line ${msisdn}: ${JSON.stringify(line.body)}`);
  const login = await server.request('POST', '/v1/users', { body: { login: msisdn, password: 'traveller-pass', role: 'subscriber' } });
  if (login.status !== 201) throw new Error(`login ${msisdn}: ${JSON.stringify(login.body)}`);
}
