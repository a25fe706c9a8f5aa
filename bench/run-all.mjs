#!/usr/bin/env node
// Runs every benchmark in bench/ in turn (today: matching). Arguments are passed through,
// e.g. `node bench/run-all.mjs --quick`.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const suites = ['matching/run.mjs'];
for (const suite of suites) {
  const r = spawnSync(process.execPath, [path.join(here, suite), ...process.argv.slice(2)], { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
