import { toJsonAmount } from '../domain/money.ts';
import { isBarred } from '../lifecycle/lifecycle-rules.ts';
import { numberOf, type Balances, type LineRow } from './lines-repository.ts';

/** How a line looks in the API (camelCase, amounts in minor units). */
export interface LineView {
  id: string;
  msisdn: string;
  iccid: string | null;
  status: string;
  /** Suspended by an admin (a lost or stolen SIM, fraud): a top-up does not bring it back, customer service does. */
  barred: boolean;
  validUntil: string | null;
  language: string;
  operator: string | null;
  currency: 'KZT';
  balance: { main: number; bonus: number };
  createdAt: string;
}

export const LINE_STATUSES = ['preactive', 'active', 'grace', 'suspended', 'terminated'] as const;
export const LANGUAGES = ['en', 'ru', 'kk', 'zh'] as const;
export type Language = (typeof LANGUAGES)[number];

export function toLineView(row: LineRow, balances: Balances): LineView {
  return {
    id: row.id, msisdn: numberOf(row), iccid: row.iccid, status: row.status,
    barred: row.status === 'suspended' && isBarred({ barredAt: row.barred_at, statusChangedAt: row.status_changed_at }), validUntil: row.valid_until, language: row.language,
    operator: row.operator, currency: 'KZT', balance: { main: toJsonAmount(balances.main), bonus: toJsonAmount(balances.bonus) },
    createdAt: row.created_at,
  };
}
