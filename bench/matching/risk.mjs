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
const nArg = process.argv.find((a) => a.startsWith('--n='));
const extra = nArg ? [nArg] : [];

function run(args, env = {}) {
  const r = spawnSync(process.execPath, args, { cwd: root, encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed:\n${r.stderr}`);
  return JSON.parse(
    r.stdout
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .pop(),
  );
}

const nob = createRequire(path.join(root, 'package.json')).resolve('nodejs-order-book');
const roundsArg = process.argv.find((a) => a.startsWith('--rounds='));
const rounds = roundsArg ? Math.max(1, Number(roundsArg.slice(9))) : 3;
const runs = { risk: [], book: [], peer: [] };
for (let i = 0; i < rounds; i++) {
  runs.risk.push(run([path.join(here, 'risk-workload.mjs'), '--life=5000', ...extra]));
  runs.book.push(run([path.join(here, 'harness.mjs'), path.join(here, 'adapter.mjs'), '--life=5000', ...extra]));
  runs.peer.push(run([path.join(here, 'harness.mjs'), path.join(here, 'peer-adapter.mjs'), '--life=5000', ...extra], { NOB_PATH: nob }));
}
const risk = runs.risk[0];
for (const [name, list] of Object.entries(runs)) {
  for (const r of list) {
    const same =
      r.filledQty === risk.filledQty &&
      r.cancelHits === risk.cancelHits &&
      ['askLevels', 'askVol', 'bidLevels', 'bidVol'].every((k) => r.resting[k] === risk.resting[k]);
    if (!same) throw new Error(`checksums of ${name} differ from match+risk: ${JSON.stringify(r)} vs ${JSON.stringify(risk)}`);
  }
}

const speeds = (list) => list.map((r) => r.ops_per_s).sort((a, b) => a - b);
const best = (list) => speeds(list).at(-1);
const median = (list) => speeds(list)[(list.length - 1) >> 1];
const fmt = (v) => Math.round(v).toLocaleString('en-US').padStart(12);
console.log(
  `\nmatch and risk (W1 on a perp, 1,000 subaccounts, risk hook and positions on every fill) — ${risk.ops.toLocaleString('en-US')} ops, ${risk.fills.toLocaleString('en-US')} fills, ${rounds} rounds, node ${process.version}\n`,
);
console.log('engine                                    best ops/s  median ops/s   every round');
for (const [label, key] of [
  ['kestrel-core match+risk', 'risk'],
  ['kestrel-core book, W1', 'book'],
  ['nodejs-order-book, W1', 'peer'],
]) {
  console.log(
    `${label.padEnd(36)} ${fmt(best(runs[key]))}  ${fmt(median(runs[key]))}   ${runs[key].map((r) => r.ops_per_s.toLocaleString('en-US')).join(' · ')}`,
  );
}
const slowerBest = best(runs.book) / best(runs.risk);
const slowerMedian = median(runs.book) / median(runs.risk);
const verdict = (x) => (x <= 3 ? 'met' : 'NOT met');
console.log(
  `\nmatch+risk vs our W1 book: ${slowerBest.toFixed(2)}× slower best to best (target ≤ 3×: ${verdict(slowerBest)}), ${slowerMedian.toFixed(2)}× median to median (${verdict(slowerMedian)})`,
);
console.log(
  `match+risk vs nodejs-order-book on W1: ${(best(runs.risk) / best(runs.peer)).toFixed(2)}× faster best to best, ${(median(runs.risk) / median(runs.peer)).toFixed(2)}× median to median`,
);
