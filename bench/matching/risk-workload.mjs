// W1's stream on a PERP market spread over 1,000 subaccounts, through the core's own matching,
// risk and position code: the Engine's Matcher (per-maker decision: expiry, self-trade,
// reduce-only, the pre-trade risk hook) with settlement into the Engine's accounts and
// positions on every fill. Only the Engine's boundary is left out — input checks, hashing of
// order records, accepted/cancelled event objects — which bench/matching/engine.mjs measures.
//
//   node bench/matching/risk-workload.mjs [--n=1000000] [--life=5000]
//
// Buys come from subaccounts 0–499 and sells from 500–999 (id % 500 picks one), so no fill is a
// self-trade and the checksums equal W1's; every subaccount is funded for its fees.
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { makeSubaccount } from '../../packages/core/dist/index.js';
import { Matcher } from '../../packages/core/dist/engine/matcher.js';
import { OrderRecord } from '../../packages/core/dist/engine/order-record.js';
import { spotBalanceCheck } from '../../packages/core/dist/engine/risk.js';
import { EngineState } from '../../packages/core/dist/engine/state.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const { generate } = await import(pathToFileURL(path.resolve(here, '../../../shared/bench/workload.mjs')).href);

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
const SUBS = 1000;
const subs = Array.from({ length: SUBS }, (_, i) => makeSubaccount(`0x${(i + 1).toString(16).padStart(40, '0')}`, 'bench'));
const config = {
  assets: [{ assetId: 0, symbol: 'USDC', decimals: 6 }],
  markets: [{ marketId: 3, symbol: 'ETH-PERP', kind: 'PERP', baseAssetId: 0, quoteAssetId: 0, tickSize, lotSize, minSize: lotSize, makerFee: -(E18 / 10_000n), takerFee: E18 / 2000n }],
  feeSubaccount: makeSubaccount('0x3000000000000000000000000000000000000003', 'fees'),
  limits: { maxOpenOrdersPerSubaccount: 1_000_000 },
};

// order records built before timing, as the peer adapter builds its ids before timing
const hashes = new Array(n);
for (let i = 0; i < n; i++) hashes[i] = `0x${i.toString(16).padStart(64, '0')}`;
function records() {
  const recs = new Array(n);
  for (let j = 0; j < ops.length; j += 5) {
    if (ops[j] !== 0) continue;
    const id = ops[j + 4];
    const isBuy = ops[j + 1] === 0;
    const sub = subs[(id % 500) + (isBuy ? 0 : 500)];
    const order = { subaccount: sub, marketId: 3, isBuy, price: BigInt(ops[j + 2]) * tickSize, amount: BigInt(ops[j + 3]) * lotSize, nonce: BigInt(id), expiry: 0n, flags: 0, clientId: 0n };
    recs[id] = new OrderRecord(hashes[id], order, sub.slice(0, 42), ops[j + 2], ops[j + 3], 0, 0, BigInt(id + 1));
  }
  return recs;
}

function runOnce(count) {
  const s = new EngineState(config);
  for (const sub of subs) s.accounts.add(sub, 0, 10n ** 30n);
  const matcher = new Matcher(s, spotBalanceCheck);
  const market = s.markets.get(3);
  const recs = records();
  const events = [];
  let filled = 0;
  let cancelHits = 0;
  let fills = 0;
  const t0 = performance.now();
  for (let i = 0, j = 0; i < count; i++, j += 5) {
    const rec = recs[ops[j + 4]];
    if (ops[j] === 0) {
      matcher.run(rec, market, events);
      filled += rec.filledLots;
      fills += events.length;
      events.length = 0;
      if (rec.remainingLots === 0) rec.status = 'filled';
      else s.rest(rec, market);
    } else if (rec.isOpen) {
      s.unrest(rec);
      rec.status = 'cancelled';
      cancelHits++;
    }
  }
  return { ms: performance.now() - t0, s, market, filled, cancelHits, fills };
}

runOnce(Math.min(nops, 200_000)); // warm-up
const r = runOnce(nops);
let sizeSum = 0n;
let gross = 0n;
for (const [, , p] of r.s.accounts.allPositions()) {
  sizeSum += p.size;
  gross += p.size < 0n ? -p.size : p.size;
}
if (sizeSum !== 0n) throw new Error(`positions do not net to zero: ${sizeSum}`);
const depth = (isBuy) => r.market.book.depth(isBuy, Infinity);
const vol = (lv) => lv.reduce((a, [, l]) => a + Number(l), 0);
console.log(JSON.stringify({
  engine: 'kestrel-core match+risk (perp, 1,000 subaccounts)', maxLife, node: process.version, ops: nops, ms: +r.ms.toFixed(1),
  ops_per_s: Math.round((nops / r.ms) * 1000), fills: r.fills, filledQty: r.filled, cancelHits: r.cancelHits,
  positions: r.s.accounts.allPositions().length, grossPositionLots: Number(gross / lotSize),
  resting: { askLevels: r.market.book.levelCount(false), askVol: vol(depth(false)), bidLevels: r.market.book.levelCount(true), bidVol: vol(depth(true)) },
}));
