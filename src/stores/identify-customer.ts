import type { AppContext } from '../app-context.ts';
import type { Actor } from '../auth/actor.ts';
import { insertAudit } from '../auth/auth-repository.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { DOCUMENT_TYPES, hashDocumentNumber, normalizeDocumentNumber, type DocumentType } from './store-accounts.ts';
import { storeOfActor } from './store-of-actor.ts';
import { insertIdentification } from './stores-repository.ts';

export interface Identification {
  id: string;
  storeId: string;
  clerkId: string;
  documentType: DocumentType;
  numberLast4: string;
  createdAt: string;
  validUntil: string;
}

/**
 * The clerk identifies the customer by an ID document. Only a keyed hash (HMAC-SHA256 with the
 * deployment's secret) and the last four characters are stored, with the clerk, and audited.
 */
export async function identifyCustomer(ctx: AppContext, actor: Actor, input: { documentType: string; documentNumber: string }): Promise<Result<Identification>> {
  const store = await storeOfActor(ctx, actor);
  if (!store.ok) return store;
  if (!(DOCUMENT_TYPES as readonly string[]).includes(input.documentType)) return fail('validation_failed', { field: 'documentType', allowed: DOCUMENT_TYPES });
  const type = input.documentType as DocumentType;
  const number = normalizeDocumentNumber(input.documentNumber);
  if (number === null) return fail('document_number_invalid');
  const now = ctx.clock.now();
  const row = {
    id: ctx.ids.next('idn'), store_id: store.value.id, clerk_id: actor.id, document_type: type,
    number_hash: hashDocumentNumber(ctx.settings.secretKey, type, number), number_last4: number.slice(-4), created_at: now.toISOString(),
  };
  await insertIdentification(ctx, row);
  await insertAudit(ctx, actor, 'customer.identify', row.id, { storeId: store.value.id, documentType: type, numberLast4: row.number_last4 });
  const validUntil = new Date(now.getTime() + ctx.settings.stores.identificationValidMinutes * 60_000).toISOString();
  return ok({ id: row.id, storeId: row.store_id, clerkId: actor.id, documentType: type, numberLast4: row.number_last4, createdAt: row.created_at, validUntil });
}
