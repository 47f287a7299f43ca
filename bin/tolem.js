#!/usr/bin/env -S node --max-semi-space-size=64
// The `tolem` command. TypeScript runs directly through tsx: no build step between a change and a run.
// A young generation of up to 64 MiB per semi-space (V8's default is 16): a usage request's 1,000
// events and their rows outlive a 16 MiB scavenge and were copied, then promoted, again and again
// (docs/performance.md). V8 reads the flag only at start, so launchers pass it: this line,
// `npm start`, `npm run tolem`, the bench's server.
import { register } from 'tsx/esm/api';

register();
// A reader that goes away early (`tolem ledger report … | head`) ends the output quietly, with the
// command's exit code so far, not an unhandled EPIPE's stack trace.
process.stdout.on('error', (error) => {
  if (error.code !== 'EPIPE') throw error;
  process.exit(process.exitCode ?? 0);
});
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
