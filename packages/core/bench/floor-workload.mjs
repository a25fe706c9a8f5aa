// A floor under the whole Engine's W1/W2 figure: the least work its inputs ask for, on the real
// integer Book and DigestMap — each order's price and amount divided onto the grid at the bigint
// boundary, its hash probed for a duplicate among every order ever placed and kept, an accepted,
// fill or cancelled event for what happened, and every fill settled in bigint X18 (quote, maker
// rebate, taker fee, four balances and the fee account) — and nothing else: no field checks, no
// nonces, no open-order counts, no margin for resting orders, no sequence numbers, no change
// tracking for the state commitment.
//
//   node packages/core/bench/floor-workload.mjs --shape=objects|rows [--life=5000] [--n=1000000]
//
// Two shapes of the same work: `objects` keeps a JS object per order and hands events over as
// objects (the Engine's shape); `rows` keeps orders as rows of typed arrays and events as rows
// of one typed array, read by index. The Engine does more than either; neither is an engine.
import { performance } from 'node:perf_hooks';
import { Book } from '../dist/engine/book.js';
import { DigestMap } from '../dist/engine/digest-map.js';
import { E18, arg, buildInputs, buyer, lotSize, makerFee, takerFee, tickSize } from './w-inputs.mjs';

const n = arg('n', 1_000_000);
const maxLife = arg('life', 5000);
const shape = process.argv.find((a) => a.startsWith('--shape='))?.slice(8) ?? 'rows';
if (shape !== 'objects' && shape !== 'rows') throw new Error(`--shape: objects or rows, not ${shape}`);
const inputs = buildInputs(n, maxLife);
const nops = inputs.length;

class Balances {
  quote = 10n ** 40n;
  base = 10n ** 40n;
}

/** Settles one fill of `lots` at the maker's `price` between two accounts; returns the quote. */
function settle(price, amount, takerIsBuy, taker, maker, fees) {
  const quote = (price * amount) / E18;
  const mf = (quote * makerFee) / E18;
  const tf = (quote * takerFee) / E18;
  if (takerIsBuy) {
    taker.quote -= quote + tf;
    taker.base += amount;
    maker.quote += quote - mf;
    maker.base -= amount;
  } else {
    taker.quote += quote - tf;
    taker.base -= amount;
    maker.quote -= quote + mf;
    maker.base += amount;
  }
  fees.quote += tf + mf;
  if (taker.quote < 0n || maker.quote < 0n || taker.base < 0n || maker.base < 0n) throw new Error('underfunded');
}

class OrderObject {
  constructor(hash, order, tick, lots) {
    this.hash = hash;
    this.subaccount = order.subaccount;
    this.isBuy = order.isBuy;
    this.price = order.price;
    this.tick = tick;
    this.lots = lots;
    this.remaining = lots;
    this.slot = -1;
    this.status = 0; // 0 open, 1 filled, 2 cancelled
  }
}

function objectsRun(count) {
  const book = new Book(1 << 16);
  const orders = new DigestMap((r) => r.hash);
  const accounts = new Map([[buyer, new Balances()]]);
  const fees = new Balances();
  let filled = 0n;
  let cancelHits = 0;
  let taker = null;
  let takerAccount = null;
  let events = [];
  const hook = {
    onMaker(slot, makerLots, takerLots) {
      const q = makerLots < takerLots ? makerLots : takerLots;
      const m = book.ref(slot);
      m.remaining -= q;
      if (m.remaining === 0) m.status = 1;
      const amount = BigInt(q) * lotSize;
      settle(m.price, amount, taker.isBuy, takerAccount, accounts.get(m.subaccount) ?? accountOf(m.subaccount), fees);
      events.push({ kind: 'fill', maker: m.hash, taker: taker.hash, price: m.price, amount });
      return q;
    },
  };
  const accountOf = (sub) => {
    const a = new Balances();
    accounts.set(sub, a);
    return a;
  };
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const input = inputs[i];
    events = [];
    if (input.kind === 'place') {
      const o = input.order;
      const ticks = o.price / tickSize;
      const lots = o.amount / lotSize;
      if (ticks * tickSize !== o.price || lots * lotSize !== o.amount) throw new Error('off grid');
      if (orders.has(input.hash)) throw new Error('duplicate');
      const rec = new OrderObject(input.hash, o, Number(ticks), Number(lots));
      orders.set(input.hash, rec);
      events.push({ kind: 'accepted', hash: input.hash, subaccount: o.subaccount });
      taker = rec;
      takerAccount = accounts.get(o.subaccount) ?? accountOf(o.subaccount);
      const left = book.match(o.isBuy, rec.tick, rec.lots, hook);
      rec.remaining = left;
      if (left > 0) rec.slot = book.insert(o.isBuy, rec.tick, left, rec);
      else rec.status = 1;
    } else {
      const h = input.hashes[0];
      const rec = orders.get(h);
      if (rec !== undefined && rec.status === 0 && rec.subaccount === input.subaccount) {
        book.remove(rec.slot);
        rec.status = 2;
        events.push({ kind: 'cancelled', hash: h, remaining: BigInt(rec.remaining) * lotSize });
      }
    }
    for (let k = 0; k < events.length; k++) {
      const x = events[k];
      if (x.kind === 'fill') filled += x.amount;
      else if (x.kind === 'cancelled') cancelHits++;
    }
  }
  return { ms: performance.now() - t0, filled, cancelHits, book };
}

const EV_ACCEPTED = 1;
const EV_FILL = 2;
const EV_CANCELLED = 3;

function rowsRun(count) {
  const book = new Book(1 << 16);
  const orders = new DigestMap(null); // hash → row
  let cap = 1 << 16;
  let tickOf = new Int32Array(cap);
  let remainingOf = new Float64Array(cap);
  let slotOf = new Int32Array(cap);
  let statusOf = new Uint8Array(cap);
  let accountOf = new Int32Array(cap);
  const priceOf = [];
  let rows = 0;
  const grow = () => {
    cap *= 2;
    const widen = (a) => {
      const b = new a.constructor(cap);
      b.set(a);
      return b;
    };
    tickOf = widen(tickOf);
    remainingOf = widen(remainingOf);
    slotOf = widen(slotOf);
    statusOf = widen(statusOf);
    accountOf = widen(accountOf);
  };
  const subaccounts = [];
  const balances = [];
  const accountIds = new Map();
  const accountId = (sub) => {
    let id = accountIds.get(sub);
    if (id === undefined) {
      id = subaccounts.length;
      subaccounts.push(sub);
      balances.push(new Balances());
      accountIds.set(sub, id);
    }
    return id;
  };
  const fees = new Balances();
  // events: [kind, row, other row, lots] per event, read back by index
  let events = new Float64Array(1 << 12);
  let eventCells = 0;
  const push = (kind, row, other, lots) => {
    if (eventCells + 4 > events.length) {
      const b = new Float64Array(events.length * 2);
      b.set(events);
      events = b;
    }
    events[eventCells++] = kind;
    events[eventCells++] = row;
    events[eventCells++] = other;
    events[eventCells++] = lots;
  };
  let filled = 0n;
  let cancelHits = 0;
  let taker = -1;
  let takerIsBuy = false;
  const hook = {
    onMaker(slot, makerLots, takerLots) {
      const q = makerLots < takerLots ? makerLots : takerLots;
      const m = book.ref(slot);
      remainingOf[m] -= q;
      if (remainingOf[m] === 0) statusOf[m] = 1;
      settle(priceOf[m], BigInt(q) * lotSize, takerIsBuy, balances[accountOf[taker]], balances[accountOf[m]], fees);
      push(EV_FILL, m, taker, q);
      return q;
    },
  };
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const input = inputs[i];
    eventCells = 0;
    if (input.kind === 'place') {
      const o = input.order;
      const ticks = o.price / tickSize;
      const lots = o.amount / lotSize;
      if (ticks * tickSize !== o.price || lots * lotSize !== o.amount) throw new Error('off grid');
      if (orders.has(input.hash)) throw new Error('duplicate');
      if (rows === cap) grow();
      const r = rows++;
      const tick = Number(ticks);
      const l = Number(lots);
      tickOf[r] = tick;
      remainingOf[r] = l;
      statusOf[r] = 0;
      accountOf[r] = accountId(o.subaccount);
      priceOf.push(o.price);
      orders.set(input.hash, r);
      push(EV_ACCEPTED, r, -1, l);
      taker = r;
      takerIsBuy = o.isBuy;
      const left = book.match(o.isBuy, tick, l, hook);
      remainingOf[r] = left;
      if (left > 0) slotOf[r] = book.insert(o.isBuy, tick, left, r);
      else statusOf[r] = 1;
    } else {
      const r = orders.get(input.hashes[0]);
      if (r !== undefined && statusOf[r] === 0 && subaccounts[accountOf[r]] === input.subaccount) {
        book.remove(slotOf[r]);
        statusOf[r] = 2;
        push(EV_CANCELLED, r, -1, remainingOf[r]);
      }
    }
    for (let k = 0; k < eventCells; k += 4) {
      if (events[k] === EV_FILL) filled += BigInt(events[k + 3]) * lotSize;
      else if (events[k] === EV_CANCELLED) cancelHits++;
    }
  }
  return { ms: performance.now() - t0, filled, cancelHits, book };
}

const run = shape === 'objects' ? objectsRun : rowsRun;
run(Math.min(nops, 200_000)); // warm-up
const r = run(nops);
let askVol = 0;
let bidVol = 0;
for (const [, lots] of r.book.depth(false, Infinity)) askVol += Number(lots);
for (const [, lots] of r.book.depth(true, Infinity)) bidVol += Number(lots);
console.log(
  JSON.stringify({
    engine: `floor (${shape})`,
    maxLife,
    node: process.version,
    ops: nops,
    ms: +r.ms.toFixed(1),
    ops_per_s: Math.round((nops / r.ms) * 1000),
    filledQty: Number(r.filled / lotSize),
    cancelHits: r.cancelHits,
    resting: { askLevels: r.book.levelCount(false), bidLevels: r.book.levelCount(true), askVol, bidVol },
  }),
);
