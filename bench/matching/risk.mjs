#!/usr/bin/env node
// Match-and-risk benchmark: W1's stream on a PERP market over 1,000 subaccounts with the
// pre-trade risk hook and position updates on every fill (risk-workload.mjs), beside our own
// book on plain W1 and nodejs-order-book on W1, each in its own child process, in the same run.
// Target: no more than 3× slower than our W1 book.
//
//   node bench/matching/risk.mjs [--n=1000000]
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const shared = path.resolve(root, '../shared/bench');
const nArg = process.argv.find((a) => a.startsWith('--n='));
const extra = nArg ? [nArg] : [];

function run(args, env = {}) {
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed:\n${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').filter((l) => l.startsWith('{')).pop());
}

const nob = createRequire(path.join(root, 'package.json')).resolve('nodejs-order-book');
const risk = run([path.join(here, 'risk-workload.mjs'), '--life=5000', ...extra]);
const book = run([path.join(shared, 'run.mjs'), path.join(here, 'adapter.mjs'), '--life=5000', ...extra]);
const peer = run([path.join(shared, 'run.mjs'), path.join(shared, 'adapter-nodejs-order-book.mjs'), '--life=5000', ...extra], { NOB_PATH: nob });
for (const [name, r] of [['book', book], ['nodejs-order-book', peer]]) {
  const same = r.filledQty === risk.filledQty && r.cancelHits === risk.cancelHits && ['askLevels', 'askVol', 'bidLevels', 'bidVol'].every((k) => r.resting[k] === risk.resting[k]);
  if (!same) throw new Error(`checksums of match+risk differ from ${name}: ${JSON.stringify(risk)} vs ${JSON.stringify(r)}`);
}

const fmt = (v) => Math.round(v).toLocaleString('en-US').padStart(12);
const slower = book.ops_per_s / risk.ops_per_s;
console.log(`\nmatch and risk (W1 on a perp, 1,000 subaccounts, risk hook and positions on every fill) — ${risk.ops.toLocaleString('en-US')} ops, ${risk.fills.toLocaleString('en-US')} fills, node ${process.version}\n`);
console.log('engine                                          ops/s');
console.log(`kestrel-core match+risk                  ${fmt(risk.ops_per_s)}`);
console.log(`kestrel-core book, W1                    ${fmt(book.ops_per_s)}`);
console.log(`nodejs-order-book, W1                    ${fmt(peer.ops_per_s)}`);
console.log(`\nmatch+risk is ${slower.toFixed(2)}× slower than our W1 book (target ≤ 3×: ${slower <= 3 ? 'met' : 'NOT met'}), ${(risk.ops_per_s / peer.ops_per_s).toFixed(2)}× nodejs-order-book`);
