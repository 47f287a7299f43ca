import { Type, type TSchema } from '@sinclair/typebox';
import type { SwaggerTransform, SwaggerTransformObject } from '@fastify/swagger';
import { AmountMinor } from './schemas.ts';

/**
 * What /openapi.json says beyond what validation needs: @fastify/swagger's `transform` (per route)
 * and `transformObject` (the whole document). Nothing here changes what the server accepts or
 * answers; a route's own schema stays as Fastify validates and serializes with it, and only the
 * copy given to the document is changed. src/http/api-contract.test.ts checks the result.
 */

type JsonObject = Record<string, unknown>;
type Json = JsonObject | unknown[] | string | number | boolean | null;

const ErrorRef = Type.Ref('ErrorBody');

/** What each common error status means (docs/errors.md lists every code). */
const ERROR_DESCRIPTIONS: Record<string, string> = {
  400: 'Bad request: validation_failed (details.issues or details.field), idempotency_key_missing, idempotency_key_invalid, request_malformed…',
  401: 'unauthenticated: no, or no valid, API key or session',
  403: 'forbidden: not allowed for this role or resource',
  404: 'Not found: the resource (line_not_found, …) or the route (route_not_found)',
  405: 'method_not_allowed: the path exists but not with this method; the Allow header and details.allowed name those it takes',
  409: 'Conflict with the current state or an earlier request under the same Idempotency-Key (idempotency_key_reused, …)',
  410: 'Gone: voucher_expired, transfer_confirmation_expired',
  413: 'body_too_large',
  415: 'unsupported_media_type: a body that is not JSON (or a form where one is taken), or a content coding other than identity',
  422: 'A well-formed request the domain refuses (amount_invalid, insufficient_balance, …)',
  429: 'rate_limited, payment_velocity_exceeded: Retry-After says when to try again',
  502: 'payment_provider_failed: the payment provider refused or did not answer',
  503: 'unavailable: the writer\'s queue is full, or the database or another dependency does not answer; retry',
};

const METHOD_NOT_ALLOWED = {
  ...ErrorRef, description: ERROR_DESCRIPTIONS[405],
  headers: { allow: Type.String({ description: 'The methods the path takes, comma-separated' }) },
};

const RETRY_AFTER = { 'retry-after': Type.Integer({ minimum: 0, description: 'Seconds to wait before trying again' }) };
const BEARER_CHALLENGE = { 'www-authenticate': Type.String({ description: 'Bearer realm="tolem": how to authenticate (RFC 9110 §11.6.1)' }) };
const IDEMPOTENT_REPLAYED = {
  'idempotent-replayed': Type.Literal('true', { description: 'Present when this is the first answer again: a retry of a request already done, nothing done twice' }),
};
/** Routes without an Idempotency-Key that replay a first answer all the same: a confirmed transfer, a POS reversal (keyed by the top-up). */
const REPLAYING_ROUTES = ['POST /v1/transfers/confirmations/:id', 'POST /v1/pos/topups/:id/reverse'];

const IDEMPOTENCY_KEY_PATTERN = '^[\\x21-\\x7e]{1,255}$';
const IDEMPOTENCY_KEY_ANONYMOUS = ' Callers without credentials all share one scope (anonymous): send an unguessable key, a new UUID per payment, since a key another payer already used replays their payment, client secret included (or, with another body, is 409 idempotency_key_reused).';

const html = (description: string) => ({ 'text/html': { schema: Type.String({ description }) } });
const xml = { 'text/xml': { schema: Type.String({ description: '<response><osmp_txn_id/><prv_txn/><sum/><result/><comment/></response> (docs/aggregators.md)' }) } };
const KaspiAnswer = Type.Object({
  txn_id: Type.String(), prv_txn_id: Type.String(), result: Type.Integer({ description: '0 = success; docs/aggregators.md lists the others' }),
  sum: Type.Union([Type.Number({ description: 'tenge, two decimals' }), Type.Null()]), comment: Type.String(),
});
const kaspi = { 'application/json': { schema: KaspiAnswer } };
const pdf = { 'application/pdf': { schema: Type.String({ format: 'binary' }) } };
const ReceiptVerification = Type.Union([
  Type.Object({
    genuine: Type.Literal(true), number: Type.String(), kind: Type.String(), amount: Type.Integer({ description: 'minor units' }), currency: Type.String(),
    amountText: Type.String(), msisdn: Type.Union([Type.String({ description: 'masked' }), Type.Null()]), createdAt: Type.String(), displayDate: Type.String(),
    reverses: Type.Union([Type.String({ description: 'on a reversal\'s receipt: the receipt it reverses' }), Type.Null()]),
    reversedBy: Type.Union([Type.String({ description: 'on a reversed top-up\'s or refund\'s receipt: the reversal\'s receipt' }), Type.Null()]),
    refundOf: Type.Union([Type.String({ description: 'on a refund\'s receipt: the receipt of the payment it pays back' }), Type.Null()]),
  }),
  Type.Object({ genuine: Type.Literal(false) }),
]);
const checkoutLocation = { location: Type.String({ description: '/sandbox/checkout/<id>?lang=<lang>' }) };
const attachment = (description: string) => ({ 'content-disposition': Type.String({ description }) });

/**
 * Bodies read as raw text (payments-routes.ts: the signature or the file is over the exact bytes),
 * so that the route has no body schema for @fastify/swagger to show: what each takes, by media type.
 */
const RAW_BODIES: Record<string, { description: string; content: Record<string, { schema: TSchema }> }> = {
  'POST /v1/admin/reconciliation/:provider': {
    description: 'The provider\'s settlement file: CSV with a header naming at least reference,amount,currency (amount in minor units; other columns ignored), up to 8 MB and 100,000 rows (docs/payments.md, Settlement files)',
    content: { 'text/csv': { schema: Type.String({ examples: ['reference,amount,currency\nsbx_01J…,50000,KZT\n'] }) } },
  },
  'POST /v1/webhooks/:provider': {
    description: 'The provider\'s event as it signs it: JSON, or a form (Alipay); verified over the exact bytes (docs/payment-providers.md)',
    content: { 'application/json': { schema: Type.Object({}, { additionalProperties: true }) }, 'application/x-www-form-urlencoded': { schema: Type.Object({}, { additionalProperties: true }) } },
  },
};

const SettlementReport = Type.Object({
  provider: Type.String(), rows: Type.Integer({ description: 'rows read from the file' }), matched: Type.Integer({ description: 'rows that agree with Tolem' }),
  mismatches: Type.Array(Type.Object({
    kind: Type.Union(['missing_in_tolem', 'missing_at_provider', 'amount_differs', 'status_differs', 'duplicate_in_settlement'].map((kind) => Type.Literal(kind))),
    reference: Type.Union([Type.String(), Type.Null()]), paymentId: Type.Union([Type.String(), Type.Null()]),
    tolemAmount: Type.Union([Type.Integer({ description: 'minor units, in currency' }), Type.Null()]), providerAmount: Type.Union([Type.Integer({ description: 'minor units, in currency' }), Type.Null()]),
    currency: Type.Union([Type.String(), Type.Null()]), tolemStatus: Type.Union([Type.String(), Type.Null()]),
  })),
});

interface Answer {
  description: string;
  /** None for a redirect, whose answer is its Location. */
  content?: Record<string, { schema: TSchema }>;
  headers?: Record<string, TSchema>;
}

/**
 * Answers that are not JSON, by route (`METHOD url` as Fastify names it) and status: each under
 * its real media type. The route's own schema (a string for a PDF) is what Fastify keeps.
 */
const MEDIA_ANSWERS: Record<string, Record<number, Answer>> = {
  'GET /v1/receipts/:number.pdf': { 200: { description: 'The receipt (PDF)', content: pdf, headers: attachment('inline; filename="<number>.pdf"') } },
  'GET /v1/payments/:id/receipt.pdf': { 200: { description: 'The receipt (PDF)', content: pdf, headers: attachment('inline; filename="<number>.pdf"') } },
  'GET /v1/receipts/:number/slip': { 200: { description: 'The 80 mm printable slip', content: html('the slip\'s HTML page') } },
  'GET /v1/admin/aggregators/:code/registry': {
    200: {
      description: 'The day\'s paid transactions', headers: attachment('attachment; filename="registry-<code>-<date>.csv"'),
      content: { 'text/csv': { schema: Type.String({ description: 'CSV with a header row: txn_id,txn_date,account,sum,prv_txn,paid_at' }) } },
    },
  },
  'POST /v1/admin/reconciliation/:provider': { 200: { description: 'The comparison; nothing is changed', content: { 'application/json': { schema: SettlementReport } } } },
  'GET /metrics': { 200: { description: 'Prometheus text exposition format (version 0.0.4)', content: { 'text/plain': { schema: Type.String() } } } },
  'GET /receipts/verify/:token': {
    200: { description: 'An HTML page, or with Accept: application/json the verification as JSON', content: { ...html('the verification page'), 'application/json': { schema: ReceiptVerification } } },
  },
  ...protocolAnswers('osmp', xml),
  ...protocolAnswers('kaspi', kaspi),
  'GET /sandbox/checkout/:id': {
    200: { description: 'The checkout page (or the challenge, or the outcome)', content: html('checkout page') },
    404: { description: 'No such checkout session', content: html('closed page') },
  },
  'POST /sandbox/checkout/:id': {
    200: { description: 'The outcome of a card whose answer was lost (the `unknown` test card)', content: html('result page') },
    303: { description: 'Paid, declined, cancelled or a challenge to answer: the browser is sent to GET the checkout page, which shows it (Back then re-posts nothing)', headers: checkoutLocation },
    404: { description: 'No such checkout session', content: html('closed page') },
    409: { description: 'The session is closed', content: html('closed page') },
    422: { description: 'A card number, expiry or CVC that is not valid: the form again with the reason', content: html('checkout page') },
    429: { description: 'Too many attempts with this card', content: html('checkout page') },
  },
  'POST /sandbox/checkout/:id/challenge': {
    303: { description: 'Answered: the browser is sent to GET the checkout page, which shows the outcome', headers: checkoutLocation },
    409: { description: 'The session is closed', content: html('closed page') },
  },
};

/**
 * The common errors of routes outside /v1 (those get every common one): a path parameter or form
 * the schema refuses is 400 in the error format, a body of another media type 415.
 */
const OUTSIDE_V1_ERRORS: Record<string, string[]> = {
  'GET /receipts/verify/:token': ['400'],
  'GET /sandbox/checkout/:id': ['400'],
  'POST /sandbox/checkout/:id': ['400', '415'],
  'POST /sandbox/checkout/:id/challenge': ['400', '415'],
  // A code over 100 characters or a malformed URL is refused before the protocol handler reads it.
  ...Object.fromEntries(['osmp', 'kaspi'].flatMap((variant) => ['GET', 'POST'].map((method) => [`${method} /aggregators/:code/${variant}`, ['400']]))),
};

/** Check/pay answers are HTTP 200, refusals included; 401/403 are authentication failures, in the protocol too. */
function protocolAnswers(variant: string, content: Answer['content']): Record<string, Record<number, Answer>> {
  const answers = {
    200: { description: 'A protocol answer: result 0 is a success, any other a refusal (HTTP 200 all the same)', content },
    401: { description: 'Authentication failed (result 8)', content, headers: { 'www-authenticate': Type.String() } },
    403: { description: 'Address not allowed (result 8) or aggregator deactivated (result 7)', content },
  };
  return { [`GET /aggregators/:code/${variant}`]: answers, [`POST /aggregators/:code/${variant}`]: answers };
}

interface RouteSchema {
  hide?: boolean;
  headers?: { properties?: Record<string, JsonObject>; required?: string[] } & JsonObject;
  response?: Record<string, unknown>;
  consumes?: string[];
  [key: string]: unknown;
}

/** @fastify/swagger's `transform`: one route's schema as the document shows it. */
export const describeRoute: SwaggerTransform = ({ schema, url, route }) => {
  const given = schema as RouteSchema | undefined;
  if (!given || given.hide) return { schema: given as never, url };
  const described: RouteSchema = { ...given };
  const methods = [route.method].flat().map((method) => String(method).toUpperCase());
  const media = methods.map((method) => MEDIA_ANSWERS[`${method} ${url}`]).find((answers) => answers !== undefined);

  const responses: Record<string, unknown> = {};
  for (const [status, answer] of Object.entries(given.response ?? {})) {
    const errorBody = (answer as { $id?: string } | undefined)?.$id === 'ErrorBody';
    responses[status] = errorBody ? { ...ErrorRef, description: ERROR_DESCRIPTIONS[status] ?? 'An error' } : answer;
  }
  if (url.startsWith('/v1/')) responses[405] ??= METHOD_NOT_ALLOWED;
  // Headers the answers carry (http-errors.ts, the routes): Retry-After on every 429, and
  // Idempotent-Replayed on the success of a route that replays a first answer.
  if (responses[429] !== undefined) responses[429] = { ...(responses[429] as object), headers: RETRY_AFTER };
  if (url.startsWith('/v1/') && responses[401] !== undefined) responses[401] = { ...(responses[401] as object), headers: BEARER_CHALLENGE };
  const replays = given.headers?.properties?.['idempotency-key'] !== undefined || methods.some((method) => REPLAYING_ROUTES.includes(`${method} ${url}`));
  for (const status of Object.keys(responses).filter((status) => replays && /^2/.test(status))) {
    responses[status] = { ...(responses[status] as object), headers: IDEMPOTENT_REPLAYED };
  }
  for (const status of methods.flatMap((method) => OUTSIDE_V1_ERRORS[`${method} ${url}`] ?? [])) {
    responses[status] ??= { ...ErrorRef, description: ERROR_DESCRIPTIONS[status] ?? 'An error' };
  }
  // Check/pay: HTTP Basic with the aggregator's code and password, or an allowlisted address alone.
  if (url.startsWith('/aggregators/')) described.security = [{ aggregatorBasic: [] }, {}];
  for (const [status, answer] of Object.entries(media ?? {})) {
    responses[status] = { description: answer.description, ...(answer.content ? { content: answer.content } : {}), ...(answer.headers ? { headers: answer.headers } : {}) };
  }
  if (Object.keys(responses).length > 0) described.response = responses;

  const raw = methods.map((method) => RAW_BODIES[`${method} ${url}`]).find((body) => body !== undefined);
  if (raw) described.body = { description: raw.description, content: raw.content };

  // Forms where a route takes them (server.ts), JSON everywhere: the body's two media types.
  if (route.config?.formBody === true) described.consumes = ['application/x-www-form-urlencoded', 'application/json'];

  // Validation lets a request without the key through, so that the handler refuses it with its own
  // code (idempotency_key_missing, idempotency_key_invalid): the document says it is required.
  const key = given.headers?.properties?.['idempotency-key'];
  if (key !== undefined) {
    const anonymous = methods.includes('POST') && url === '/v1/payments';
    described.headers = {
      ...given.headers,
      required: [...new Set([...(given.headers?.required ?? []), 'idempotency-key'])],
      properties: {
        ...given.headers?.properties,
        'idempotency-key': { ...key, type: 'string', pattern: IDEMPOTENCY_KEY_PATTERN, description: `${String(key.description ?? '')}${anonymous ? IDEMPOTENCY_KEY_ANONYMOUS : ''}` },
      },
    };
  }
  return { schema: described as never, url };
};

/** Properties that always hold an ISO-8601 instant (`2026-01-15T10:00:00.000Z`), and those that hold a day. */
const INSTANT_NAME = /^(at|availableFrom|[a-z]+At|[a-z]+Until)$/;
const DATE_NAME = /^date$/;

/** Response shapes several routes answer alike, by their property names: shown once, under a name. */
const NAMED_SHAPES: Record<string, string[]> = {
  User: ['id', 'login', 'role', 'displayName', 'createdAt', 'disabled'],
  Agent: ['id', 'name', 'commissionBasisPoints', 'active', 'floatAccountId', 'commissionAccountId', 'createdAt', 'floatBalance', 'commissionBalance'],
  Store: ['id', 'name', 'active', 'cashAccountId', 'cardAccountId', 'createdAt'],
  StoreCashReport: ['storeId', 'storeName', 'date', 'cash', 'card', 'total', 'cashTakenTotal', 'cardTakenTotal', 'currency'],
  Promotion: ['id', 'code', 'offerings', 'discountKind', 'discountValue', 'startsAt', 'endsAt', 'usesMax', 'usesPerLineMax', 'createdAt'],
  WebhookEndpoint: ['id', 'url', 'topics', 'createdAt', 'secret'],
  Transfer: ['id', 'from', 'to', 'amount', 'fee', 'currency', 'balanceAfter', 'createdAt'],
  LineStatusChange: ['lineId', 'msisdn', 'from', 'to', 'reason', 'at'],
  Voucher: ['serial', 'faceValue', 'currency'],
};

interface OpenapiDocument {
  paths?: Record<string, Record<string, { requestBody?: JsonObject; parameters?: JsonObject[]; responses?: Record<string, JsonObject> }>>;
  components?: { schemas?: Record<string, unknown> };
}

/** @fastify/swagger's `transformObject`: the whole document, once built. */
export const describeDocument: SwaggerTransformObject = (documentObject) => {
  const document = (documentObject as { openapiObject: unknown }).openapiObject as OpenapiDocument;
  const schemas = (document.components ??= {}).schemas ??= {};
  for (const operations of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(operations)) {
      const body = operation.requestBody as { required?: boolean; content?: Record<string, { schema?: JsonObject }> } | undefined;
      for (const media of Object.values(body?.content ?? {})) {
        // A body that may be null may be left out (the renewal's): Fastify takes a request without one.
        const members = media.schema?.anyOf as JsonObject[] | undefined;
        if (members?.some((member) => member.type === 'null')) {
          const rest = members.filter((member) => member.type !== 'null');
          if (rest.length === 1) media.schema = { ...rest[0] };
          body!.required = false;
        }
        amountsAsIntegers(media.schema);
      }
      for (const parameter of operation.parameters ?? []) {
        const name = parameter.name as string;
        if (INSTANT_NAME.test(name) || DATE_NAME.test(name)) withFormat(parameter.schema as JsonObject, DATE_NAME.test(name) ? 'date' : 'date-time');
      }
    }
  }
  visitSchemas(document, (schema) => {
    collapseLiterals(schema);
    for (const [name, property] of Object.entries((schema.properties ?? {}) as Record<string, JsonObject>)) {
      if (INSTANT_NAME.test(name)) withFormat(property, 'date-time');
      else if (DATE_NAME.test(name)) withFormat(property, 'date');
    }
  });
  for (const [name, keys] of Object.entries(NAMED_SHAPES)) nameShape(document, schemas, name, keys);
  return document as never;
};

/** Calls `visit` on every schema object in the document (requests, parameters, answers, components), children first. */
function visitSchemas(node: unknown, visit: (schema: JsonObject) => void, depth = 0): void {
  if (node === null || typeof node !== 'object' || depth > 64) return;
  for (const child of Object.values(node)) visitSchemas(child, visit, depth + 1);
  if (!Array.isArray(node) && ('type' in node || 'anyOf' in node || 'properties' in node)) visit(node as JsonObject);
}

/** `anyOf` of one-value `enum`s (TypeBox's union of literals) of one type, as one `enum`. */
function collapseLiterals(schema: JsonObject): void {
  const members = schema.anyOf as JsonObject[] | undefined;
  if (!Array.isArray(members) || members.length === 0) return;
  const single = (member: JsonObject) => Array.isArray(member.enum) && member.enum.length === 1 && typeof member.type === 'string'
    && Object.keys(member).every((key) => key === 'type' || key === 'enum');
  if (!members.every(single) || new Set(members.map((member) => member.type)).size !== 1) return;
  schema.type = members[0]!.type;
  schema.enum = members.map((member) => (member.enum as Json[])[0]);
  delete schema.anyOf;
}

/** A string (or string-or-null) schema's format, unless it names one. */
function withFormat(schema: JsonObject | undefined, format: 'date' | 'date-time'): void {
  if (!schema) return;
  const types = [schema.type].flat();
  if (types.includes('string') && schema.format === undefined && schema.enum === undefined) schema.format = format;
  for (const member of (schema.anyOf ?? []) as JsonObject[]) if (member.type === 'string' && member.format === undefined) member.format = format;
}

/**
 * Amounts in a request are validated as numbers, so that 1.5 gets the domain's own 422
 * amount_invalid rather than a schema error; what a client must send is a positive integer.
 */
function amountsAsIntegers(schema: JsonObject | undefined): void {
  visitSchemas(schema, (node) => {
    if (node.type === 'number' && node.description === AmountMinor.description) {
      node.type = 'integer';
      node.minimum = 1;
    }
  });
}

/**
 * Shows an answer's shape once, under `name`, wherever the same shape (the one with exactly these
 * property names, and each copy equal to the first) is answered.
 */
function nameShape(document: OpenapiDocument, schemas: Record<string, unknown>, name: string, keys: string[]): void {
  const wanted = [...keys].sort().join();
  let shape: string | undefined;
  const reference = { $ref: `#/components/schemas/${name}` };
  const replace = (node: unknown, depth = 0): void => {
    if (node === null || typeof node !== 'object' || depth > 64) return;
    for (const [key, child] of Object.entries(node)) {
      if (child === null || typeof child !== 'object' || Array.isArray(child)) {
        replace(child, depth + 1);
        continue;
      }
      const properties = (child as { properties?: object }).properties;
      if (properties && Object.keys(properties).sort().join() === wanted) {
        const text = JSON.stringify(child);
        shape ??= text;
        if (text === shape) {
          (node as Record<string, unknown>)[key] = { ...reference };
          continue;
        }
      }
      replace(child, depth + 1);
    }
  };
  for (const operations of Object.values(document.paths ?? {})) {
    for (const operation of Object.values(operations)) replace(operation.responses);
  }
  for (const [componentName, component] of Object.entries(schemas)) if (componentName !== name) replace(component);
  if (shape !== undefined) schemas[name] = JSON.parse(shape);
}
