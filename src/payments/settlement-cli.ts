import { readFileSync } from 'node:fs';
import type { AppContext } from '../app-context.ts';
import { SYSTEM_ACTOR } from '../auth/actor.ts';
import { importSettlement } from './import-settlement.ts';

/**
 * `tolem payments reconcile --provider P --file F [--from DATE|ISO] [--to DATE|ISO]`: the settlement file
 * comparison from the command line. Prints one line per difference and a summary; exit 1 when
 * there is any difference, 2 when the file cannot be read (`tolem payments reconcile`, src/cli/main.ts).
 */
export async function runSettlementImport(ctx: AppContext, options: { provider: string; file: string; from?: string; to?: string }): Promise<number> {
  let csv: string;
  try {
    csv = readFileSync(options.file, 'utf8');
  } catch (error) {
    console.error(`cannot read ${options.file}: ${(error as Error).message}`);
    return 2;
  }
  const report = await importSettlement(ctx, SYSTEM_ACTOR, options.provider, csv, { from: options.from, to: options.to });
  if (!report.ok) {
    console.error(`error: ${report.error.code}`, JSON.stringify(report.error.details ?? {}));
    return 2;
  }
  for (const m of report.value.mismatches) {
    console.log(`${m.kind}\treference=${m.reference ?? '-'}\tpayment=${m.paymentId ?? '-'}\ttolem=${m.tolemAmount ?? '-'} ${m.tolemStatus ?? ''}\tprovider=${m.providerAmount ?? '-'} ${m.currency ?? ''}`);
  }
  console.log(`${report.value.provider}: ${report.value.rows} rows, ${report.value.matched} matched, ${report.value.mismatches.length} differences`);
  return report.value.mismatches.length === 0 ? 0 : 1;
}
