#!/usr/bin/env node
// What a batch costs as the book grows: the node's own ledger (packages/node/src/store/ledger.ts)
// on a real LevelDB, trying and committing the same kind of batch — 50 crossing pairs and 50 new
// resting orders — with 10k, 100k and 1M orders resting. Reports, per checkpoint, the median
// time to apply the batch and compute the state commitment, to write it, their sum, the records
// written, the bytes that reach LevelDB per order (its admission to the mempool included; an
// untimed pass), and the process's RSS; then the cost at the largest book over the cost at the
// smallest. Needs the node package built (`npx nx run @kestrel/node:build`).
//
// `--history=none` runs the ledger as a node configured `history: none` (no trade, fill, order-change
// or funding history written): run both to see what keeping it costs.
//
//   node bench/node/commit-cost.mjs [--max=1000000] [--batches=20] [--grow=500] [--history=keep|none]
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { encodeFlags, orderInput, parseX18, RequestKind } from '../../packages/core/dist/index.js';
import { Ledger } from '../../packages/node/dist/store/ledger.js';
import { NodeStore } from '../../packages/node/dist/store/store.js';
import { encodeValue } from '../../packages/node/dist/store/codec.js';
import { DEFAULTS } from '../../packages/node/dist/config.js';
import { DOMAIN, spotConfig, trader } from './spot-ledger.mjs';

const arg = (name, fallback) => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.slice(name.length + 3)) : fallback;
};
const MAX = arg('max', 1_000_000);
const MEASURED = arg('batches', 20);
const CHECKPOINTS = [10_000, 100_000, 1_000_000].filter((n) => n <= MAX);
const PER_TRADER = 500;
const TRADERS = Math.ceil(MAX / PER_TRADER) + 2;
// the book grows in batches of the node's own size (maxBatchOrders): a node never commits a bigger
// one, and LevelDB's memory follows the size of the writes it is given
const GROW_BATCH = arg('grow', DEFAULTS.maxBatchOrders);

const x = parseX18;
const config = spotConfig(PER_TRADER + 100);
const SIG = `0x${'00'.repeat(65)}`;
let nonce = 1n;
const order = (who, isBuy, ticks, lots) =>
  orderInput(
    DOMAIN,
    {
      subaccount: who,
      marketId: 1,
      isBuy,
      price: BigInt(ticks) * x('0.01'),
      amount: BigInt(lots) * x('0.001'),
      nonce: nonce++,
      expiry: 0n,
      flags: encodeFlags({ timeInForce: 0 }),
      clientId: 0n,
    },
    SIG,
  );

const dir = mkdtempSync(path.join(tmpdir(), 'kestrel-commit-cost-'));
const store = await NodeStore.open(dir);
let recordWrites = 0;
/** while set, the bytes of every key and value written (an untimed pass: encoding them again costs time) */
let tally = null;
const write = store.write.bind(store);
store.write = async (ops) => {
  recordWrites = ops.filter((o) => ('put' in o ? o.put : o.del).startsWith('rec:')).length;
  if (tally !== null) for (const o of ops) tally.bytes += 'put' in o ? o.put.length + encodeValue(o.value).length : o.del.length;
  return write(ops);
};
const HISTORY = (process.argv.find((x) => x.startsWith('--history=')) ?? '--history=keep').slice(10);
if (HISTORY !== 'keep' && HISTORY !== 'none') throw new Error('--history: keep or none');
const ledger = await Ledger.open(config, DOMAIN, store, undefined, { history: HISTORY === 'keep' });
let now = 1_000n;
let requestId = 0n;

async function batch(inputs, requests = []) {
  now += 1n;
  const b = { timestamp: now, prices: [], funding: [], requests, inputs };
  const t0 = performance.now();
  const applied = ledger.tryApply(b);
  const t1 = performance.now();
  await ledger.commit(
    { ...b, batchId: ledger.lastBatchId + 1n, requestCursor: requestId, prevStateHash: ledger.stateHash, stateHash: applied.stateHash, signature: SIG },
    applied.events,
    null,
  );
  const t2 = performance.now();
  return { apply: t1 - t0, commit: t2 - t1, records: recordWrites };
}

// every trader funded, in batches of 500 deposits
for (let i = 0; i < TRADERS; i += 250) {
  const reqs = [];
  for (let k = i; k < Math.min(TRADERS, i + 250); k++) {
    for (const assetId of [0, 1])
      reqs.push({ id: requestId++, kind: RequestKind.Deposit, subaccount: trader(k), assetId, amount: x('10000000'), data: `0x${'00'.repeat(32)}` });
  }
  await batch([], reqs);
}

let resting = 0;
/** resting orders away from the middle: bids 50.00–89.99, asks 110.00–149.99, 500 per trader */
function growTo(target) {
  const inputs = [];
  while (resting < target && inputs.length < GROW_BATCH) {
    const i = resting++;
    const isBuy = i % 2 === 0;
    const level = (i >> 1) % 4000;
    inputs.push(order(trader(Math.floor(i / PER_TRADER)), isBuy, isBuy ? 8999 - level : 11000 + level, 1 + (i % 7)));
  }
  return inputs;
}

/** 50 crossing pairs at 100.00 (between two traders who rest nothing) and 50 new resting orders far out */
let side = 0;
function standardBatch() {
  const inputs = [];
  const a = trader(TRADERS - 2);
  const b = trader(TRADERS - 1);
  for (let i = 0; i < 50; i++) {
    inputs.push(order(a, true, 10000, 5), order(b, false, 10000, 5));
  }
  for (let i = 0; i < 50; i++) inputs.push(order(trader(side++ % (TRADERS - 2)), i % 2 === 0, i % 2 === 0 ? 5000 - (i % 10) : 15000 + (i % 10), 1));
  return inputs;
}

const median = (xs) => [...xs].sort((p, q) => p - q)[Math.floor(xs.length / 2)];
const rows = [];
for (const target of CHECKPOINTS) {
  const t = performance.now();
  while (resting < target) await batch(growTo(target));
  const grew = (performance.now() - t) / 1000;
  for (let i = 0; i < 3; i++) await batch(standardBatch()); // warm
  const runs = [];
  for (let i = 0; i < MEASURED; i++) runs.push(await batch(standardBatch()));
  // what reaches LevelDB per order, admission included (each input enters the mempool on disk first)
  tally = { bytes: 0 };
  for (let i = 0; i < 3; i++) {
    const inputs = standardBatch();
    for (const input of inputs) await ledger.admit(input);
    await batch(inputs);
  }
  const bytesPerOrder = tally.bytes / (3 * 150);
  tally = null;
  globalThis.gc?.();
  rows.push({
    resting: target,
    apply: median(runs.map((r) => r.apply)),
    commit: median(runs.map((r) => r.commit)),
    total: median(runs.map((r) => r.apply + r.commit)),
    records: median(runs.map((r) => r.records)),
    bytesPerOrder,
    rss: process.memoryUsage().rss / 2 ** 20,
    grew,
  });
  const r = rows.at(-1);
  console.error(`  ${target.toLocaleString('en-US')} resting (built in ${grew.toFixed(0)} s): ${r.total.toFixed(1)} ms per batch`);
}
await store.close();
rmSync(dir, { recursive: true, force: true });

console.log(
  `\ncommit cost per batch — 50 crossing pairs + 50 new resting orders, ${MEASURED} batches per row (median), history: ${HISTORY}, node ${process.version}\n`,
);
console.log('orders resting   apply + commitment   write (LevelDB)   total      records written   bytes per order   RSS');
for (const r of rows) {
  console.log(
    `${r.resting.toLocaleString('en-US').padStart(14)}   ${r.apply.toFixed(1).padStart(15)} ms   ${r.commit.toFixed(1).padStart(12)} ms   ${r.total.toFixed(1).padStart(6)} ms   ${String(r.records).padStart(15)}   ${r.bytesPerOrder.toFixed(0).padStart(15)}   ${r.rss.toFixed(0).padStart(5)} MiB`,
  );
}
if (rows.length > 1)
  console.log(
    `\ncost at ${rows.at(-1).resting.toLocaleString('en-US')} / cost at ${rows[0].resting.toLocaleString('en-US')}: ${(rows.at(-1).total / rows[0].total).toFixed(2)}×`,
  );
