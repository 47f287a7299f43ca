import { Type } from '@sinclair/typebox';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { handleError, HttpProblem, sendError, sendResult } from '../http/http-errors.ts';
import { actorOf, isFromOtherSitesPage } from '../http/request-auth.ts';
import { bearer, commonErrors } from '../http/schemas.ts';
import type { RouteOptions } from '../http/server.ts';
import { createAggregatorAuthenticator, type AggregatorAuthFailure } from './authenticate-aggregator.ts';
import { createAggregator } from './create-aggregator.ts';
import { exportRegistry } from './export-registry.ts';
import { handleProtocolRequest } from './handle-protocol-request.ts';
import { RESULT, type ProtocolAnswer } from './protocol.ts';
import { renderKaspiJson, renderOsmpXml } from './render-answer.ts';
import { answer, type ProtocolRequest } from './validate-protocol-request.ts';

const VARIANTS = {
  osmp: { contentType: 'text/xml; charset=utf-8', render: renderOsmpXml, summary: 'QIWI (OSMP) provider protocol: check / pay, XML answer' },
  kaspi: { contentType: 'application/json; charset=utf-8', render: renderKaspiJson, summary: 'Kaspi-style check / pay, JSON answer' },
} as const;

/** Auth failures are the only protocol answers that are not HTTP 200 (docs/aggregators.md). */
const AUTH_FAILURES: Record<AggregatorAuthFailure | 'cross_site', { status: number; result: ProtocolAnswer['result']; comment: string }> = {
  unauthenticated: { status: 401, result: RESULT.technicalForbidden, comment: 'authentication failed' },
  ip_forbidden: { status: 403, result: RESULT.technicalForbidden, comment: 'address not allowed for this aggregator' },
  inactive: { status: 403, result: RESULT.paymentForbidden, comment: 'aggregator is not active' },
  cross_site: { status: 403, result: RESULT.technicalForbidden, comment: 'a request from a page of another site' },
};

const ProtocolFields = Type.Object({
  command: Type.Optional(Type.Unknown({ description: 'check | pay' })),
  txn_id: Type.Optional(Type.Unknown({ description: "The aggregator's transaction id (1-64 of 0-9 A-Z a-z . _ -); kept forever" })),
  txn_date: Type.Optional(Type.Unknown({ description: 'pay only: YYYYMMDDHHMMSS' })),
  account: Type.Optional(Type.Unknown({ description: 'The phone number as typed: 7011234567, 87011234567, +7 701 123 45 67' })),
  sum: Type.Optional(Type.Unknown({ description: 'Decimal tenge, at most two places: 1000.00' })),
}, { additionalProperties: true, description: 'Fields are validated by the handler, which answers in protocol terms; other fields are ignored.' });

export async function aggregatorRoutes(app: FastifyInstance, { ctx }: RouteOptions): Promise<void> {
  const authenticator = createAggregatorAuthenticator(ctx);
  // A check/pay request the server could not read (no body, neither a form nor JSON, a field with
  // a U+0000, too long a code) is answered in the protocol too, as every malformed request is:
  // result 300 with HTTP 200, what a terminal knows how to log; anything else this plugin's
  // routes throw goes to the API's error answers.
  app.setErrorHandler((error: FastifyError, request, reply) => {
    const name = /^\/aggregators\/:code\/(osmp|kaspi)$/.exec(request.routeOptions.url ?? '')?.[1] as keyof typeof VARIANTS | undefined;
    if (name === undefined) return handleError(error, request, reply);
    const variant = VARIANTS[name];
    const failed = !(error instanceof HttpProblem) && !error.validation && (error.statusCode === undefined || error.statusCode >= 500);
    if (failed) ctx.reportError(error, { component: 'aggregator-protocol', reqId: request.id });
    // A request that arrives while the server shuts down (a deploy) was read well: it is result 1,
    // which the terminal retries with the same txn_id, not 300, a final refusal that gives the cash back.
    const unavailable = error instanceof HttpProblem && error.error.code === 'unavailable';
    const refusal = failed || unavailable ? answer({}, RESULT.temporary, 'temporary error: try again') : answer({}, RESULT.other, 'malformed request: send the fields as a query string, a form or a JSON object');
    return reply.code(200).type(variant.contentType).send(variant.render(refusal));
  });
  // The check/pay routes in a context of their own, whose JSON bodies keep each number's text
  // (protocolRequestOf); the admin routes below parse JSON as every API route does.
  await app.register(async (protocol) => {
    const parseJson = protocol.getDefaultJsonParser('error', 'error');
    protocol.removeContentTypeParser('application/json');
    protocol.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
      let text: string;
      try {
        text = STRICT_UTF8.decode(body as Buffer);
      } catch {
        done(new HttpProblem({ code: 'validation_failed', details: { issues: [{ path: 'body', message: 'must be UTF-8 (malformed Unicode)' }] } }), undefined);
        return;
      }
      const { json, repeated } = protocolJson(text);
      parseJson(request, json, (error: Error | null, body?: unknown) => {
        // A field sent twice counts as absent, as in a form (null: present, so no query field stands in).
        if (!error && body !== null && typeof body === 'object' && !Array.isArray(body)) for (const name of repeated) (body as Record<string, unknown>)[name] = null;
        done(error, body);
      });
    });
    for (const [name, variant] of Object.entries(VARIANTS)) {
      const handler = async (request: FastifyRequest, reply: FastifyReply) => {
        const fields = protocolRequestOf(request);
        const { code } = request.params as { code: string };
        // A browser sends what any page makes it send: an image or a link on a page of another site,
        // opened from inside an aggregator's allowlisted network (its address the only credential),
        // was a pay onto any line. Terminals and servers say no page (no Sec-Fetch-Site, no Origin).
        if (isFromOtherSitesPage(request, ctx.settings.publicUrl)) {
          const failure = AUTH_FAILURES.cross_site;
          return reply.code(failure.status).type(variant.contentType).send(variant.render(answer(fields, failure.result, failure.comment)));
        }
        try {
          const auth = await authenticator.authenticate(code, request.headers.authorization, request.ip);
          if (!auth.ok) {
            const failure = AUTH_FAILURES[auth.reason];
            if (auth.reason === 'unauthenticated') reply.header('www-authenticate', 'Basic realm="tolem-aggregators", charset="UTF-8"');
            return reply.code(failure.status).type(variant.contentType).send(variant.render(answer(fields, failure.result, failure.comment)));
          }
          const handled = await handleProtocolRequest(ctx, auth.aggregator, fields, request.id);
          return reply.code(200).type(variant.contentType).send(variant.render(handled));
        } catch (error) {
          // The database did not answer (an outage, a failover): the protocol's temporary error, which
          // terminals retry with the same txn_id, not an HTTP 500 they may not. A pay that committed
          // before the failure replays its answer then.
          // With the request's id, as its log line has it: the answer's x-request-id finds both.
          ctx.reportError(error, { component: 'aggregator-protocol', code, reqId: request.id });
          return reply.code(200).type(variant.contentType).send(variant.render(answer(fields, RESULT.temporary, 'temporary error: try again')));
        }
      };
      const schema = {
        tags: ['aggregators'], summary: variant.summary,
        description: 'HTTP Basic CODE:SECRET and/or an IP allowlist, per aggregator. Protocol answers are HTTP 200; authentication failures are 401/403 with result 8 (or 7 for a deactivated aggregator).',
        params: Type.Object({ code: Type.String({ minLength: 1, maxLength: 64 }) }),
      };
      // No automatic HEAD route: a HEAD with command=pay would credit and throw the answer away.
      protocol.get(`/aggregators/:code/${name}`, { exposeHeadRoute: false, schema: { ...schema, querystring: ProtocolFields } }, handler);
      protocol.post(`/aggregators/:code/${name}`, { config: { formBody: true }, schema: { ...schema, body: ProtocolFields } }, handler);
    }
  });

  app.post('/v1/admin/aggregators', {
    schema: {
      tags: ['aggregators'], summary: 'Register a payment aggregator and its clearing account (admin)', security: bearer,
      body: Type.Object({
        code: Type.String({ minLength: 1, maxLength: 32, examples: ['kaspi'] }),
        name: Type.Optional(Type.String({ minLength: 1, maxLength: 100 })),
        password: Type.Optional(Type.String({ minLength: 1, maxLength: 200, description: 'HTTP Basic secret; the user name is the code' })),
        ipAllowlist: Type.Optional(Type.Array(Type.String({ maxLength: 64 }), { maxItems: 100, description: 'Addresses or CIDR networks; empty = any address' })),
      }, { additionalProperties: false }),
      response: {
        201: Type.Object({
          code: Type.String(), name: Type.String(), clearingAccountId: Type.String({ description: 'the ledger account its top-ups are funded from' }),
          ipAllowlist: Type.Array(Type.String()), basicAuth: Type.Boolean({ description: 'whether a password was set' }),
          endpoints: Type.Object({ osmp: Type.String(), kaspi: Type.String() }, { description: 'paths of its protocol endpoints' }), createdAt: Type.String(),
        }),
        ...commonErrors,
      },
    },
  }, async (request, reply) => sendResult(reply, await createAggregator(ctx, actorOf(request), request.body as never), 201));

  app.get('/v1/admin/aggregators/:code/registry', {
    schema: {
      tags: ['aggregators'], summary: 'Daily registry of paid txns (CSV) for reconciliation (admin)', security: bearer,
      params: Type.Object({ code: Type.String({ minLength: 1, maxLength: 64 }) }),
      querystring: Type.Object({ date: Type.String({ pattern: '^\\d{4}-\\d{2}-\\d{2}$', description: 'Almaty calendar day, YYYY-MM-DD' }) }, { additionalProperties: false }),
      response: { 200: Type.String({ description: 'CSV (text/csv): txn_id,txn_date,account,sum,prv_txn,paid_at' }) },
    },
  }, async (request, reply) => {
    const { code } = request.params as { code: string };
    const { date } = request.query as { date: string };
    const result = await exportRegistry(ctx, actorOf(request), code, date);
    if (!result.ok) return sendError(reply, result.error);
    reply.header('content-disposition', `attachment; filename="registry-${code}-${date}.csv"`);
    return reply.code(200).type('text/csv; charset=utf-8').send(result.value);
  });
}

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

/** A JSON number, read where one starts (sticky). */
const JSON_NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/**
 * A JSON body as the protocol reads it, before parsing. Its numbers become strings of their text as
 * written: read as a double, `"sum": 1000.999999999999999` is 1001 and `999.9999999999999999` is
 * 1000, which would credit a sum the aggregator never sent; as text they are malformed (300), as in
 * a form, and a 20-digit `"txn_id"` keeps its digits. `repeated`: the top-level keys given more than
 * once, which JSON.parse would quietly read as their last value. One pass over the text (it is read
 * before authentication, so no pattern that could go back over it); an unterminated string is left
 * to the parser to refuse.
 */
export function protocolJson(text: string): { json: string; repeated: Set<string> } {
  const seen = new Set<string>();
  const repeated = new Set<string>();
  const parts: string[] = [];
  let depth = 0;
  let lastString: string | null = null;
  let at = 0;
  while (at < text.length) {
    const char = text[at]!;
    if (char === '"') {
      let end = at + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      if (end >= text.length) return { json: text, repeated: new Set() };
      lastString = text.slice(at, end + 1);
      parts.push(lastString);
      at = end + 1;
      continue;
    }
    if (char === '-' || (char >= '0' && char <= '9')) {
      JSON_NUMBER.lastIndex = at;
      const number = JSON_NUMBER.exec(text);
      if (number) {
        // A number where a key stands ({1:"x"}) stays as written, for the parser to refuse as JSON.parse does.
        let next = at + number[0].length;
        while (text[next] === ' ' || text[next] === '\t' || text[next] === '\n' || text[next] === '\r') next++;
        parts.push(text[next] === ':' ? number[0] : `"${number[0]}"`);
        at += number[0].length;
        lastString = null;
        continue;
      }
    }
    if (char === '{' || char === '[') depth++;
    else if (char === '}' || char === ']') depth--;
    else if (char === ':' && depth === 1 && lastString !== null) {
      let key: string | null = null;
      try { key = JSON.parse(lastString) as string; } catch { /* not JSON: the parser refuses the body */ }
      if (key !== null && seen.has(key)) repeated.add(key);
      if (key !== null) seen.add(key);
    }
    if (char !== ' ' && char !== '\t' && char !== '\n' && char !== '\r') lastString = null;
    parts.push(char);
    at++;
  }
  return { json: parts.join(''), repeated };
}

/**
 * Query fields, overridden by a form or JSON body's; only single values count. A JSON number counts
 * as its text as written (`"txn_id": 5`, `"sum": 1000.5`; protocolJson), and is judged as that
 * text is in a query string: `"sum": 1e3` is malformed, as `sum=1e3` is.
 */
function protocolRequestOf(request: FastifyRequest): ProtocolRequest {
  const query = (request.query ?? {}) as Record<string, unknown>;
  const body = request.body !== null && typeof request.body === 'object' ? request.body as Record<string, unknown> : {};
  const field = (name: string) => {
    const value = name in body ? body[name] : query[name];
    return typeof value === 'string' ? value : undefined;
  };
  return { command: field('command'), txnId: field('txn_id'), txnDate: field('txn_date'), account: field('account'), sum: field('sum') };
}
