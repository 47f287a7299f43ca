import { AccountFlags, type Unit } from '../domain/ledger.ts';

/**
 * Account ids are chosen, not generated, wherever an owner has one account of a kind: a line's
 * accounts share the line's id as prefix, so they shard with the line.
 */
export const lineMainAccountId = (lineId: string) => `${lineId}.main`;
export const lineBonusAccountId = (lineId: string) => `${lineId}.bonus`;
export const clearingAccountId = (channel: string) => `clearing:${channel}`;
export const revenueAccountId = (kind: string) => `revenue:${kind}`;
export const issuanceAccountId = (unit: Unit) => `issuance:${unit}`;
export const consumptionAccountId = (unit: Unit) => `consumption:${unit}`;
/** Units given up unused: expired in their bucket, or forfeited when the line was terminated. */
export const unitBreakageAccountId = (unit: Unit) => `breakage:${unit}`;
export const BREAKAGE_ACCOUNT_ID = 'breakage';
export const PROMOTIONS_EXPENSE_ACCOUNT_ID = 'expense:promotions';

/** Account kinds that may fund a top-up: money that reached the operator through a channel. */
export const FUNDING_KINDS = ['clearing', 'cash', 'agent_float'];

/**
 * Clearing accounts a channel owns: its own use cases move money through them, and its registry,
 * settlement file or report is reconciled against them (aggregators, vouchers, the USSD gateway,
 * the payment providers, a store's card terminal, whose balance is the store report's card total,
 * and the agents' deposits, reconciled with the bank). Stores' tills and agents' floats are other kinds.
 */
const CHANNEL_CLEARING = /^clearing:(agg:.+|store-card:.+|agent-deposits|vouchers|ussd|sandbox|stripe|paypal|alipay|wechatpay)$/;

/**
 * Whether an admin's top-up (`source`) or a partner key may draw on this account: the operator's
 * own clearing accounts (`clearing:api`, `clearing:manual`, a bank's, a partner's), never a
 * channel's, whose reconciliation a top-up it did not make would break, nor a till or a float.
 */
export function isOperatorSource(accountId: string): boolean {
  return accountId.startsWith('clearing:') && !CHANNEL_CLEARING.test(accountId);
}

export interface AccountSpec {
  id: string;
  unit: Unit;
  kind: string;
  ownerId?: string | null;
  flags?: bigint;
  expiresAt?: string | null;
}

/** The operator's own accounts that exist from the first migration on. */
export const SYSTEM_ACCOUNTS: AccountSpec[] = [
  { id: clearingAccountId('api'), unit: 'KZT', kind: 'clearing' },
  { id: clearingAccountId('manual'), unit: 'KZT', kind: 'clearing' },
  { id: revenueAccountId('packages'), unit: 'KZT', kind: 'revenue' },
  { id: revenueAccountId('fees'), unit: 'KZT', kind: 'revenue' },
  { id: PROMOTIONS_EXPENSE_ACCOUNT_ID, unit: 'KZT', kind: 'expense' },
  { id: BREAKAGE_ACCOUNT_ID, unit: 'KZT', kind: 'breakage' },
  ...(['DATA_BYTES', 'VOICE_SECONDS', 'SMS'] as const).flatMap((unit): AccountSpec[] => [
    { id: issuanceAccountId(unit), unit, kind: 'issuance' },
    { id: consumptionAccountId(unit), unit, kind: 'consumption' },
  ]),
];

export function lineAccountSpecs(lineId: string): AccountSpec[] {
  return [
    { id: lineMainAccountId(lineId), unit: 'KZT', kind: 'line_main', ownerId: lineId, flags: AccountFlags.debitsMustNotExceedCredits },
    { id: lineBonusAccountId(lineId), unit: 'KZT', kind: 'line_bonus', ownerId: lineId, flags: AccountFlags.debitsMustNotExceedCredits },
  ];
}
