// W1's stream on a PERP market spread over 1,000 subaccounts, with the pre-trade risk hook and
// position updates on every fill. The book is driven through its integer API (as adapter.mjs
// does) with a MatchHook that runs, for each maker, the Engine's own per-fill code in the
// Engine's order: self-trade by owner, reduce-only caps (`reducibleLots`), the market's
// `FillPricer` (quote and fees in ticks·lots, exact), the
// default risk hook (`spotBalanceCheck`, perp rule: each side's fee covered by its quote balance)
// and `settleFill` into the Engine's `Accounts` (fees into quote balances, {size, vQuote} into
// positions). Left out is only the Engine's per-order boundary (input checks, order records and
// their indexes, hashes, event objects), which bench/matching/engine.mjs measures.
//
//   node bench/matching/risk-workload.mjs [--n=1000000] [--life=5000]
//
// Buys come from subaccounts 0–499 and sells from 500–999 (id % 500 picks one), so no fill is a
// self-trade and the checksums equal W1's; every subaccount is funded for its fees.
import { performance } from 'node:perf_hooks';
import { keccak_256 } from '@noble/hashes/sha3.js';
import { bytesToHex, FillPricer, makeSubaccount, reducibleLots, settleFill, spotBalanceCheck } from '../../packages/core/dist/index.js';
import { Accounts } from '../../packages/core/dist/engine/accounts.js';
import { Book, DROP, STOP } from '../../packages/core/dist/engine/book.js';
import { workload as generate } from './workload.mjs';

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
// owners are keccak-derived addresses, as real ones are
const subs = Array.from({ length: SUBS }, (_, i) => makeSubaccount(bytesToHex(keccak_256(new TextEncoder().encode(`bench-${i}`)).slice(12)), 'bench'));
const market = {
  marketId: 3,
  symbol: 'ETH-PERP',
  kind: 'PERP',
  baseAssetId: 0,
  quoteAssetId: 0,
  tickSize,
  lotSize,
  minSize: lotSize,
  makerFee: -(E18 / 10_000n),
  takerFee: E18 / 2000n,
};
const feeSubaccount = makeSubaccount('0x3000000000000000000000000000000000000003', 'fees');

/** The per-maker decision and settlement, as the Engine's Matcher makes them. */
class RiskHook {
  constructor(book, accounts, reduceOnly) {
    this.book = book;
    this.accounts = accounts;
    this.handles = subs.map((s) => accounts.of(s)); // resolved once per subaccount, as the Engine does per order
    this.feeAccount = accounts.of(feeSubaccount);
    this.pricer = new FillPricer(market);
    this.reduceOnly = reduceOnly; // per order id: 1 = reduce-only (none in W1, checked as the Engine does)
    this.takerId = 0;
    this.taker = 0;
    this.takerIsBuy = false;
    this.stop = false;
    this.fills = 0;
  }
  onMaker(slot, makerLots, takerLots, tick) {
    const makerId = this.book.ref(slot);
    const maker = accountOf(makerId, !this.takerIsBuy);
    if (this.handles[maker].owner === this.handles[this.taker].owner) return DROP; // self-trade, CANCEL_MAKER
    let q = makerLots < takerLots ? makerLots : takerLots;
    const a = this.accounts;
    if (this.reduceOnly[makerId] === 1) {
      const r = reducibleLots(a, this.handles[maker], 3, !this.takerIsBuy, lotSize);
      if (r === 0) return DROP;
      if (r < q) q = r;
    }
    if (this.reduceOnly[this.takerId] === 1) {
      const r = reducibleLots(a, this.handles[this.taker], 3, this.takerIsBuy, lotSize);
      if (r === 0) return STOP;
      if (r < q) q = r;
    }
    const fill = this.pricer.propose(this.handles[maker], this.handles[this.taker], this.takerIsBuy, tick, priceOf(tick), q);
    const verdict = spotBalanceCheck(a, fill);
    if (verdict !== null) return verdict.party === 'maker' ? DROP : STOP;
    settleFill(a, fill, this.feeAccount);
    this.fills++;
    return q;
  }
}

// an order carries its X18 price (a field read on the fill path); here each tick's is made up front
let maxTick = 0;
for (let j = 0; j < ops.length; j += 5) if (ops[j + 2] > maxTick) maxTick = ops[j + 2];
const prices = Array.from({ length: maxTick + 1 }, (_, t) => BigInt(t) * tickSize);
const priceOf = (tick) => prices[tick];
const accountOf = (id, isBuy) => (id % 500) + (isBuy ? 0 : 500);

function runOnce(count) {
  const book = new Book(1 << 16);
  const accounts = new Accounts();
  accounts.perps.addMarket(market.marketId, market.quoteAssetId);
  for (const sub of subs) accounts.add(accounts.of(sub), 0, 10n ** 30n);
  const hook = new RiskHook(book, accounts, new Uint8Array(n));
  const slotOf = new Int32Array(n).fill(-1);
  let filled = 0;
  let cancelHits = 0;
  const t0 = performance.now();
  for (let i = 0, j = 0; i < count; i++, j += 5) {
    const id = ops[j + 4];
    if (ops[j] === 0) {
      const isBuy = ops[j + 1] === 0;
      const size = ops[j + 3];
      hook.takerId = id;
      hook.taker = accountOf(id, isBuy);
      hook.takerIsBuy = isBuy;
      const left = book.match(isBuy, ops[j + 2], size, hook);
      filled += size - left;
      if (left > 0) slotOf[id] = book.insert(isBuy, ops[j + 2], left, id);
    } else {
      const slot = slotOf[id];
      if (slot < 0) continue;
      slotOf[id] = -1;
      if (book.ref(slot) !== id) continue; // filled meanwhile
      book.remove(slot);
      cancelHits++;
    }
  }
  return { ms: performance.now() - t0, book, accounts, filled, cancelHits, fills: hook.fills };
}

runOnce(nops); // warm-up: one whole pass, so the per-fill code (bigint paths included) is optimized before timing
const r = runOnce(nops);
let sizeSum = 0n;
let vSum = 0n;
let gross = 0n;
const positions = r.accounts.allPositions();
for (const [, , p] of positions) {
  sizeSum += p.size;
  vSum += p.vQuote;
  gross += p.size < 0n ? -p.size : p.size;
}
if (sizeSum !== 0n || vSum !== 0n) throw new Error(`positions do not net to zero: ${sizeSum}, ${vSum}`);
const vol = (isBuy) => r.book.depth(isBuy, Infinity).reduce((a, [, l]) => a + Number(l), 0);
console.log(
  JSON.stringify({
    engine: 'kestrel-core match+risk (perp, 1,000 subaccounts)',
    maxLife,
    node: process.version,
    ops: nops,
    ms: +r.ms.toFixed(1),
    ops_per_s: Math.round((nops / r.ms) * 1000),
    fills: r.fills,
    filledQty: r.filled,
    cancelHits: r.cancelHits,
    positions: positions.length,
    grossPositionLots: Number(gross / lotSize),
    feesCollected: r.accounts.balanceOf(feeSubaccount, 0).toString(),
    resting: { askLevels: r.book.levelCount(false), askVol: vol(false), bidLevels: r.book.levelCount(true), bidVol: vol(true) },
  }),
);
