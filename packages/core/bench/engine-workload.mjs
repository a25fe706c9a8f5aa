// The W1/W2 workload (bench/matching/workload.mjs) through the whole Engine (bigint X18 boundary, hashes, events,
// balance checks, settlement), to show what the boundary costs on top of the integer book.
//
//   node packages/core/bench/engine-workload.mjs [--life=5000] [--n=1000000]
//
// Buys come from one owner and sells from another (so no self-trade), both funded far beyond
// need (so no balance failure): the checksums must then equal the yardstick's table.
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Engine, makeSubaccount } from '../dist/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '../../..');
const { workload: generate } = await import(pathToFileURL(path.resolve(repoRoot, 'bench/matching/workload.mjs')).href);

const arg = (name, dflt) => {
  const a = process.argv.find((x) => x.startsWith(`--${name}=`));
  return a ? Number(a.slice(name.length + 3)) : dflt;
};
const n = arg('n', 1_000_000);
const maxLife = arg('life', 5000);
const ops = generate({ n, maxLife });
const nops = ops.length / 5;

const E18 = 10n ** 18n;
const tickSize = E18 / 100n;
const lotSize = E18 / 1000n;
const buyer = makeSubaccount('0x1000000000000000000000000000000000000001', 'bench');
const seller = makeSubaccount('0x2000000000000000000000000000000000000002', 'bench');
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
      makerFee: -(E18 / 10_000n),
      takerFee: E18 / 2000n,
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

// inputs built before timing, as the peer adapter builds its ids before timing
// flat strings, as a decoder hands them over (a template literal makes a rope, which the first
// read would flatten inside the timed run)
const hashes = new Array(n);
for (let i = 0; i < n; i++) hashes[i] = flat(`0x${i.toString(16).padStart(64, '0')}`);
function flat(s) {
  return Buffer.from(s, 'latin1').toString('latin1');
}
const buys = new Uint8Array(n); // a cancel names the order's owner: the buyer or the seller
const inputs = new Array(nops);
for (let i = 0, j = 0; i < nops; i++, j += 5) {
  const id = ops[j + 4];
  if (ops[j] === 0) {
    const isBuy = ops[j + 1] === 0;
    buys[id] = isBuy ? 1 : 0;
    inputs[i] = {
      kind: 'place',
      hash: hashes[id],
      order: {
        subaccount: isBuy ? buyer : seller,
        marketId: 1,
        isBuy,
        price: BigInt(ops[j + 2]) * tickSize,
        amount: BigInt(ops[j + 3]) * lotSize,
        nonce: BigInt(id),
        expiry: 0n,
        flags: 0,
        clientId: 0n,
      },
    };
  } else inputs[i] = { kind: 'cancel', subaccount: buys[id] === 1 ? buyer : seller, hashes: [hashes[id]] };
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
