#!/usr/bin/env node
// Matching-engine benchmark: the yardstick's harness (harness.mjs) on the W1 and W2 workloads
// (workload.mjs), for the @kestrel/core book and for nodejs-order-book, each run in its own
// child process, one after the other.
//
//   node bench/matching/run.mjs [--quick] [--no-lat] [--only=W1|W2] [--no-build]
//
// For each workload and engine it runs a throughput pass (no timers around each op) and, unless
// --no-lat, a latency pass (--lat, per-op timers). The checksums of every run must equal the
// yardstick's table (workload.mjs); with --quick (n = 200,000) the table does not apply, so both
// engines' checksums are compared with each other instead. Any mismatch fails the run.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHECKSUMS as EXPECTED, LIFE } from './workload.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../..');
const harness = path.join(here, 'harness.mjs');
const ours = path.join(here, 'adapter.mjs');
const peer = path.join(here, 'peer-adapter.mjs');

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const withLat = !args.includes('--no-lat');
const only = args.find((a) => a.startsWith('--only='))?.slice(7);
const n = quick ? 200_000 : 1_000_000;

const WORKLOADS = [
  { id: 'W1', life: LIFE.W1, target: 10 },
  { id: 'W2', life: LIFE.W2, target: 50 },
].filter((w) => !only || w.id === only);

function fail(message) {
  console.error(`\nFAIL: ${message}`);
  process.exit(1);
}

// --- build @kestrel/core if dist is missing or older than its sources ---
function newest(dir) {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}
const coreDir = path.join(repoRoot, 'packages/core');
const built = path.join(coreDir, 'dist/engine/book.js');
if (!args.includes('--no-build') && (!existsSync(built) || statSync(built).mtimeMs < newest(path.join(coreDir, 'src')))) {
  console.log('building @kestrel/core …');
  const tsc = path.join(repoRoot, 'node_modules/typescript/bin/tsc');
  const r = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], { cwd: coreDir, stdio: 'inherit' });
  if (r.status !== 0) fail('building @kestrel/core failed');
}

// --- the peer resolves nodejs-order-book from the repo's node_modules ---
const env = { ...process.env, NODE_PATH: path.join(repoRoot, 'node_modules') };
try {
  env.NOB_PATH = createRequire(path.join(repoRoot, 'package.json')).resolve('nodejs-order-book');
} catch {
  fail('nodejs-order-book is not installed in the repo root node_modules');
}

function runHarness(adapter, life, lat) {
  const argv = [harness, adapter, `--n=${n}`, `--life=${life}`];
  if (lat) argv.push('--lat');
  const r = spawnSync(process.execPath, argv, { cwd: repoRoot, env, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) fail(`${path.basename(adapter)} ${argv.slice(2).join(' ')} exited ${r.status}:\n${r.stderr}`);
  const line = r.stdout
    .trim()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .pop();
  if (!line) fail(`no JSON result from ${path.basename(adapter)}:\n${r.stdout}\n${r.stderr}`);
  return JSON.parse(line);
}

const checksum = (r) => ({ ops: r.ops, filledQty: r.filledQty, cancelHits: r.cancelHits, ...r.resting });
const same = (a, b) => Object.keys(b).every((k) => a[k] === b[k]) && Object.keys(a).length === Object.keys(b).length;

function verify(workload, engine, r, reference) {
  const got = checksum(r);
  const want = reference ?? EXPECTED[workload];
  if (!same(got, want)) {
    fail(
      `${workload} ${engine}: checksums differ from ${reference ? 'the other engine' : 'the yardstick table'}\n  got  ${JSON.stringify(got)}\n  want ${JSON.stringify(want)}`,
    );
  }
}

const results = [];
for (const w of WORKLOADS) {
  const row = { workload: w.id, life: w.life, target: w.target };
  let reference = null; // --quick: every run must match the first one
  for (const [key, adapter] of [
    ['ours', ours],
    ['peer', peer],
  ]) {
    process.stdout.write(`${w.id} ${key === 'ours' ? 'kestrel-core' : 'nodejs-order-book'}: throughput …`);
    const thr = runHarness(adapter, w.life, false);
    process.stdout.write(` ${fmtInt(thr.ops_per_s)} ops/s`);
    let lat = null;
    if (withLat) {
      process.stdout.write('; latency …');
      lat = runHarness(adapter, w.life, true);
      process.stdout.write(' done');
    }
    process.stdout.write('\n');
    for (const r of [thr, lat].filter(Boolean)) {
      if (quick) reference ??= checksum(r);
      verify(w.id, r.engine, r, reference);
    }
    row[key] = { thr, lat };
  }
  results.push(row);
}

// --- report ---
function fmtInt(v) {
  return Math.round(v).toLocaleString('en-US');
}
const pad = (s, w, right = false) => (right ? String(s).padEnd(w) : String(s).padStart(w));
const head = ['workload', 'engine', 'ops/s', 'orders/s', 'limit p50/p99 µs', 'cancel p50/p99 µs', 'checksums'];
const widths = [8, 18, 12, 12, 17, 18, 10];
const lines = [head.map((h, i) => pad(h, widths[i], i < 2)).join('  '), widths.map((w) => '-'.repeat(w)).join('  ')];
for (const row of results) {
  for (const key of ['ours', 'peer']) {
    const { thr, lat } = row[key];
    const l = lat ? `${lat.limit_us.p50} / ${lat.limit_us.p99}` : '-';
    const c = lat ? `${lat.cancel_us.p50} / ${lat.cancel_us.p99}` : '-';
    lines.push([row.workload, thr.engine, fmtInt(thr.ops_per_s), fmtInt(thr.orders_per_s), l, c, 'ok'].map((v, i) => pad(v, widths[i], i < 2)).join('  '));
  }
  const ratio = row.ours.thr.ops_per_s / row.peer.thr.ops_per_s;
  const latRatio = row.ours.lat && row.peer.lat ? `; limit p50 ${(row.peer.lat.limit_us.p50 / row.ours.lat.limit_us.p50).toFixed(1)}× lower` : '';
  row.ratio = +ratio.toFixed(2);
  lines.push(
    `${pad(row.workload, widths[0], true)}  ours/peer throughput ${ratio.toFixed(1)}× (target ≥ ${row.target}×: ${ratio >= row.target ? 'met' : 'NOT met'})${latRatio}`,
  );
}
console.log(
  `\nmatching benchmark — n=${fmtInt(n)}${quick ? ' (quick: checksums compared between engines)' : ' (checksums = the yardstick table)'}, node ${process.version}\n`,
);
console.log(lines.join('\n'));

const outDir = path.join(repoRoot, 'bench/.results');
mkdirSync(outDir, { recursive: true });
writeFileSync(path.join(outDir, `matching${quick ? '-quick' : ''}.json`), `${JSON.stringify({ n, node: process.version, results }, null, 2)}\n`);
