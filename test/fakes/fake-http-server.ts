import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  rawBody: string;
}

export interface FakeResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface RunningFake {
  /** http://127.0.0.1:<port> */
  url: string;
  port: number;
  /** Every request received, in order, for assertions. */
  requests: FakeRequest[];
  close(): Promise<void>;
}

/** A provider fake on 127.0.0.1 and a random port; the handler answers JSON (or text when body is a string). */
export async function startFakeServer(handle: (request: FakeRequest) => FakeResponse | Promise<FakeResponse>): Promise<RunningFake> {
  const requests: FakeRequest[] = [];
  const server = createServer((incoming: IncomingMessage, outgoing: ServerResponse) => {
    const chunks: Buffer[] = [];
    incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
    incoming.on('end', async () => {
      const url = new URL(incoming.url ?? '/', 'http://127.0.0.1');
      const request: FakeRequest = { method: incoming.method ?? 'GET', path: url.pathname, query: url.searchParams, headers: incoming.headers, rawBody: Buffer.concat(chunks).toString('utf8') };
      requests.push(request);
      let response: FakeResponse;
      try {
        response = await handle(request);
      } catch (error) {
        response = { status: 500, body: { error: String(error) } };
      }
      const text = typeof response.body === 'string' ? response.body : JSON.stringify(response.body);
      outgoing.writeHead(response.status, { 'content-type': typeof response.body === 'string' ? 'text/plain; charset=utf-8' : 'application/json', ...response.headers });
      outgoing.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`, port, requests,
    close: () => new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((error) => (error ? reject(error) : resolve()));
    }),
  };
}
