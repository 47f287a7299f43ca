import { Type, type TSchema } from '@sinclair/typebox';

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

export const PageQuery = Type.Object({
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  cursor: Type.Optional(Cursor),
}, { additionalProperties: false });

export function PageOf<T extends TSchema>(item: T) {
  return Type.Object({ data: Type.Array(item), nextCursor: Type.Union([Type.String(), Type.Null()]) });
}

export const IdempotencyHeaders = Type.Object({
  'idempotency-key': Type.Optional(Type.String({ description: 'Required: 1-255 printable characters; the same key replays the first answer' })),
});

/** The error responses every authenticated route may give: a bad request, credentials, a body too large (413) or not JSON (415), the writer's queue full (503). */
export const commonErrors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 413: ErrorBody, 415: ErrorBody, 422: ErrorBody, 429: ErrorBody, 503: ErrorBody };

export const bearer: { [name: string]: string[] }[] = [{ bearerAuth: [] }, { sessionCookie: [] }];
