import { parseArgs } from 'node:util';
import type { AppContext } from '../app-context.ts';
import { SYSTEM_ACTOR } from '../auth/actor.ts';

export const AGGREGATOR_USAGE = `  tolem aggregator create CODE --password SECRET [--name N] [--ip 1.2.3.4,10.0.0.0/8]
                                      HTTP Basic CODE:SECRET; no IP restriction without --ip
  tolem aggregator registry CODE --date YYYY-MM-DD
                                      CSV of the txns paid that Almaty day
`;

/** `tolem aggregator …`; `withContext` opens, migrates and closes the store around the run. */
export async function aggregatorCommand(sub: string | undefined, args: string[], withContext: (run: (ctx: AppContext) => Promise<number>) => Promise<number>): Promise<number> {
  try {
    return await run(sub, args, withContext);
  } catch (error) {
    // parseArgs throws on unknown or malformed options: a usage error, not a crash.
    if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) { console.error(`error: ${(error as Error).message}\n${AGGREGATOR_USAGE}`); return 2; }
    throw error;
  }
}

async function run(sub: string | undefined, args: string[], withContext: (run: (ctx: AppContext) => Promise<number>) => Promise<number>): Promise<number> {
  const [code, ...rest] = args;
  if (sub === 'create' && code && !code.startsWith('-')) {
    const { values } = parseArgs({ args: rest, options: { password: { type: 'string' }, name: { type: 'string' }, ip: { type: 'string' } } });
    if (!values.password && !values.ip) { console.error(AGGREGATOR_USAGE); return 2; }
    const ipAllowlist = values.ip ? values.ip.split(',').map((entry) => entry.trim()).filter((entry) => entry.length > 0) : [];
    return withContext(async (ctx) => {
      // Imported when run (src/cli/main.ts says why).
      const { createAggregator } = await import('./create-aggregator.ts');
      const result = await createAggregator(ctx, SYSTEM_ACTOR, { code, name: values.name, password: values.password, ipAllowlist });
      if (!result.ok) { console.error(`error: ${result.error.code}`, JSON.stringify(result.error.details ?? {})); return 1; }
      console.log(JSON.stringify(result.value));
      return 0;
    });
  }
  if (sub === 'registry' && code && !code.startsWith('-')) {
    const { values } = parseArgs({ args: rest, options: { date: { type: 'string' } } });
    if (!values.date) { console.error(AGGREGATOR_USAGE); return 2; }
    const date = values.date;
    return withContext(async (ctx) => {
      const { exportRegistry } = await import('./export-registry.ts');
      const result = await exportRegistry(ctx, SYSTEM_ACTOR, code, date);
      if (!result.ok) { console.error(`error: ${result.error.code}`, JSON.stringify(result.error.details ?? {})); return 1; }
      process.stdout.write(result.value);
      return 0;
    });
  }
  console.error(AGGREGATOR_USAGE);
  return 2;
}
