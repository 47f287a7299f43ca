import cookie from '@fastify/cookie';
import FindMyWay, { type HTTPMethod } from 'find-my-way';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Ajv, type ValidateFunction } from 'ajv';
import Fastify, { LogController, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { AppContext } from '../app-context.ts';
import { authRoutes } from '../auth/auth-routes.ts';
import { createAuthenticator, type Authenticator } from '../auth/authenticate.ts';
import { maskPhoneNumbersIn } from '../domain/msisdn.ts';
import { asciiTyped, unstorableText } from '../domain/text.ts';
import { lineRoutes } from '../lines/lines-routes.ts';
import { paymentRoutes } from '../payments/payments-routes.ts';
import { TopUpSchema, topUpRoutes } from '../topups/topups-routes.ts';
import { catalogRoutes } from '../catalog/catalog-routes.ts';
import { packageRoutes, PurchaseSchema } from '../packages/packages-routes.ts';
import { promotionRoutes } from '../promotions/promotions-routes.ts';
import { aggregatorRoutes } from '../aggregators/aggregators-routes.ts';
import { lifecycleRoutes } from '../lifecycle/lifecycle-routes.ts';
import { usageRoutes } from '../usage/usage-routes.ts';
import { creditRoutes } from '../credit/credit-routes.ts';
import { transferRoutes } from '../transfers/transfers-routes.ts';
import { agentRoutes } from '../agents/agents-routes.ts';
import { storeRoutes } from '../stores/stores-routes.ts';
import { voucherRoutes } from '../vouchers/vouchers-routes.ts';
import { receiptRoutes } from '../receipts/receipts-routes.ts';
import { healthRoutes } from './health-routes.ts';
import { webRoutes } from './web-routes.ts';
import { partnerRoutes } from '../partners/partners-routes.ts';
import { ussdRoutes } from '../ussd/ussd-routes.ts';
import { smsRoutes } from '../sms/sms-routes.ts';
import { jobRoutes } from '../jobs/jobs-routes.ts';
import { clientErrorHandler, connectRefusedHandler, expectationFailedHandler, handleError, HttpProblem, requestIdFrom, sendError } from './http-errors.ts';
import type { Metrics } from './metrics.ts';
import { describeDocument, describeRoute } from './openapi.ts';
import { isCrossSiteCookieChange, tokenOf } from './request-auth.ts';
import { repeatedJsonName } from './repeated-json-name.ts';
import { commonErrors, ErrorBody, NoQuery } from './schemas.ts';

export interface ServerDeps {
  ctx: AppContext;
  metrics: Metrics;
  logLevel?: string;
  /** Where the log's JSON lines go (standard output when not given); tests read them. */
  logStream?: { write(line: string): void };
}

export type Server = FastifyInstance & { authenticator: Authenticator };

/** Route plugins of every capability; a capability adds its routes here. */
const ROUTES = [healthRoutes, webRoutes, authRoutes, lineRoutes, topUpRoutes, aggregatorRoutes, receiptRoutes, agentRoutes, storeRoutes, voucherRoutes, lifecycleRoutes, usageRoutes, creditRoutes, transferRoutes, paymentRoutes, catalogRoutes, promotionRoutes, packageRoutes, partnerRoutes, smsRoutes, ussdRoutes, jobRoutes];

export async function buildServer({ ctx, metrics, logLevel = 'info', logStream }: ServerDeps): Promise<Server> {
  const stampAnswer = (request: FastifyRequest, reply: FastifyReply) => {
    reply.header('x-request-id', request.id);
    // The API's answers hold people's balances, history, SMS and receipts: kept by no cache, the
    // browser's included (on a shared computer, Back after logging out showed them again).
    if (request.url.startsWith('/v1/') && !reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
  };
  /** A request's one log line and its duration in the metrics. */
  const recordRequest = (request: FastifyRequest, reply: FastifyReply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpDuration.observe({ method: request.method, route, status: String(reply.statusCode) }, reply.elapsedTime / 1000);
    request.log.info({ req: request, status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 }, 'request');
  };
  const app = Fastify({
    logger: {
      level: logLevel,
      serializers: { req: (req) => ({ method: req.method, url: logUrl(req.url), id: req.id }) },
      redact: ['req.headers.authorization', 'req.headers.cookie'],
      ...(logStream ? { stream: logStream } : {}),
    },
    // One log line per request, written by the onResponse hook below.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: ctx.settings.http.bodyBytesMax,
    // Fastify's default (0) switches Node's limit off: a body sent a byte a minute would hold its
    // socket for ever. Past this, Node answers 408 through clientErrorHandler and closes it.
    requestTimeout: ctx.settings.http.requestTimeoutMs,
    genReqId: (req) => requestIdFrom(req.headers['x-request-id']),
    requestIdHeader: false,
    trustProxy: ctx.settings.trustProxy,
    schemaController: { compilersFactory: { buildValidator: buildValidatorCompiler as never } },
    clientErrorHandler,
    // Requests that arrive while the server closes get the error format (below), not Fastify's own body.
    return503OnClosing: false,
    // Node looks for overdue requests every connectionsCheckingInterval (30 s by default), and
    // only with the timeouts given here: set later on the server, its 60 s for headers still rules.
    http: {
      requireHostHeader: false, requestTimeout: ctx.settings.http.requestTimeoutMs,
      // 0 switches the request limit off, never the one on headers (Node's 60 s).
      headersTimeout: ctx.settings.http.requestTimeoutMs > 0 ? Math.min(60_000, ctx.settings.http.requestTimeoutMs) : 60_000,
      connectionsCheckingInterval: Math.min(5_000, Math.max(100, Math.floor(ctx.settings.http.requestTimeoutMs / 4))),
    },
    // Malformed URLs and over-long path parameters answer in the error format too.
    // Refused before any route is found, these pass through no hook: the answer's headers and the
    // request's log line and metric are given here, as every other request's.
    frameworkErrors: (error, request, reply) => {
      stampAnswer(request, reply);
      sendError(reply, { code: 'validation_failed', details: { issues: [{ path: 'params', message: error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 'path parameter too long' : 'malformed URL' }] } });
      recordRequest(request, reply);
    },
  }).withTypeProvider<TypeBoxTypeProvider>();
  app.server.on('checkExpectation', (request, response) => expectationFailedHandler(request, response, app.log));
  app.server.on('connect', (request, socket) => connectRefusedHandler(request, socket, app.log));


  const authenticator = createAuthenticator(ctx);
  app.decorate('authenticator', authenticator);
  app.decorateRequest('actor', null);
  app.addHook('onSend', async (request, reply) => stampAnswer(request, reply));
  app.addHook('onResponse', async (request, reply) => recordRequest(request, reply));

  await app.register(cookie);
  // After the cookie plugin, so that session cookies are parsed when this runs.
  let closing = false;
  app.addHook('preClose', async () => {
    closing = true;
  });
  // Every answer once closing has begun ends its connection, those of requests already in flight
  // too: kept alive (Node's timeout 72 s), a client's socket held the process past SIGTERM.
  app.addHook('onSend', async (_request, reply) => {
    if (closing) reply.header('connection', 'close');
  });
  app.addHook('onRequest', async (request, reply) => {
    if (closing) {
      reply.header('connection', 'close');
      throw new HttpProblem({ code: 'unavailable', details: { reason: 'shutting_down' } });
    }
    // RFC 9112 §3.2: an HTTP/1.1 request without Host is a 400. Node would answer it with an empty
    // body (`requireHostHeader`, turned off above); here it gets the error format like any other.
    // So is any request with two Host lines (Node keeps the first) or a Host that is no host[:port].
    if (!hostHeaderSound(request.raw.rawHeaders, request.raw.httpVersion)) throw new HttpProblem({ code: 'request_malformed', details: { header: 'host' } });
    // Bodies are read as sent: a compressed one (gzip, br…) would be taken for bytes of JSON, or,
    // mislabelled, silently accepted. RFC 7694: 415 for a content coding the server does not take.
    const encoding = request.headers['content-encoding'];
    if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') throw new HttpProblem({ code: 'unsupported_media_type', details: { header: 'content-encoding', accepted: ['identity'] } });
    // Forms only where a route says so (FastifyContextConfig.formBody): elsewhere a form is a 415,
    // refused before its body is read, since a form is what a cross-site page can make a browser send.
    if (request.method !== 'GET' && request.method !== 'HEAD' && isFormBody(request.headers['content-type']) && request.routeOptions.config?.formBody !== true) {
      throw new HttpProblem({ code: 'unsupported_media_type', details: { header: 'content-type', accepted: ['application/json'] } });
    }
    if (isCrossSiteCookieChange(request, ctx.settings.publicUrl)) throw new HttpProblem({ code: 'cross_site_request' });
    const token = tokenOf(request as never);
    request.actor = token ? await authenticator.authenticate(token) : null;
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Tolem API', version: '1.0.0', description: 'Top-ups and packages for prepaid lines. Amounts are integers in minor units (tiyn) with a currency code. Errors are {"error":{"code","message","details"}}.' },
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API key (tlm_…) or a session token from POST /v1/auth/login' },
          sessionCookie: { type: 'apiKey', in: 'cookie', name: 'tolem_session' },
          aggregatorBasic: { type: 'http', scheme: 'basic', description: 'An aggregator\'s code and password (tolem aggregator create), on the check/pay routes; an aggregator may instead be allowed by address alone (its IP allowlist)' },
        },
      },
    },
    // Shared schemas under their own names (ErrorBody, TopUp, Line…) in components, not def-0, def-1…
    refResolver: { buildLocalReference: (json, _baseUri, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    // What the document says beyond the validation schemas (media types, required headers,
    // references to ErrorBody, formats): the routes' own schemas are left as they are.
    transform: describeRoute,
    transformObject: describeDocument,
  });
  // Like the web pages (web-routes.ts), never in another page's frame: its "Try it out" calls carry
  // a logged-in admin's cookie. Only the framing is restricted: Swagger UI's own scripts and styles run.
  await app.register(swaggerUi, {
    routePrefix: '/docs', staticCSP: "frame-ancestors 'none'",
    uiHooks: { onRequest: (_request, reply, done) => { reply.header('x-frame-options', 'DENY'); done(); } },
  });
  // Shared by several capabilities' routes (a top-up is answered by the API, POS, counter, voucher
  // and USSD routes): added here, where every route plugin sees them, and shown once in /openapi.json.
  for (const schema of [ErrorBody, TopUpSchema, PurchaseSchema]) app.addSchema(schema);

  app.setErrorHandler(handleError);
  // A path the server knows asked with a method it does not take is a 405 naming the ones it does
  // (RFC 9110 15.5.6), not a 404: a second router holds every route's path for that question alone.
  const knownPaths = FindMyWay();
  app.addHook('onRoute', (route) => {
    if (route.url.includes('*')) return; // the static assets' wildcard: any path would match it
    for (const method of [route.method].flat().map((m) => String(m).toUpperCase())) {
      if ((ALLOWABLE_METHODS as readonly string[]).includes(method) && !knownPaths.hasRoute(method as HTTPMethod, route.url)) knownPaths.on(method as HTTPMethod, route.url, () => {});
    }
  });
  app.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?', 1)[0]!;
    const allowed = ALLOWABLE_METHODS.filter((method) => knownPaths.find(method, path) !== null);
    if (allowed.length === 0) return sendError(reply, { code: 'route_not_found', details: { method: request.method } });
    reply.header('allow', allowed.join(', '));
    return sendError(reply, { code: 'method_not_allowed', details: { method: request.method, allowed } });
  });
  // JSON as Fastify parses it (prototype poisoning refused), but from bytes that must be UTF-8:
  // decoding a string would turn invalid bytes (a lone surrogate's three bytes, 0xFF) silently
  // into U+FFFD and store them, where the escaped `\ud800` is refused (domain/text.ts).
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  // JSON and forms only: a text/plain body is a 415, not a string the schema then refuses as 400.
  app.removeContentTypeParser('text/plain');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request, body, done) => {
    let text: string;
    try {
      text = STRICT_UTF8.decode(body as Buffer);
    } catch {
      done(new HttpProblem({ code: 'validation_failed', details: { issues: [{ path: 'body', message: 'must be UTF-8 (malformed Unicode)' }] } }), undefined);
      return;
    }
    // A body the route's schema lets be left out (null, as the renewal's) is left out when none is
    // sent, whatever the Content-Type says: clients generated from /openapi.json send the header anyway.
    // So is one sent to a route that takes none (a DELETE, a logout) by a client that labels every request.
    const schema = request.routeOptions.schema?.body;
    if (text === '' && (schema === undefined || bodyMayBeLeftOut(schema))) {
      done(null, undefined);
      return;
    }
    // A name given twice is refused, as a field twice in a form or a query string is: JSON.parse
    // would keep its last value silently, where another reader of the same body (a gateway) takes the first.
    parseJson(request, text, (error: Error | null, body?: unknown) => {
      const repeated = error ? null : repeatedJsonName(text);
      if (repeated) {
        done(new HttpProblem({ code: 'validation_failed', details: { issues: [{ path: `body/${repeated.path === '' ? '' : `${repeated.path}/`}${repeated.name}`, message: 'must not be given twice' }] } }), undefined);
        return;
      }
      done(error, body);
    });
  });
  // Like the query string: a field sent twice becomes a list, never silently its last value.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    // URLSearchParams turns an escape that is no UTF-8 (%FF) into U+FFFD, as a JSON body's bytes
    // once were: decodeURIComponent refuses it.
    try {
      decodeURIComponent((body as string).replaceAll('+', ' '));
    } catch {
      done(new HttpProblem({ code: 'validation_failed', details: { issues: [{ path: 'body', message: 'must be UTF-8 (malformed Unicode)' }] } }), undefined);
      return;
    }
    const fields: Record<string, string | string[]> = {};
    for (const [key, value] of new URLSearchParams(body as string)) {
      const seen = fields[key];
      fields[key] = seen === undefined ? value : Array.isArray(seen) ? [...seen, value] : [seen, value];
    }
    done(null, fields);
  });

  // Texts the two databases cannot store alike (domain/text.ts): refused at the edge for every route.
  app.addHook('preValidation', async (request) => {
    for (const [part, value] of [['params', request.params], ['querystring', request.query], ['body', request.body]] as const) {
      const problem = unstorableIn(value);
      if (problem) throw new HttpProblem({ code: 'validation_failed', details: { issues: [{ path: part, message: UNSTORABLE_MESSAGES[problem] }] } });
    }
  });

  // The API's query strings are as strict as its bodies: a route that names no query takes none,
  // and one that names its parameters takes no others (`?limit=abc&unknown=1` is a 400, not ignored).
  // Not the providers' webhooks (a notify address may carry parameters Tolem did not choose) nor
  // pages people open from links (a shared receipt link gains ?fbclid=…).
  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/v1/')) return;
    // Every API route may answer the common errors (a bad request, credentials, a body too large or
    // not JSON, the writer's queue full…), always as ErrorBody: /openapi.json lists them on each.
    const routeSchema = (route.schema ??= {}) as { response?: Record<string, unknown> };
    routeSchema.response = { ...commonErrors, ...routeSchema.response };
    if (route.url.startsWith('/v1/webhooks/')) return;
    const schema = routeSchema as { querystring?: Record<string, unknown> };
    if (schema.querystring === undefined) schema.querystring = NoQuery;
    else if (schema.querystring.type === 'object' && schema.querystring.additionalProperties === undefined) schema.querystring = { ...schema.querystring, additionalProperties: false };
  });

  for (const routes of ROUTES) await app.register(routes, { ctx, metrics });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  return app as unknown as Server;
}

const ALLOWABLE_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;

/** A body schema that admits null (`Type.Union([Type.Null(), …])`): /openapi.json shows such a body as not required. */
const bodyMayBeLeftOut = (schema: unknown) => ((schema as { anyOf?: { type?: unknown }[] } | undefined)?.anyOf ?? []).some((member) => member.type === 'null');

const isFormBody = (contentType: string | undefined) => contentType !== undefined && /^\s*application\/x-www-form-urlencoded\s*(;|$)/i.test(contentType);

const STRICT_UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });

const UNSTORABLE_MESSAGES = {
  nul: 'must not contain the character U+0000',
  lone_surrogate: 'must not contain half of a UTF-16 surrogate pair (malformed Unicode)',
};

/** What is wrong with a string, or any key or string inside parsed JSON or a form, if anything (no recursion: bodies nest deeply). */
function unstorableIn(value: unknown): keyof typeof UNSTORABLE_MESSAGES | null {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    if (typeof item === 'string') {
      const problem = unstorableText(item);
      if (problem) return problem;
    } else if (item !== null && typeof item === 'object' && !Buffer.isBuffer(item)) {
      for (const [key, child] of Object.entries(item)) {
        const problem = unstorableText(key);
        if (problem) return problem;
        pending.push(child);
      }
    }
  }
  return null;
}

/**
 * Bodies are strict (no type coercion, unknown fields rejected, all errors listed); query strings
 * and path parameters coerce, since they arrive as text. Set through the schema controller so
 * that plugins adding schemas of their own keep these rules.
 */
function buildValidatorCompiler(externalSchemas: unknown) {
  const strict = new Ajv({ coerceTypes: false, removeAdditional: false, useDefaults: true, allErrors: true, strict: false });
  const lenient = new Ajv({ coerceTypes: 'array', removeAdditional: false, useDefaults: true, allErrors: true, strict: false });
  for (const schema of Object.values((externalSchemas ?? {}) as Record<string, { $id?: string }>)) {
    strict.addSchema(schema);
    lenient.addSchema(schema);
  }
  return ({ schema, httpPart }: { schema: object; httpPart?: string }) => (httpPart === 'body' ? strict.compile(schema) : decimalOnly(schema, lenient.compile(schema)));
}

const DECIMAL = /^-?\d+(\.\d+)?$/;
const WHOLE = /^-?\d+$/;

/**
 * Ajv's coercion reads a query's numbers as JavaScript does (`0x10` → 16, `1e2` → 100, ` 5` → 5);
 * a number in a URL is written in decimal digits, so anything else is refused before coercion.
 */
function decimalOnly(schema: object, validate: ValidateFunction): ValidateFunction {
  const properties = (schema as { properties?: Record<string, { type?: unknown }> }).properties ?? {};
  // An integer in whole digits (`1.0` and `1.9999999999999999` are no page size); a number may have a fraction.
  const numeric = Object.keys(properties).filter((name) => properties[name]!.type === 'integer' || properties[name]!.type === 'number')
    .map((name) => [name, properties[name]!.type === 'integer' ? WHOLE : DECIMAL] as const);
  if (numeric.length === 0) return validate;
  const checked = ((data: Record<string, unknown> | null | undefined) => {
    for (const [name, digits] of numeric) {
      const value = data?.[name];
      if (typeof value === 'string' && !digits.test(value)) {
        checked.errors = [{ instancePath: `/${name}`, schemaPath: `#/properties/${name}/type`, keyword: 'type', params: {}, message: 'must be a number in decimal digits' }];
        return false;
      }
    }
    const valid = validate(data);
    checked.errors = validate.errors;
    return valid;
  }) as ValidateFunction;
  return checked;
}

export interface RouteOptions {
  ctx: AppContext;
  metrics: Metrics;
}

const LOGGED_URL_LENGTH_MAX = 2_048;

/**
 * A request's URL as the log keeps it: phone numbers masked, a payment's client secret (which the
 * provider's return link carries) redacted, and no longer than 2 KiB.
 */
export function logUrl(url: string): string {
  const cut = url.length > LOGGED_URL_LENGTH_MAX ? `${url.slice(0, LOGGED_URL_LENGTH_MAX)}…` : url;
  // Digits sent percent-encoded (/v1/lines/%38%37%30…) are served as the number they spell: logged as digits, they are masked too.
  // So is a number spaced with any space parseMsisdn reads (%20, a tab, a no-break space pasted from a page,
  // a Chinese keyboard's ideographic space), before its digits too: each such space is logged as +, as a form writes one.
  // And one typed in full-width digits (８７０１…, ＋７) or with a typographic dash (– ‐ −), which it reads too: as ASCII.
  return maskPhoneNumbersIn(cut.replace(/%3([0-9])/g, '$1').replace(ENCODED_CHARACTER, asTypedInAscii)).replace(/([?&]secret=)[^&#]*/gi, '$1[redacted]');
}

/** One percent-encoded character that may be a space: %20, a control character, or the two to four bytes of a non-ASCII one in UTF-8. */
const ENCODED_CHARACTER = /%20|%0[0-9A-F]|%[C-F][0-9A-F](?:%[89AB][0-9A-F]){1,3}/gi;

/** A percent-encoded space as +, a full-width digit, sign or bracket or a typographic dash as its ASCII (+ as %2B); anything else as sent. */
function asTypedInAscii(encoded: string): string {
  try {
    const character = decodeURIComponent(encoded);
    if (/^\s$/.test(character)) return '+';
    const ascii = asciiTyped(character);
    return ascii === '+' ? '%2B' : /^[\d().-]$/.test(ascii) ? ascii : encoded;
  } catch {
    return encoded;
  }
}

/** A Host value as RFC 9110 §7.2 writes it: uri-host (an IP literal in brackets, or a reg-name, possibly empty) and an optional port. */
const HOST_VALUE = /^(?:\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9\-._~!$&'()*+,;=%]*)(?::\d*)?$/;

/** RFC 9112 §3.2: exactly one Host line with a valid value; HTTP/1.0 may leave it out. */
function hostHeaderSound(rawHeaders: string[], httpVersion: string): boolean {
  let value: string | undefined;
  for (let index = 0; index < rawHeaders.length; index += 2) {
    if (rawHeaders[index]!.length !== 4 || rawHeaders[index]!.toLowerCase() !== 'host') continue;
    if (value !== undefined) return false;
    value = rawHeaders[index + 1]!;
  }
  if (value === undefined) return httpVersion !== '1.1';
  return HOST_VALUE.test(value);
}
