import { once } from 'node:events';
import { connect } from 'node:net';
import type { TestApp } from './test-app.ts';

/**
 * A raw HTTP/1.1 connection to the app, listening on a port of its own: for requests written in
 * parts around the server's close. `answer()` is all the server sent; `ended` settles when it
 * closed the connection.
 */
export async function rawSocket(t: TestApp): Promise<{ write(text: string): void; answer(): string; ended: Promise<unknown> }> {
  const { port } = new URL(await t.app.server.listen({ port: 0, host: '127.0.0.1' }));
  const socket = connect(Number(port), '127.0.0.1');
  await once(socket, 'connect');
  let answer = '';
  socket.setEncoding('utf8').on('data', (chunk: string) => { answer += chunk; });
  const ended = once(socket, 'close');
  return { write: (text) => { socket.write(text); }, answer: () => answer, ended };
}

/**
 * A request that arrives while the server closes: `head` (part of its headers) before the close
 * begins, since a socket busy with a request is not closed as idle; `rest` once the server has
 * stopped listening. The server's answer, once it has closed.
 */
export async function requestWhileClosing(t: TestApp, head: string, rest: string): Promise<string> {
  const socket = await rawSocket(t);
  socket.write(head);
  await new Promise((resolve) => setTimeout(resolve, 50));
  const closed = t.close();
  while (t.app.server.server.listening) await new Promise((resolve) => setTimeout(resolve, 5));
  socket.write(rest);
  await Promise.all([closed, socket.ended]);
  return socket.answer();
}
