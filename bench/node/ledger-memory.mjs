#!/usr/bin/env node
// The node's ledger in one process, built to N resting orders from six traders in batches of the
// node's own size (500), each order through the wire decoder as a node receives it: RSS and V8's
// heap before and after a full collection. Run it with and without the heap growth `kestrel
// start` sets, to see what V8's own heuristic leaves committed:
//
//   node --expose-gc bench/node/ledger-memory.mjs 1000000
//   node --expose-gc --heap-growing-percent=15 bench/node/ledger-memory.mjs 1000000
//
// Needs the packages built (`npm run build`).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import { decodeInput, inputToWire } from '../../packages/api/dist/index.js';
import { encodeFlags, orderInput, parseX18, RequestKind } from '../../packages/core/dist/index.js';
import { Ledger } from '../../packages/node/dist/store/ledger.js';
import { NodeStore } from '../../packages/node/dist/store/store.js';
import { DOMAIN, spotConfig, trader } from './spot-ledger.mjs';

const N = Number(process.argv[2] ?? 100_000);
const x = parseX18;
const TRADERS = 6;
const config = spotConfig(N);
let nonce = 1n;
// a distinct signature-shaped value per order (the ledger does not check signatures)
const sig = (n) => `0x${n.toString(16).padStart(16, '0').repeat(8)}1b`;
const order = (who, isBuy, price) => {
  const o = {
    subaccount: who,
    marketId: 1,
    isBuy,
    price,
    amount: x('0.001'),
    nonce: nonce++,
    expiry: 0n,
    flags: encodeFlags({ timeInForce: 0 }),
    clientId: 0n,
  };
  return decodeInput(DOMAIN, JSON.parse(JSON.stringify(inputToWire(orderInput(DOMAIN, o, sig(o.nonce))))));
};
const dir = mkdtempSync(path.join(tmpdir(), 'kestrel-ledger-memory-'));
const store = await NodeStore.open(dir);
const ledger = await Ledger.open(config, DOMAIN, store);
let now = 1000n;
let requestId = 0n;
async function batch(inputs, requests = []) {
  now += 1n;
  const b = { timestamp: now, prices: [], funding: [], requests, inputs };
  const applied = ledger.tryApply(b);
  const p = {
    ...b,
    batchId: ledger.lastBatchId + 1n,
    requestCursor: requestId,
    prevStateHash: ledger.stateHash,
    stateHash: applied.stateHash,
    signature: `0x${'00'.repeat(65)}`,
  };
  await ledger.commit(p, applied.events, null);
}
const deposits = [];
for (let k = 0; k < TRADERS; k++)
  for (const assetId of [0, 1])
    deposits.push({ id: requestId++, kind: RequestKind.Deposit, subaccount: trader(k), assetId, amount: x('100000000'), data: `0x${'00'.repeat(32)}` });
await batch([], deposits);
const t0 = process.cpuUsage();
for (let i = 0; i < N; ) {
  const inputs = [];
  for (; inputs.length < 500 && i < N; i++) {
    const isBuy = i % 2 === 0;
    const level = (i >> 1) % 500;
    inputs.push(order(trader(i % TRADERS), isBuy, isBuy ? x((1000 - level * 0.5).toFixed(2)) : x((3000 + level * 0.5).toFixed(2))));
  }
  for (const input of inputs) await ledger.admit(input);
  await batch(inputs);
}
const cpu = process.cpuUsage(t0);
const mib = (b) => (b / 2 ** 20).toFixed(0);
const report = (when) => {
  const m = process.memoryUsage();
  const spaces = v8
    .getHeapSpaceStatistics()
    .filter((s) => s.space_size > 2 ** 20)
    .map((s) => `${s.space_name} ${mib(s.space_size)}/${mib(s.space_used_size)}`)
    .join(', ');
  console.log(
    `${when.padEnd(22)} RSS ${mib(m.rss)} MiB, heap ${mib(m.heapTotal)} committed / ${mib(m.heapUsed)} in use, array buffers ${mib(m.arrayBuffers)} MiB (${spaces})`,
  );
};
console.log(`${ledger.engine.restingOrderCount().toLocaleString('en-US')} resting orders, built in ${((cpu.user + cpu.system) / 1e6).toFixed(1)} s of CPU`);
report('as built');
if (globalThis.gc) {
  globalThis.gc();
  report('after a full collection');
}
await store.close();
rmSync(dir, { recursive: true, force: true });
