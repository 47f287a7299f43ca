import { AccountFlags } from '../domain/ledger.ts';
import type { AccountSpec } from '../ledger/accounts.ts';

/** An agent's prepaid float: it can never go below zero (the ledger flag refuses the transfer). */
export const agentFloatAccountId = (agentId: string) => `agent:${agentId}.float`;
export const agentCommissionAccountId = (agentId: string) => `agent:${agentId}.commission`;
/** Where an agent's cash deposits arrive from (the bank statement is reconciled against it). */
export const AGENT_DEPOSITS_CLEARING_ID = 'clearing:agent-deposits';
/** The operator's cost of agent commissions. */
export const AGENT_COMMISSIONS_EXPENSE_ID = 'expense:agent-commissions';

/** The agent id a float account belongs to, or null (API keys name their float as source account). */
export function agentIdOfFloat(accountId: string | null): string | null {
  const match = /^agent:(.+)\.float$/.exec(accountId ?? '');
  return match ? match[1]! : null;
}

export const AGENT_SYSTEM_ACCOUNTS: AccountSpec[] = [
  { id: AGENT_DEPOSITS_CLEARING_ID, unit: 'KZT', kind: 'clearing' },
  { id: AGENT_COMMISSIONS_EXPENSE_ID, unit: 'KZT', kind: 'expense' },
];

export function agentAccountSpecs(agentId: string): AccountSpec[] {
  return [
    { id: agentFloatAccountId(agentId), unit: 'KZT', kind: 'agent_float', ownerId: agentId, flags: AccountFlags.debitsMustNotExceedCredits },
    { id: agentCommissionAccountId(agentId), unit: 'KZT', kind: 'agent_commission', ownerId: agentId },
  ];
}

/** Commission in minor units: amount × basis points / 10,000, rounded down (the operator never overpays). */
export function commissionOf(amount: bigint, basisPoints: bigint): bigint {
  return (amount * basisPoints) / 10_000n;
}

const GRAPHEMES = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
/** Words shown at the most: a longer name is cut, so the mask's length tells nothing more. */
const OWNER_NAME_WORDS_MAX = 4;

/**
 * "Aigerim Serikova" → "A*** S***", "王明" → "王***": the first character of each word, as people
 * see characters (a grapheme: never half a surrogate pair, nor a letter without its accent).
 * Enough for a cashier to confirm, too little to learn a name: two characters were the whole of "Ян".
 */
export function maskOwnerName(name: string | null): string | null {
  if (!name || name.trim() === '') return null;
  const words = name.trim().split(/\s+/).slice(0, OWNER_NAME_WORDS_MAX);
  return words.map((word) => `${[...GRAPHEMES.segment(word)][0]!.segment}***`).join(' ');
}
