import type { AppContext } from '../app-context.ts';
import { requireRole, type Actor } from '../auth/actor.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { unstorableText } from '../domain/text.ts';
import { parseAlmatyDayOrInstant } from '../domain/time.ts';
import { paymentsByReferences, succeededPaymentsPage, type PaymentRow } from './payments-repository.ts';
import { paymentProviders } from './provider-registry.ts';

export const SETTLEMENT_ROWS_MAX = 100_000;

export interface SettlementReadLimits {
  /** The file's references looked up per query (one in-list, well within both databases' parameter limits). */
  referencesPerQueryMax: number;
  /** Tolem's succeeded payments of the period read per page. */
  paymentsPerPageMax: number;
}

export const SETTLEMENT_READ_LIMITS: SettlementReadLimits = { referencesPerQueryMax: 500, paymentsPerPageMax: 1_000 };

export type MismatchKind = 'missing_in_tolem' | 'missing_at_provider' | 'amount_differs' | 'status_differs' | 'duplicate_in_settlement';

export interface SettlementMismatch {
  kind: MismatchKind;
  reference: string | null;
  paymentId: string | null;
  tolemAmount: number | null;
  providerAmount: number | null;
  currency: string | null;
  tolemStatus: string | null;
}

export interface SettlementReport {
  provider: string;
  rows: number;
  matched: number;
  mismatches: SettlementMismatch[];
}

interface SettlementLine { reference: string; amount: bigint; currency: string }

/**
 * Compares a provider's settlement file with Tolem's succeeded payments and lists every
 * difference: paid there but not here, here but not there, a different amount, or a reference
 * the file lists more than once (each repeat a `duplicate_in_settlement`, matched once). It changes
 * nothing; people decide. CSV with a header naming at least reference, amount (minor units) and
 * currency; `from`/`to` (ISO times, or Almaty days) bound the Tolem side to the file's period. Tolem's side is
 * read in bounded pieces: the file's references by chunks, the period's succeeded payments by pages.
 */
export async function importSettlement(ctx: AppContext, actor: Actor, providerId: string, csv: string, period: { from?: string; to?: string }, limits = SETTLEMENT_READ_LIMITS): Promise<Result<SettlementReport>> {
  const denied = requireRole(actor, ['admin']);
  if (denied) return denied as Result<never>;
  if (!paymentProviders(ctx).get(providerId)) return fail('payment_provider_unknown');
  const bounds = periodOf(period);
  if (!bounds.ok) return bounds;
  const parsed = parseSettlementCsv(csv);
  if (!parsed.ok) return parsed;
  const byReference = await paymentsOfReferences(ctx, providerId, [...new Set(parsed.value.map((line) => line.reference))], limits.referencesPerQueryMax);
  const mismatches: SettlementMismatch[] = [];
  const seen = new Set<string>();
  let matched = 0;
  for (const line of parsed.value) {
    const payment = byReference.get(line.reference);
    const base = { reference: line.reference, providerAmount: Number(line.amount), currency: line.currency };
    // A reference listed again (the provider settled it twice?) is a difference of its own; its first row is compared as any.
    if (seen.has(line.reference)) {
      mismatches.push({ ...base, kind: 'duplicate_in_settlement', ...(payment ? tolemSide(payment, line.currency) : { paymentId: null, tolemAmount: null, tolemStatus: null }) });
      continue;
    }
    seen.add(line.reference);
    if (!payment) mismatches.push({ ...base, kind: 'missing_in_tolem', paymentId: null, tolemAmount: null, tolemStatus: null });
    else if (!sameAmount(payment, line)) mismatches.push({ ...base, kind: 'amount_differs', ...tolemSide(payment, line.currency) });
    else if (payment.status !== 'succeeded') mismatches.push({ ...base, kind: 'status_differs', ...tolemSide(payment, line.currency) });
    else matched++;
  }
  const missing: SettlementMismatch[] = [];
  let after: { createdAt: string; id: string } | null = null;
  for (;;) {
    const page = await succeededPaymentsPage(ctx, providerId, { ...bounds.value, after, limit: limits.paymentsPerPageMax });
    for (const payment of page) {
      if (seen.has(payment.provider_reference ?? '')) continue;
      missing.push({ kind: 'missing_at_provider', reference: payment.provider_reference, providerAmount: null, currency: payment.currency, ...tolemSide(payment) });
    }
    if (page.length < limits.paymentsPerPageMax) break;
    const last = page[page.length - 1]!;
    after = { createdAt: last.created_at, id: last.id };
  }
  // Listed by payment id, as they always were (pages come in creation time order).
  missing.sort((a, b) => (a.paymentId! < b.paymentId! ? -1 : a.paymentId! > b.paymentId! ? 1 : 0));
  return ok({ provider: providerId, rows: parsed.value.length, matched, mismatches: [...mismatches, ...missing] });
}

/** The provider's payments with these references, whatever their status, looked up `chunkMax` at a time. */
async function paymentsOfReferences(ctx: AppContext, providerId: string, references: string[], chunkMax: number): Promise<Map<string, PaymentRow>> {
  const byReference = new Map<string, PaymentRow>();
  for (let start = 0; start < references.length; start += chunkMax) {
    for (const payment of await paymentsByReferences(ctx, providerId, references.slice(start, start + chunkMax))) byReference.set(payment.provider_reference!, payment);
  }
  return byReference;
}

/**
 * Whether a settlement row is the payment's amount: in the payment's currency, or in the one the
 * provider charged it in (yuan at Alipay and WeChat Pay, PayPal's settlement currency), against what
 * the provider was asked for then, not the tenge converted at today's rate.
 */
function sameAmount(payment: PaymentRow, line: SettlementLine): boolean {
  if (line.currency === payment.currency) return BigInt(payment.amount) === line.amount;
  return payment.provider_currency === line.currency && payment.provider_amount !== null && BigInt(payment.provider_amount) === line.amount;
}

function tolemSide(payment: PaymentRow, currency?: string) {
  // Beside a row in the currency the provider charged (yuan), what Tolem asked it for in that currency, not the tenge.
  const charged = currency !== undefined && currency !== payment.currency && currency === payment.provider_currency && payment.provider_amount !== null;
  return { paymentId: payment.id, tolemAmount: Number(charged ? payment.provider_amount : payment.amount), tolemStatus: payment.status };
}

export function parseSettlementCsv(csv: string): Result<SettlementLine[]> {
  const records = csvRecords(csv).filter((record) => record.cells.some((cell) => cell !== ''));
  if (records.length === 0) return fail('settlement_file_invalid', { reason: 'empty' });
  if (records.length - 1 > SETTLEMENT_ROWS_MAX) return fail('settlement_file_invalid', { reason: 'too_many_rows', maximum: SETTLEMENT_ROWS_MAX });
  const header = records[0]!.cells.map((h) => h.toLowerCase());
  const column = (name: string) => header.indexOf(name);
  const [reference, amount, currency] = [column('reference'), column('amount'), column('currency')];
  if (reference < 0 || amount < 0 || currency < 0) return fail('settlement_file_invalid', { reason: 'header', required: ['reference', 'amount', 'currency'] });
  const rows: SettlementLine[] = [];
  for (const { cells, line, unterminated } of records.slice(1)) {
    const value = cells[amount] ?? '';
    // A reference no database stores alike (a NUL, which PostgreSQL refuses): looked up, it stopped `tolem payments reconcile` with a stack trace.
    if (unterminated || !/^\d{1,15}$/.test(value) || !cells[reference] || unstorableText(cells[reference]!) !== null || !/^[A-Z]{3}$/.test(cells[currency] ?? '')) {
      return fail('settlement_file_invalid', { reason: 'row', line });
    }
    rows.push({ reference: cells[reference]!, amount: BigInt(value), currency: cells[currency]! });
  }
  return ok(rows);
}

/**
 * The file's records (RFC 4180): commas separate, double quotes enclose (a line break inside
 * quotes belongs to the cell, as a description column exported by a spreadsheet may have), "" is a
 * quote; cells trimmed. `line`: the physical line the record starts on (a UTF-8 BOM, as Excel
 * writes, is dropped). `unterminated`: the file ended inside quotes.
 */
function csvRecords(text: string): { cells: string[]; line: number; unterminated: boolean }[] {
  const records: { cells: string[]; line: number; unterminated: boolean }[] = [];
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  let cells: string[] = [];
  let current = '';
  let quoted = false;
  let line = 1;
  let startLine = 1;
  const endRecord = () => {
    cells.push(current.trim());
    records.push({ cells, line: startLine, unterminated: false });
    cells = [];
    current = '';
  };
  for (let index = 0; index < body.length; index++) {
    const char = body[index]!;
    if (char === '\n') line++;
    if (quoted) {
      if (char === '"' && body[index + 1] === '"') { current += '"'; index++; }
      else if (char === '"') quoted = false;
      else current += char;
    } else if (char === '"' && current.trim() === '') { current = ''; quoted = true; } // a quote opens only a cell's start; inside one it is a character (an inch mark)
    else if (char === ',') { cells.push(current.trim()); current = ''; }
    else if (char === '\n' || (char === '\r' && body[index + 1] === '\n')) {
      if (char === '\r') { index++; line++; }
      endRecord();
      startLine = line;
    } else current += char;
  }
  if (quoted) {
    cells.push(current.trim());
    records.push({ cells, line: startLine, unterminated: true });
  } else if (current !== '' || cells.length > 0) endRecord();
  return records;
}

/**
 * The file's period as ISO-8601 UTC times: each bound, when given, a real time, and `from` before `to`.
 * A date alone is the Almaty day's start, as providers' daily files and the other reports count days:
 * read as UTC midnight, a month's file was compared with payments from 05:00 on its first day to 05:00
 * on the next month's, each payer of the month's last five hours a false `missing_at_provider`.
 */
function periodOf(period: { from?: string; to?: string }): Result<{ from?: string; to?: string }> {
  const bounds: { from?: string; to?: string } = {};
  for (const field of ['from', 'to'] as const) {
    if (period[field] === undefined) continue;
    const ms = parseAlmatyDayOrInstant(period[field]!);
    if (ms === null) return fail('validation_failed', { field, format: 'YYYY-MM-DD (Almaty) or ISO-8601 time' });
    bounds[field] = new Date(ms).toISOString();
  }
  if (bounds.from && bounds.to && bounds.from >= bounds.to) return fail('validation_failed', { field: 'to', reason: 'after from' });
  return ok(bounds);
}
