#!/usr/bin/env node
// Runs every benchmark in turn: matching (arguments are passed through, e.g.
// `node bench/run-all.mjs --quick`), the whole Engine, match-and-risk on a perp, signature
// recovery in place and on the node's worker pool, the node's commit cost as the book grows to a
// million orders, the node end to end on a devnet, the node's memory under a gossip flood, then
// the gas of settleBatch on anvil.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const suites = [
  [path.join(here, 'matching/run.mjs'), ...process.argv.slice(2)],
  [path.join(here, 'matching/engine.mjs'), ...process.argv.slice(2).filter((a) => a.startsWith('--only'))],
  [path.join(here, 'matching/risk.mjs')],
  [path.join(here, 'node/recover.mjs')],
  ['--expose-gc', path.join(here, 'node/commit-cost.mjs')],
  [path.join(here, 'node/e2e.mjs')],
  [path.join(here, 'node/gossip-flood.mjs')],
  [path.join(here, 'node/takeover.mjs')],
  [path.join(here, '../packages/contracts/scripts/gas.mjs')],
];
for (const args of suites) {
  const r = spawnSync(process.execPath, args, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
