#!/usr/bin/env node
// Runs one engine adapter on the matching workload and prints one JSON line: ops/s, checksums and,
// with --lat, per-operation latency percentiles (a timer around every call).
//
//   node bench/matching/harness.mjs <adapter.mjs> [--lat] [--n=1000000] [--life=5000]
//
// An adapter exports `name` and `makeEngine(n)` → { limit(side, price, size, id) → filled lots,
// cancel(id) → 1 | 0, summary() → { askLevels, bidLevels, askVol, bidVol } }. The engine warms
// up on the first 200,000 ops with a throwaway book, then a fresh book is timed.
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import path from 'node:path';
import { workload } from './workload.mjs';

const args = process.argv.slice(2);
const flag = (name, fallback) => Number(args.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3) ?? fallback);
const n = flag('n', 1_000_000);
const maxLife = flag('life', 5000);
const withLatency = args.includes('--lat');
const { makeEngine, name } = await import(pathToFileURL(path.resolve(args[0])).href);

const records = workload({ n, maxLife });
const total = records.length / 5;

function play(count, timed) {
  const engine = makeEngine(n);
  const limitTimes = timed ? new Float64Array(count) : null;
  const cancelTimes = timed ? new Float64Array(count) : null;
  let limits = 0;
  let cancels = 0;
  let filledQty = 0;
  let cancelHits = 0;
  const started = performance.now();
  for (let r = 0; r < count * 5; r += 5) {
    const isLimit = records[r] === 0;
    const before = timed ? performance.now() : 0;
    if (isLimit) filledQty += engine.limit(records[r + 1], records[r + 2], records[r + 3], records[r + 4]);
    else cancelHits += engine.cancel(records[r + 4]);
    if (timed) {
      const spent = performance.now() - before;
      if (isLimit) limitTimes[limits] = spent;
      else cancelTimes[cancels] = spent;
    }
    if (isLimit) limits++;
    else cancels++;
  }
  const ms = performance.now() - started;
  return { engine, ms, limits, cancels, filledQty, cancelHits, limitTimes: limitTimes?.subarray(0, limits), cancelTimes: cancelTimes?.subarray(0, cancels) };
}

/** Percentiles in µs of times in ms: the value at floor(p × count) of the sorted times. */
function percentiles(times) {
  const sorted = Float64Array.from(times).sort();
  const at = (p) => Number((sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] * 1000).toFixed(2));
  return { p50: at(0.5), p99: at(0.99), p999: at(0.999), max: at(1) };
}

play(Math.min(total, 200_000), false);
const run = play(total, withLatency);
const ops = run.limits + run.cancels;
const result = {
  engine: name,
  maxLife,
  node: process.version,
  ops,
  orders: run.limits,
  cancels: run.cancels,
  ms: Number(run.ms.toFixed(1)),
  ops_per_s: Math.round((ops / run.ms) * 1000),
  orders_per_s: Math.round((run.limits / run.ms) * 1000),
  filledQty: run.filledQty,
  cancelHits: run.cancelHits,
  resting: run.engine.summary(),
};
if (withLatency) Object.assign(result, { limit_us: percentiles(run.limitTimes), cancel_us: percentiles(run.cancelTimes) });
console.log(JSON.stringify(result));
