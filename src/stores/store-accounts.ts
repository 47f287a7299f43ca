import { createHmac } from 'node:crypto';
import type { AccountSpec } from '../ledger/accounts.ts';

/** A store's till (cash taken at the counter) and its card terminal's clearing account. */
export const storeCashAccountId = (storeId: string) => `cash:${storeId}`;
export const storeCardAccountId = (storeId: string) => `clearing:store-card:${storeId}`;
export const TENDERS = ['cash', 'card'] as const;
export type Tender = (typeof TENDERS)[number];

export function storeAccountSpecs(storeId: string): AccountSpec[] {
  return [
    { id: storeCashAccountId(storeId), unit: 'KZT', kind: 'cash', ownerId: storeId },
    { id: storeCardAccountId(storeId), unit: 'KZT', kind: 'clearing', ownerId: storeId },
  ];
}

/** The store id of a clerk API key's funding account (cash:<storeId>), or null. */
export function storeIdOfCashAccount(accountId: string | null): string | null {
  const match = /^cash:(.+)$/.exec(accountId ?? '');
  return match ? match[1]! : null;
}

export const DOCUMENT_TYPES = ['passport', 'id_card', 'residence_permit'] as const;
export type DocumentType = (typeof DOCUMENT_TYPES)[number];

/** "n 1234-5678" → "N12345678"; null unless 5-20 letters and digits remain. */
export function normalizeDocumentNumber(input: string): string | null {
  if (input.length > 40) return null;
  const compact = input.replace(/[\s-]/g, '').toUpperCase();
  return /^[A-Z0-9]{5,20}$/.test(compact) ? compact : null;
}

/** Keyed hash of a document: the same document gives the same hash (audit search), the number stays unknown. */
export function hashDocumentNumber(secretKey: string, type: DocumentType, number: string): string {
  return createHmac('sha256', secretKey).update(`id-document:${type}:${number}`).digest('base64url');
}
