import type { FastifyBaseLogger, FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { defaultMessageOf, httpStatusOf, type ErrorCode } from '../domain/errors.ts';
import type { DomainError, Result } from '../domain/result.ts';
import { isDatabaseUnavailable } from '../store/database-unavailable.ts';

/** Thrown only at the HTTP edge (missing credentials in a route); use cases return errors. */
export class HttpProblem extends Error {
  constructor(readonly error: DomainError) {
    super(error.code);
  }
}

/** A request's id, as every answer's x-request-id carries it: the caller's own when it sends a valid one, else a new UUID. */
export function requestIdFrom(given: unknown): string {
  return typeof given === 'string' && /^[\w.-]{1,64}$/.test(given) ? given : randomUUID();
}

export function errorBody(error: DomainError) {
  return { error: { code: error.code, message: error.message ?? defaultMessageOf(error.code), details: error.details ?? {} } };
}

export function sendError(reply: FastifyReply, error: DomainError): FastifyReply {
  const status = httpStatusOf(error.code);
  if (status === 429 && typeof error.details?.retryAfterSeconds === 'number') reply.header('retry-after', String(error.details.retryAfterSeconds));
  // RFC 9110 §15.5.2: a 401 says how to authenticate (the aggregators' routes name Basic themselves).
  if (status === 401 && !reply.hasHeader('www-authenticate')) reply.header('www-authenticate', 'Bearer realm="tolem"');
  return reply.code(status).type('application/json; charset=utf-8').send(errorBody(error));
}

/** Sends a use case's result: the value with `status`, or its error with the mapped status. */
export function sendResult<T>(reply: FastifyReply, result: Result<T>, status = 200): FastifyReply {
  return result.ok ? reply.code(status).send(result.value) : sendError(reply, result.error);
}

/**
 * Requests Node's HTTP parser refuses before Fastify sees them (a control character in a header,
 * a bad method or framing, headers over the limit, a timeout): answered in the same error shape
 * as every other refusal, then the connection is closed, as Node does.
 */
export function clientErrorHandler(this: { log?: FastifyBaseLogger } | void, error: Error & { code?: string }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const code: ErrorCode = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'request_timeout' : error.code === 'HPE_HEADER_OVERFLOW' ? 'headers_too_large' : 'request_malformed';
  const status = httpStatusOf(code);
  const body = JSON.stringify(errorBody({ code }));
  if (socket.writable) {
    // Its headers were not read (or not all): the id is a new one.
    const id = randomUUID();
    socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nX-Request-Id: ${id}\r\nConnection: close\r\n\r\n${body}`);
    // Its log line, with the id the answer gave (README): the parser's code only, never the error's
    // rawPacket, which holds the request's bytes (an Authorization header, a phone number).
    if (this) this.log?.info({ reqId: id, status, code, parserError: error.code }, 'request refused before its headers were read');
  }
  socket.destroy(error);
}

/**
 * An `Expect` header other than `100-continue`: Node answers 417 itself, with an empty body, unless
 * the server listens for `checkExpectation`; this answers it in the error format, and closes.
 */
export function expectationFailedHandler(request: IncomingMessage, response: ServerResponse, log?: FastifyBaseLogger): void {
  const body = JSON.stringify(errorBody({ code: 'expectation_failed' }));
  const id = requestIdFrom(request.headers['x-request-id']);
  response.writeHead(httpStatusOf('expectation_failed'), {
    'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(body), 'x-request-id': id, connection: 'close',
  }).end(body);
  // As every request's log line (the logger's req serializer masks its URL's numbers).
  log?.info({ reqId: id, req: { method: request.method, url: request.url ?? '', id }, status: httpStatusOf('expectation_failed'), code: 'expectation_failed' }, 'request');
}

/**
 * A CONNECT request (a client that takes Tolem for its proxy): Node hands it to the server's
 * `connect` listeners and, with none, closes the connection without a word. Tolem tunnels nothing:
 * 405 in the error format, with an empty Allow (no method reaches a host:port target), and closed.
 */
export function connectRefusedHandler(request: IncomingMessage, socket: Duplex, log?: FastifyBaseLogger): void {
  const body = JSON.stringify(errorBody({ code: 'method_not_allowed', details: { method: 'CONNECT', allowed: [] } }));
  const id = requestIdFrom(request.headers['x-request-id']);
  const answer = `HTTP/1.1 ${httpStatusOf('method_not_allowed')} ${STATUS_CODES[405]}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nAllow: \r\nX-Request-Id: ${id}\r\nConnection: close\r\n\r\n${body}`;
  log?.info({ reqId: id, req: { method: 'CONNECT', url: request.url ?? '', id }, status: httpStatusOf('method_not_allowed'), code: 'method_not_allowed' }, 'request');
  // Written, then closed whatever the client does (it may never close its side).
  if (socket.writable) socket.end(answer, () => socket.destroy());
  else socket.destroy();
}

/** One place that turns anything thrown into the error body; a 5xx here is a bug and is logged. */
export function handleError(error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof HttpProblem) return sendError(reply, error.error);
  if (error.validation) {
    const issues = error.validation.slice(0, 20).map((issue) => ({
      path: `${error.validationContext ?? 'body'}${issue.instancePath || ''}`,
      message: issue.message ?? 'invalid',
      ...(issue.keyword === 'additionalProperties' ? { field: (issue.params as { additionalProperty?: string }).additionalProperty } : {}),
    }));
    return sendError(reply, { code: 'validation_failed', details: { issues } });
  }
  const code = codeOfFrameworkError(error);
  if (code) return sendError(reply, { code });
  if (isDatabaseUnavailable(error)) {
    request.log.warn({ err: error }, 'database unavailable');
    return sendError(reply, { code: 'unavailable', details: { reason: 'database_unavailable' } });
  }
  request.log.error({ err: error }, 'unhandled error');
  return sendError(reply, { code: 'internal_error' });
}

function codeOfFrameworkError(error: FastifyError): ErrorCode | null {
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || error.statusCode === 413) return 'body_too_large';
  if (error.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' || error.statusCode === 415) return 'unsupported_media_type';
  if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') return 'invalid_json';
  // 403 from the framework is the static files' refusal of a folder (/assets/): nothing is there.
  if (error.statusCode === 404 || error.statusCode === 403) return 'route_not_found';
  if (error.statusCode === 405) return 'method_not_allowed';
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) return 'validation_failed';
  return null;
}
