// The W1/W2 workload (bench/matching/workload.mjs) through the whole Engine (bigint X18 boundary, hashes, events,
// balance checks, settlement), to show what the boundary costs on top of the integer book.
//
//   node packages/core/bench/engine-workload.mjs [--life=5000] [--n=1000000]
import { performance } from 'node:perf_hooks';
import { Engine, makeSubaccount } from '../dist/index.js';
import { arg, buildInputs, buyer, lotSize, makerFee, seller, takerFee, tickSize } from './w-inputs.mjs';

const n = arg('n', 1_000_000);
const maxLife = arg('life', 5000);
const inputs = buildInputs(n, maxLife);
const nops = inputs.length;

const config = {
  assets: [
    { assetId: 0, symbol: 'USDC', decimals: 6 },
    { assetId: 1, symbol: 'WETH', decimals: 18 },
  ],
  markets: [
    {
      marketId: 1,
      symbol: 'WETH/USDC',
      kind: 'SPOT',
      baseAssetId: 1,
      quoteAssetId: 0,
      tickSize,
      lotSize,
      minSize: lotSize,
      makerFee,
      takerFee,
    },
  ],
  feeSubaccount: makeSubaccount('0x3000000000000000000000000000000000000003', 'fees'),
  // one subaccount per side holds the whole book here (W2 rests far more than the default caps)
  limits: { maxOpenOrdersPerSubaccount: 10_000_000, maxOpenOrdersPerOwner: 10_000_000 },
};

function makeEngine() {
  const e = new Engine(config);
  e.apply({ kind: 'deposit', requestId: 1n, subaccount: buyer, assetId: 0, amount: 10n ** 40n });
  e.apply({ kind: 'deposit', requestId: 2n, subaccount: seller, assetId: 1, amount: 10n ** 40n });
  return e;
}

function runOnce(count) {
  const e = makeEngine();
  let filled = 0n;
  let cancelHits = 0;
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const ev = e.apply(inputs[i]);
    for (let k = 0; k < ev.length; k++) {
      const x = ev[k];
      if (x.kind === 'fill') filled += x.amount;
      else if (x.kind === 'cancelled' && x.reason === 'USER') cancelHits++;
    }
  }
  return { ms: performance.now() - t0, e, filled, cancelHits };
}

runOnce(Math.min(nops, 200_000)); // warm-up
const r = runOnce(nops);
const view = r.e.book(1, Infinity);
const sum = (levels) => levels.reduce((s, [, a]) => s + a, 0n) / lotSize;
console.log(
  JSON.stringify({
    engine: 'kestrel-core Engine (full boundary)',
    maxLife,
    node: process.version,
    ops: nops,
    ms: +r.ms.toFixed(1),
    ops_per_s: Math.round((nops / r.ms) * 1000),
    filledQty: Number(r.filled / lotSize),
    cancelHits: r.cancelHits,
    resting: { askLevels: view.asks.length, bidLevels: view.bids.length, askVol: Number(sum(view.asks)), bidVol: Number(sum(view.bids)) },
  }),
);
