import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { AppContext } from '../app-context.ts';
import { SYSTEM_ACTOR } from '../auth/actor.ts';
import { createVoucherBatch } from './create-voucher-batch.ts';
import { sellVoucherBatch } from './sell-voucher-batch.ts';

export const VOUCHER_USAGE = `  tolem vouchers generate --face-value TIYN --count N --expires-at ISO --out FILE.csv
                                      writes the PINs (shown once) to FILE.csv for the printer
  tolem vouchers sell BATCH_ID --dealer NAME
`;

/** `tolem vouchers …`; `withContext` opens, migrates and closes the store around the run. */
export async function voucherCommand(sub: string | undefined, args: string[], withContext: (run: (ctx: AppContext) => Promise<number>) => Promise<number>): Promise<number> {
  try {
    if (sub === 'generate') {
      const { values } = parseArgs({ args, options: { 'face-value': { type: 'string' }, count: { type: 'string' }, 'expires-at': { type: 'string' }, out: { type: 'string' } } });
      if (!values['face-value'] || !values.count || !values['expires-at'] || !values.out) { console.error(VOUCHER_USAGE); return 2; }
      const out = values.out;
      return withContext(async (ctx) => {
        const result = await createVoucherBatch(ctx, SYSTEM_ACTOR, { faceValue: Number(values['face-value']), count: Number(values.count), expiresAt: values['expires-at']! });
        if (!result.ok) { console.error(`error: ${result.error.code}`, JSON.stringify(result.error.details ?? {})); return 1; }
        writeFileSync(out, result.value.csv, { mode: 0o600, flag: 'wx' });
        console.log(`batch ${result.value.id}: ${result.value.count} vouchers written to ${out}`);
        return 0;
      });
    }
    if (sub === 'sell' && args[0] && !args[0].startsWith('-')) {
      const { values } = parseArgs({ args: args.slice(1), options: { dealer: { type: 'string' } } });
      if (!values.dealer) { console.error(VOUCHER_USAGE); return 2; }
      return withContext(async (ctx) => {
        const result = await sellVoucherBatch(ctx, SYSTEM_ACTOR, args[0]!, { dealer: values.dealer! });
        if (!result.ok) { console.error(`error: ${result.error.code}`); return 1; }
        console.log(JSON.stringify(result.value));
        return 0;
      });
    }
    console.error(VOUCHER_USAGE);
    return 2;
  } catch (error) {
    if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) { console.error(`error: ${(error as Error).message}\n${VOUCHER_USAGE}`); return 2; }
    throw error;
  }
}
