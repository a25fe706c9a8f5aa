#!/usr/bin/env node
// The W1 (and W2) workload through the whole core Engine — bigint X18 boundary, order
// hashes, events, balance checks and settlement — beside nodejs-order-book in the same run.
//   node bench/matching/engine.mjs [--only=W1|W2]
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
const workloads = [
  ['W1', 5000],
  ['W2', 100000],
].filter(([w]) => !only || w === only);

function run(args, env = {}) {
  const r = spawnSync(process.execPath, args, { encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

console.log(`\nfull Engine vs nodejs-order-book — n=1,000,000, node ${process.version}\n`);
console.log('workload  engine                               ops/s   ratio');
for (const [w, life] of workloads) {
  const ours = run([path.join(root, 'packages/core/bench/engine-workload.mjs'), `--life=${life}`]);
  const peer = run([path.join(here, 'harness.mjs'), path.join(here, 'peer-adapter.mjs'), `--life=${life}`], {
    NOB_PATH: path.join(root, 'node_modules/nodejs-order-book'),
  });
  if (ours.filledQty !== peer.filledQty || ours.cancelHits !== peer.cancelHits) throw new Error(`${w}: checksums differ`);
  console.log(
    `${w.padEnd(9)} ${'kestrel-core Engine'.padEnd(28)} ${ours.ops_per_s.toLocaleString('en-US').padStart(12)}   ${(ours.ops_per_s / peer.ops_per_s).toFixed(2)}×`,
  );
  console.log(`${w.padEnd(9)} ${'nodejs-order-book'.padEnd(28)} ${peer.ops_per_s.toLocaleString('en-US').padStart(12)}   1.00×`);
}
