import type { AppContext } from '../app-context.ts';
import type { Actor } from '../auth/actor.ts';
import { displayLanguageOf } from '../domain/local-time.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { ALMATY_OFFSET_MS, DAY_MS, almatyDate } from '../domain/time.ts';
import { agentCommissionAccountId, agentFloatAccountId } from './agent-accounts.ts';
import { agentOfActor } from './agent-of-actor.ts';
import { accountBalances, agentDay } from './agents-repository.ts';
import { renderReportSlip } from './pos-slip.ts';

export interface AgentDayReport {
  agentId: string;
  agentName: string;
  date: string;
  scope: 'agent' | 'cashier';
  topups: { count: number; amount: number; commission: number };
  reversals: { count: number; amount: number; commission: number };
  net: { amount: number; commission: number };
  deposits: { count: number; amount: number };
  floatBalance: number;
  commissionBalance: number;
  currency: 'KZT';
}

/** The UTC instants bounding an Almaty calendar day, as ISO text comparable with created_at. */
export function almatyDayBounds(date: string): { fromIso: string; toIso: string } {
  const start = Date.parse(`${date}T00:00:00.000Z`) - ALMATY_OFFSET_MS;
  return { fromIso: new Date(start).toISOString(), toIso: new Date(start + DAY_MS).toISOString() };
}

export function isCalendarDate(date: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(date) && !Number.isNaN(Date.parse(`${date}T00:00:00Z`)) && new Date(`${date}T00:00:00Z`).toISOString().startsWith(date);
}

/**
 * The day (Almaty) of an agent: top-ups, reversals (counted on the day they happened), net,
 * deposits and current balances. `scope: 'cashier'` narrows top-ups and reversals to the caller (a
 * shift); deposits and balances stay the whole agent's, and the shift's slip says so.
 */
export async function agentDayReport(ctx: AppContext, actor: Actor, input: { date?: string; scope?: 'agent' | 'cashier'; language?: string }): Promise<Result<{ report: AgentDayReport; slipHtml: string }>> {
  const agent = await agentOfActor(ctx, actor);
  if (!agent.ok) return agent;
  const date = input.date ?? almatyDate(ctx.clock.now());
  if (!isCalendarDate(date)) return fail('validation_failed', { field: 'date', format: 'YYYY-MM-DD' });
  const scope = input.scope ?? 'agent';
  const { fromIso, toIso } = almatyDayBounds(date);
  const day = await agentDay(ctx, agent.value.id, fromIso, toIso, scope === 'cashier' ? actor.id : null);
  const sum = (rows: { amount: bigint }[]) => rows.reduce((s, r) => s + BigInt(r.amount), 0n);
  const sumCommission = (rows: { commission: bigint }[]) => rows.reduce((s, r) => s + BigInt(r.commission), 0n);
  const floatId = agentFloatAccountId(agent.value.id);
  const commissionId = agentCommissionAccountId(agent.value.id);
  const balances = await accountBalances(ctx, [floatId, commissionId]);
  const topups = { count: day.topups.length, amount: sum(day.topups), commission: sumCommission(day.topups) };
  const reversals = { count: day.reversals.length, amount: sum(day.reversals), commission: sumCommission(day.reversals) };
  const report: AgentDayReport = {
    agentId: agent.value.id, agentName: agent.value.name, date, scope,
    topups: { count: topups.count, amount: Number(topups.amount), commission: Number(topups.commission) },
    reversals: { count: reversals.count, amount: Number(reversals.amount), commission: Number(reversals.commission) },
    net: { amount: Number(topups.amount - reversals.amount), commission: Number(topups.commission - reversals.commission) },
    deposits: { count: day.deposits.length, amount: Number(sum(day.deposits)) },
    floatBalance: Number(balances.get(floatId) ?? 0n), commissionBalance: Number(balances.get(commissionId) ?? 0n), currency: 'KZT',
  };
  const slipHtml = renderReportSlip({
    title: agent.value.name, heading: scope === 'cashier' ? 'shiftReport' : 'dayReport', date,
    rows: [
      ['topups', { count: topups.count }], ['topupSum', { amount: topups.amount }], ['commission', { amount: topups.commission }],
      ['reversals', { count: reversals.count }], ['reversedSum', { amount: reversals.amount }],
      ['netSum', { amount: topups.amount - reversals.amount }], ['netCommission', { amount: topups.commission - reversals.commission }],
      ['agentDeposits', { amount: sum(day.deposits) }], ['agentFloat', { amount: BigInt(report.floatBalance) }],
    ],
    note: scope === 'cashier' ? 'cashierNote' : undefined,
  }, displayLanguageOf(input.language));
  return ok({ report, slipHtml });
}
