import { Type, type SchemaOptions, type TSchema } from '@sinclair/typebox';

/** Shared pieces of the API's JSON schemas (also what /openapi.json shows). */
export const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.String({ description: 'A code from the closed list in docs/errors.md' }),
    message: Type.String(),
    details: Type.Record(Type.String(), Type.Unknown()),
  }),
}, { $id: 'ErrorBody', description: 'Every error, whatever the status' });

export const MsisdnInput = Type.String({ minLength: 1, maxLength: 32, description: 'A Kazakhstan mobile number as typed: +7 701 123 45 67, 87011234567, 7011234567', examples: ['+77011234567'] });

/** A number in the schema so that zero, negative and fractional amounts get the precise code amount_invalid. */
export const AmountMinor = Type.Number({ description: 'A positive integer of minor units (tiyn): 50000 = 500 ₸', examples: [50000] });

/** A page's position: the `nextCursor` of the page before, an id (`tr_01J…`); anything else is refused. */
export const Cursor = Type.String({ pattern: '^[a-z][a-z_]{0,15}_[0-9A-HJKMNP-TV-Z]{26}$', maxLength: 64, description: 'nextCursor of the page before' });

/** A list that is not paged takes no query: `?limit=…` there is refused, not ignored. */
export const NoQuery = Type.Object({}, { additionalProperties: false });

/**
 * A page's size: optional for the client, and always there for the handler (Ajv fills in the
 * default), which reads the query as `{ limit: number }`.
 */
const PageLimit = Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 20 }));

export const PageQuery = Type.Object({
  limit: PageLimit,
  cursor: Type.Optional(Cursor),
}, { additionalProperties: false });

/**
 * The query of a list whose items have ids `<prefix>_<ULID>`: the same limit (1-100, default 20) on
 * every list, and a cursor that must be an id of that list, so that another list's id (a line's id
 * given to the transactions) is refused rather than answered with a wrong or empty page.
 */
export function pageQueryOf(prefix: string) {
  return Type.Object({
    limit: PageLimit,
    cursor: Type.Optional(Type.String({ pattern: `^${prefix}_[0-9A-HJKMNP-TV-Z]{26}$`, maxLength: 64, description: `nextCursor of the page before (${prefix}_…)` })),
  }, { additionalProperties: false });
}

/** A page of a list; a list that is not paged answers every item and `nextCursor: null` (say why in `nextCursorDescription`). */
export function PageOf<T extends TSchema>(item: T, nextCursorDescription = 'the cursor of the next page; null on the last') {
  return Type.Object({ data: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()], { description: nextCursorDescription }) });
}

export const Nullable = <T extends TSchema>(schema: T, options?: SchemaOptions) => Type.Union([schema, Type.Null()], options);

/** A count of operations and their sum: a line of a day report. */
export const CountAndAmount = Type.Object({ count: Type.Integer(), amount: Type.Integer({ description: 'minor units' }) });

/**
 * The answer of a report or receipt that is JSON, or with `?format=slip` the 80 mm printable HTML
 * slip: each under its own media type, so that /openapi.json shows both and JSON keeps its schema.
 */
export function JsonOrSlip<T extends TSchema>(schema: T) {
  return {
    description: 'JSON; with ?format=slip the 80 mm printable slip (text/html)',
    content: { 'application/json': { schema }, 'text/html': { schema: Type.String({ description: 'text/html' }) } },
  };
}

/** Staff linked to an agent or a store: a user (apiKey null), or a new API key, its secret shown once (userId null). */
export function StaffLinkOf<K extends string>(ownerIdName: K) {
  return Type.Object({
    [ownerIdName]: Type.String(), userId: Nullable(Type.String()),
    apiKey: Nullable(Type.Object({ id: Type.String(), key: Type.String({ description: 'shown once: only a hash is stored' }) })),
  } as { [name in K | 'userId' | 'apiKey']: TSchema });
}

/** A 204 answer: no body. */
export const NoContent = Type.Null({ description: 'No content' });

/**
 * Optional to the validator, so that the handler (idempotencyKeyOf) refuses a request without one
 * with its own code; /openapi.json declares it required (src/http/openapi.ts).
 */
export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({
    description: 'Required (400 idempotency_key_missing without it): 1-255 printable ASCII characters. The same key with the same body replays the first answer (Idempotent-Replayed: true); with another body it is 409 idempotency_key_reused. Keys are scoped by caller (the API key or login that sends them).',
  })),
});

/** The error responses every authenticated route may give: a bad request, credentials, a body too large (413) or not JSON (415), the writer's queue full (503). */
export const commonErrors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 413: ErrorBody, 415: ErrorBody, 422: ErrorBody, 429: ErrorBody, 503: ErrorBody };

export const bearer: { [name: string]: string[] }[] = [{ bearerAuth: [] }, { sessionCookie: [] }];

/** Routes anyone may call that read credentials when given (an admin's `?all`, a line's own prices, a caller's idempotency scope). */
export const optionalBearer: { [name: string]: string[] }[] = [...bearer, {}];
