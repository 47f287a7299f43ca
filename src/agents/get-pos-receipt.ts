import type { AppContext } from '../app-context.ts';
import type { Actor } from '../auth/actor.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { findLineById } from '../lines/lines-repository.ts';
import { agentOfActor } from './agent-of-actor.ts';
import { findReceipt } from '../receipts/receipts-repository.ts';
import { findAgentTopUp, findAgentTopUpByReceipt, findReversal } from './agents-repository.ts';
import { renderReceiptSlip, SLIP_LANGUAGES, type SlipLanguage } from './pos-slip.ts';

export interface PosReceipt {
  number: string;
  /** `topup`, or `topup_reversal`: the receipt a reversal got, whose `reversalOf` is the top-up's receipt. */
  kind: 'topup' | 'topup_reversal';
  reversalOf: string | null;
  topupId: string;
  msisdn: string;
  amount: number;
  currency: 'KZT';
  commission: number;
  agentId: string;
  agentName: string;
  cashierId: string;
  reversed: boolean;
  createdAt: string;
}

/**
 * Reprints a receipt of this agent (JSON, or the 80 mm slip in the line's language or `language`):
 * a top-up's, or the receipt its reversal got (the number the reversal answered with).
 */
export async function getPosReceipt(ctx: AppContext, actor: Actor, number: string, language?: string): Promise<Result<{ receipt: PosReceipt; slipHtml: string }>> {
  const agent = await agentOfActor(ctx, actor);
  if (!agent.ok) return agent;
  let topUp = await findAgentTopUpByReceipt(ctx, number);
  let reversalReceipt: string | null = null;
  if (!topUp) {
    const issued = await findReceipt(ctx, number);
    if (issued?.kind === 'topup_reversal') {
      topUp = await findAgentTopUp(ctx, issued.referenceId);
      reversalReceipt = issued.number;
    }
  }
  // Another agent's receipt is "not found": receipts are not a way to learn other shops' sales.
  if (!topUp || topUp.agent_id !== agent.value.id) return fail('pos_receipt_not_found');
  const reversal = await findReversal(ctx, topUp.topup_id);
  const base = { topupId: topUp.topup_id, msisdn: topUp.msisdn, currency: 'KZT' as const, agentId: agent.value.id, agentName: agent.value.name };
  const receipt: PosReceipt = reversalReceipt !== null && reversal
    ? {
      ...base, number: reversalReceipt, kind: 'topup_reversal', reversalOf: topUp.receipt_number, amount: Number(reversal.amount),
      commission: Number(reversal.commission), cashierId: reversal.actor_id, reversed: true, createdAt: reversal.created_at,
    }
    : {
      ...base, number: topUp.receipt_number, kind: 'topup', reversalOf: null, amount: Number(topUp.amount),
      commission: Number(topUp.commission), cashierId: topUp.actor_id, reversed: reversal !== undefined, createdAt: topUp.created_at,
    };
  const lineLanguage = (await findLineById(ctx, topUp.line_id))?.language;
  const chosen = [language, lineLanguage].find((l): l is SlipLanguage => SLIP_LANGUAGES.includes(l as SlipLanguage)) ?? 'en';
  return ok({ receipt, slipHtml: renderReceiptSlip({ ...receipt }, chosen) });
}
