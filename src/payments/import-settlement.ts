import type { AppContext } from '../app-context.ts';
import { requireRole, type Actor } from '../auth/actor.ts';
import { fail, ok, type Result } from '../domain/result.ts';
import { paymentsOfProvider, type PaymentRow } from './payments-repository.ts';
import { paymentProviders } from './provider-registry.ts';

export const SETTLEMENT_ROWS_MAX = 100_000;

export type MismatchKind = 'missing_in_tolem' | 'missing_at_provider' | 'amount_differs' | 'status_differs';

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
 * difference: paid there but not here, here but not there, or a different amount. It changes
 * nothing; people decide. CSV with a header naming at least reference, amount (minor units) and
 * currency; `from`/`to` (ISO times) bound the Tolem side to the file's period.
 */
export async function importSettlement(ctx: AppContext, actor: Actor, providerId: string, csv: string, period: { from?: string; to?: string }): Promise<Result<SettlementReport>> {
  const denied = requireRole(actor, ['admin']);
  if (denied) return denied as Result<never>;
  if (!paymentProviders(ctx).get(providerId)) return fail('payment_provider_unknown');
  const parsed = parseSettlementCsv(csv);
  if (!parsed.ok) return parsed;
  const all = await paymentsOfProvider(ctx, providerId, ['created', 'requires_action', 'processing', 'succeeded', 'failed', 'canceled', 'expired', 'unknown']);
  const byReference = new Map(all.filter((p) => p.provider_reference).map((p) => [p.provider_reference!, p]));
  const mismatches: SettlementMismatch[] = [];
  const seen = new Set<string>();
  let matched = 0;
  for (const line of parsed.value) {
    seen.add(line.reference);
    const payment = byReference.get(line.reference);
    const base = { reference: line.reference, providerAmount: Number(line.amount), currency: line.currency };
    if (!payment) mismatches.push({ ...base, kind: 'missing_in_tolem', paymentId: null, tolemAmount: null, tolemStatus: null });
    else if (BigInt(payment.amount) !== line.amount || payment.currency !== line.currency) mismatches.push({ ...base, kind: 'amount_differs', ...tolemSide(payment) });
    else if (payment.status !== 'succeeded') mismatches.push({ ...base, kind: 'status_differs', ...tolemSide(payment) });
    else matched++;
  }
  for (const payment of all) {
    if (payment.status !== 'succeeded' || seen.has(payment.provider_reference ?? '')) continue;
    if ((period.from && payment.created_at < period.from) || (period.to && payment.created_at >= period.to)) continue;
    mismatches.push({ kind: 'missing_at_provider', reference: payment.provider_reference, providerAmount: null, currency: payment.currency, ...tolemSide(payment) });
  }
  return ok({ provider: providerId, rows: parsed.value.length, matched, mismatches });
}

function tolemSide(payment: PaymentRow) {
  return { paymentId: payment.id, tolemAmount: Number(payment.amount), tolemStatus: payment.status };
}

export function parseSettlementCsv(csv: string): Result<SettlementLine[]> {
  const lines = csv.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  if (lines.length === 0) return fail('settlement_file_invalid', { reason: 'empty' });
  if (lines.length - 1 > SETTLEMENT_ROWS_MAX) return fail('settlement_file_invalid', { reason: 'too_many_rows', maximum: SETTLEMENT_ROWS_MAX });
  const header = splitCsvLine(lines[0]!).map((h) => h.toLowerCase());
  const column = (name: string) => header.indexOf(name);
  const [reference, amount, currency] = [column('reference'), column('amount'), column('currency')];
  if (reference < 0 || amount < 0 || currency < 0) return fail('settlement_file_invalid', { reason: 'header', required: ['reference', 'amount', 'currency'] });
  const rows: SettlementLine[] = [];
  for (let index = 1; index < lines.length; index++) {
    const cells = splitCsvLine(lines[index]!);
    const value = cells[amount] ?? '';
    if (!/^\d{1,15}$/.test(value) || !cells[reference] || !/^[A-Z]{3}$/.test(cells[currency] ?? '')) {
      return fail('settlement_file_invalid', { reason: 'row', line: index + 1 });
    }
    rows.push({ reference: cells[reference]!, amount: BigInt(value), currency: cells[currency]! });
  }
  return ok(rows);
}

/** One CSV line: commas separate, double quotes enclose, "" is a quote. */
function splitCsvLine(line: string): string[] {
  const cells: string[] = [];
  let current = '';
  let quoted = false;
  for (let index = 0; index < line.length; index++) {
    const char = line[index]!;
    if (quoted) {
      if (char === '"' && line[index + 1] === '"') { current += '"'; index++; }
      else if (char === '"') quoted = false;
      else current += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') { cells.push(current.trim()); current = ''; }
    else current += char;
  }
  cells.push(current.trim());
  return cells;
}
