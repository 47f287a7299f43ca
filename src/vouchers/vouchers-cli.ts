import { closeSync, fsyncSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { AppContext } from '../app-context.ts';
import { SYSTEM_ACTOR } from '../auth/actor.ts';

export const VOUCHER_USAGE = `  tolem vouchers generate --face-value TIYN --count N --expires-at ISO --out FILE.csv
                                      writes the PINs (shown once) to FILE.csv for the printer
  tolem vouchers sell BATCH_ID --dealer NAME
`;

/** Writes the whole CSV to the open file and flushes it to disk, so that a full disk fails here, not later. */
export function writeAndSync(fd: number, csv: string): void {
  writeFileSync(fd, csv);
  fsyncSync(fd);
}

/** "ENOENT: no such file or directory" from Node's "ENOENT: no such file or directory, open '…'". */
function reasonOf(error: unknown): string {
  return String((error as Error).message).split(', ')[0]!;
}

/** "100000" → 100000; null for anything but decimal digits, which Number() would also take ("1e3", "0x186A0", " 5"). */
function wholeNumberOf(text: string): number | null {
  return /^\d{1,15}$/.test(text) ? Number(text) : null;
}

/**
 * `tolem vouchers …`; `withContext` opens, migrates and closes the store around the run.
 * `writeCsv` is the file write (a test makes it fail).
 */
export async function voucherCommand(sub: string | undefined, args: string[], withContext: (run: (ctx: AppContext) => Promise<number>) => Promise<number>, writeCsv = writeAndSync): Promise<number> {
  try {
    if (sub === 'generate') {
      const { values } = parseArgs({ args, options: { 'face-value': { type: 'string' }, count: { type: 'string' }, 'expires-at': { type: 'string' }, out: { type: 'string' } } });
      if (!values['face-value'] || !values.count || !values['expires-at'] || !values.out) { console.error(VOUCHER_USAGE); return 2; }
      const faceValue = wholeNumberOf(values['face-value']);
      const count = wholeNumberOf(values.count);
      if (faceValue === null) { console.error(`error: --face-value must be decimal digits (tiyn), got ${values['face-value']}`); return 2; }
      if (count === null) { console.error(`error: --count must be decimal digits, got ${values.count}`); return 2; }
      const out = values.out;
      // The PINs exist only in this file (shown once, stored hashed): it is created, exclusively,
      // before anything is generated, so that a file that cannot be made leaves no batch behind.
      let fd: number;
      try {
        fd = openSync(out, 'wx', 0o600);
      } catch (error) {
        console.error(`error: cannot create ${out}: ${reasonOf(error)} (nothing generated)`);
        return 1;
      }
      let written = false;
      try {
        return await withContext(async (ctx) => {
          // Imported when run (src/cli/main.ts says why).
          const [{ createVoucherBatch }, { voidVoucherBatch }] = await Promise.all([import('./create-voucher-batch.ts'), import('./void-voucher-batch.ts')]);
          const result = await createVoucherBatch(ctx, SYSTEM_ACTOR, { faceValue, count, expiresAt: values['expires-at']! });
          if (!result.ok) { console.error(`error: ${result.error.code}`, JSON.stringify(result.error.details ?? {})); return 1; }
          try {
            writeCsv(fd, result.value.csv);
            written = true;
          } catch (error) {
            // Its PINs are lost (a full disk, say): the batch is voided so it can never be sold.
            const voided = await voidVoucherBatch(ctx, SYSTEM_ACTOR, result.value.id);
            console.error(`error: cannot write ${out}: ${reasonOf(error)}; batch ${result.value.id} ${voided.ok ? 'voided (its vouchers are blocked)' : `NOT voided (${voided.error.code}): block it`}`);
            return 1;
          }
          console.log(`batch ${result.value.id}: ${result.value.count} vouchers written to ${out}`);
          return 0;
        });
      } finally {
        closeSync(fd);
        if (!written) rmSync(out, { force: true });
      }
    }
    if (sub === 'sell' && args[0] && !args[0].startsWith('-')) {
      const { values } = parseArgs({ args: args.slice(1), options: { dealer: { type: 'string' } } });
      if (!values.dealer) { console.error(VOUCHER_USAGE); return 2; }
      return withContext(async (ctx) => {
        const { sellVoucherBatch } = await import('./sell-voucher-batch.ts');
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
