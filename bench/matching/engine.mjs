#!/usr/bin/env node
// The W1 (and W2) workload through the whole core Engine — bigint X18 boundary, order
// hashes, events, balance checks and settlement — beside nodejs-order-book in the same run, and
// beside two floors: the least work those inputs ask for (grid division, duplicate probe among
// every order kept, events, bigint settlement) on the same Book, with a JS object per order and
// per event (the Engine's shape) or with typed-array rows (packages/core/bench/floor-workload.mjs).
//   node bench/matching/engine.mjs [--only=W1|W2] [--no-floor]
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
const floors = process.argv.includes('--no-floor') ? [] : ['objects', 'rows'];
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
const line = (w, name, opsPerS, peerOps) =>
  console.log(`${w.padEnd(9)} ${name.padEnd(28)} ${opsPerS.toLocaleString('en-US').padStart(12)}   ${(opsPerS / peerOps).toFixed(2)}×`);
for (const [w, life] of workloads) {
  const ours = run([path.join(root, 'packages/core/bench/engine-workload.mjs'), `--life=${life}`]);
  const peer = run([path.join(here, 'harness.mjs'), path.join(here, 'peer-adapter.mjs'), `--life=${life}`], {
    NOB_PATH: path.join(root, 'node_modules/nodejs-order-book'),
  });
  const floorRuns = floors.map((shape) => run([path.join(root, 'packages/core/bench/floor-workload.mjs'), `--life=${life}`, `--shape=${shape}`]));
  for (const r of [ours, ...floorRuns]) {
    if (r.filledQty !== peer.filledQty || r.cancelHits !== peer.cancelHits) throw new Error(`${w}: ${r.engine}: checksums differ`);
  }
  line(w, 'kestrel-core Engine', ours.ops_per_s, peer.ops_per_s);
  line(w, 'nodejs-order-book', peer.ops_per_s, peer.ops_per_s);
  for (const r of floorRuns) line(w, r.engine, r.ops_per_s, peer.ops_per_s);
}
