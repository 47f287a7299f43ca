import type { AppContext } from '../app-context.ts';
import type { Actor } from '../auth/actor.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { findLineById } from '../lines/lines-repository.ts';
import { agentOfActor } from './agent-of-actor.ts';
import { findAgentTopUpByReceipt, findReversal } from './agents-repository.ts';
import { renderReceiptSlip, SLIP_LANGUAGES, type SlipLanguage } from './pos-slip.ts';

export interface PosReceipt {
  number: string;
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

/** Reprints a receipt of this agent (JSON, or the 80 mm slip in the line's language or `language`). */
export async function getPosReceipt(ctx: AppContext, actor: Actor, number: string, language?: string): Promise<Result<{ receipt: PosReceipt; slipHtml: string }>> {
  const agent = await agentOfActor(ctx, actor);
  if (!agent.ok) return agent;
  const topUp = await findAgentTopUpByReceipt(ctx, number);
  // Another agent's receipt is "not found": receipts are not a way to learn other shops' sales.
  if (!topUp || topUp.agent_id !== agent.value.id) return fail('pos_receipt_not_found');
  const reversed = (await findReversal(ctx, topUp.topup_id)) !== undefined;
  const receipt: PosReceipt = {
    number: topUp.receipt_number, topupId: topUp.topup_id, msisdn: topUp.msisdn, amount: Number(topUp.amount), currency: 'KZT',
    commission: Number(topUp.commission), agentId: agent.value.id, agentName: agent.value.name, cashierId: topUp.actor_id, reversed, createdAt: topUp.created_at,
  };
  const lineLanguage = (await findLineById(ctx, topUp.line_id))?.language;
  const chosen = [language, lineLanguage].find((l): l is SlipLanguage => SLIP_LANGUAGES.includes(l as SlipLanguage)) ?? 'en';
  return ok({ receipt, slipHtml: renderReceiptSlip({ ...receipt }, chosen) });
}
