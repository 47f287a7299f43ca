// Runs every *.test.ts under src/ and test/ with Node's own test runner (tsx for TypeScript).
// Node 20's runner takes no globs, so the files are listed here. A file may take 20 minutes: the CLI's
// test starts `tolem` processes one after another (~2 s each through tsx on a quiet machine) and took 477 s
// in a clean CI run on 2026-12-07, over 600 s while other work loaded the machine.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function find(folder, found = []) {
  for (const name of readdirSync(folder)) {
    const path = join(folder, name);
    if (name === 'node_modules') continue;
    if (statSync(path).isDirectory()) find(path, found);
    else if (name.endsWith('.test.ts')) found.push(path);
  }
  return found;
}

const filter = process.argv[2];
const files = ['src', 'test'].flatMap((folder) => find(folder)).filter((f) => !filter || f.includes(filter)).sort();
const result = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=1200000', ...files], { stdio: 'inherit' });
process.exit(result.status ?? 1);
