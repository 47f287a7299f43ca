import type { AppContext } from '../app-context.ts';
import { requireRole, type Actor } from '../auth/actor.ts';
import { formatDecimal } from '../domain/money.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { ALMATY_OFFSET_MS, DAY_MS } from '../domain/time.ts';
import { findAggregator, listPaidTxns } from './aggregators-repository.ts';

export const REGISTRY_HEADER = 'txn_id,txn_date,account,sum,prv_txn,paid_at';

/**
 * The daily registry an aggregator reconciles against: every paid txn of one Almaty calendar
 * day (by the time Tolem credited it), as CSV. paid_at is Almaty time with its offset.
 */
export async function exportRegistry(ctx: AppContext, actor: Actor, code: string, date: string): Promise<Result<string>> {
  const denied = requireRole(actor, ['admin']);
  if (denied) return denied as Result<never>;
  const dayStartMs = almatyDayStartMs(date);
  if (dayStartMs === null) return fail('validation_failed', { field: 'date', format: 'YYYY-MM-DD' });
  if (!(await findAggregator(ctx, code))) return fail('aggregator_not_found', { code });
  const rows = await listPaidTxns(ctx, code, new Date(dayStartMs).toISOString(), new Date(dayStartMs + DAY_MS).toISOString());
  const lines = rows.map((row) => [row.txnId, row.txnDate ?? '', row.account, formatDecimal(row.amount), row.prvTxn, almatyTime(row.paidAt)].map(csvField).join(','));
  return ok([REGISTRY_HEADER, ...lines].join('\r\n') + '\r\n');
}

/** 2026-01-15 → the UTC instant of 00:00 that day in Almaty, or null for a non-date. */
function almatyDayStartMs(date: string): number | null {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return null;
  const utcMidnight = Date.parse(`${date}T00:00:00.000Z`);
  if (Number.isNaN(utcMidnight) || new Date(utcMidnight).toISOString().slice(0, 10) !== date) return null;
  return utcMidnight - ALMATY_OFFSET_MS;
}

function almatyTime(iso: string): string {
  return new Date(Date.parse(iso) + ALMATY_OFFSET_MS).toISOString().slice(0, 19) + '+05:00';
}

/**
 * RFC 4180 quoting. The file is for machines reconciling txn by txn, so values are not altered
 * against spreadsheet formulas: every field of a paid row was validated to digits, letters and
 * phone-number punctuation on the way in.
 */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}
