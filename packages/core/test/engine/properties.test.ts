/**
 * Property tests over random input logs: invariants of matching and accounting, determinism,
 * snapshot round trips, and a model-based comparison with a deliberately simple reference book.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  Engine,
  encodeFlags,
  orderHash,
  subaccountOwner,
  type EngineEvent,
  type EngineInput,
  type EngineSnapshot,
  type Hex,
  type Order,
} from '../../src/index.js';
import { alice, alice2, bob, brief, carol, config, dave, DOMAIN, ETH, feeAccount, USDC, WBTC, WETH } from './fixtures.js';
import { ReferenceBook, type RefOrder } from './reference-book.js';

const RUNS = Number(process.env.KESTREL_PROPERTY_RUNS ?? 200);
const TRADERS: readonly Hex[] = [alice, alice2, bob, carol, dave];
const TIFS = ['GTC', 'IOC', 'FOK', 'POST_ONLY'] as const;
const STPS = ['CANCEL_MAKER', 'CANCEL_TAKER', 'CANCEL_BOTH'] as const;
const ASSETS = [USDC, WETH, WBTC] as const;
const E18 = 10n ** 18n;

type Op =
  | { t: 'place'; who: number; market: 0 | 1; buy: boolean; tick: number; lots: number; tif: number; stp: number; life: number }
  | { t: 'cancel'; pick: number; byOwner: boolean }
  | { t: 'cancelAll'; who: number; market: number }
  | { t: 'cancelUpTo'; who: number; back: number }
  | { t: 'time'; dt: number }
  | { t: 'deposit'; who: number; asset: number; units: number }
  | { t: 'withdraw'; who: number; asset: number; units: number };

const placeArb = (opts: { expiry: boolean }): fc.Arbitrary<Op> =>
  fc.record({
    t: fc.constant('place' as const),
    who: fc.integer({ min: 0, max: TRADERS.length - 1 }),
    market: fc.constantFrom(0 as const, 0 as const, 1 as const),
    buy: fc.boolean(),
    tick: fc.integer({ min: -3, max: 3 }),
    lots: fc.integer({ min: 1, max: 12 }),
    tif: fc.constantFrom(0, 0, 0, 1, 2, 3), // GTC half the time so that books fill up
    stp: fc.integer({ min: 0, max: 2 }),
    life: opts.expiry ? fc.oneof({ weight: 3, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.integer({ min: 1, max: 6 }) }) : fc.constant(0),
  });

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 20, arbitrary: placeArb({ expiry: true }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('cancel' as const), pick: fc.nat(), byOwner: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('cancelAll' as const), who: fc.nat(4), market: fc.nat(2) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('cancelUpTo' as const), who: fc.nat(4), back: fc.nat(40) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('time' as const), dt: fc.nat(3) }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('deposit' as const), who: fc.nat(4), asset: fc.nat(2), units: fc.nat(3000) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('withdraw' as const), who: fc.nat(4), asset: fc.nat(2), units: fc.nat(3000) }) },
);

const MARKETS = [config.markets[0]!, config.markets[1]!];
const MID = [10_000n, 60_000n]; // ticks: ETH 100.00 (tick 0.01), BTC 60000 (tick 1)
const UNIT = [10n ** 17n, 10n ** 17n, 10n ** 14n]; // deposit unit per asset: 0.1 USDC, 0.1 WETH, 0.0001 WBTC

interface Log {
  inputs: EngineInput[];
  /** short labels for order hashes, for readable failures */
  labels: Map<Hex, string>;
  orders: Map<Hex, Order>;
}

/** Turns generated ops into engine inputs, deterministically. */
function buildLog(ops: readonly Op[], seedDeposits: boolean): Log {
  const inputs: EngineInput[] = [];
  const labels = new Map<Hex, string>();
  const orders = new Map<Hex, Order>();
  const placed: Hex[] = [];
  let nonce = 1n;
  let now = 1000n;
  let requestId = 0n;
  inputs.push({ kind: 'time', timestamp: now });
  if (seedDeposits) {
    for (const who of TRADERS) {
      for (const asset of ASSETS) inputs.push({ kind: 'deposit', requestId: ++requestId, subaccount: who, assetId: asset, amount: 1_000_000n * E18 });
    }
  }
  for (const op of ops) {
    switch (op.t) {
      case 'place': {
        const m = MARKETS[op.market]!;
        const order: Order = {
          subaccount: TRADERS[op.who]!,
          marketId: m.marketId,
          isBuy: op.buy,
          price: (MID[op.market]! + BigInt(op.tick)) * m.tickSize,
          amount: BigInt(op.lots) * (op.market === 0 ? m.lotSize : m.minSize),
          nonce: nonce++,
          // an IOC or FOK always carries a short expiry (the chain's MAX_TAKER_LIFETIME)
          expiry: op.life !== 0 ? now + BigInt(op.life) : op.tif === 1 || op.tif === 2 ? now + 60n : 0n,
          flags: encodeFlags({ timeInForce: op.tif as 0 | 1 | 2 | 3, selfTrade: op.stp as 0 | 1 | 2 }),
          clientId: 0n,
        };
        const hash = orderHash(DOMAIN, order);
        labels.set(hash, `o${placed.length}`);
        orders.set(hash, order);
        placed.push(hash);
        inputs.push({ kind: 'place', order, hash });
        break;
      }
      case 'cancel': {
        if (placed.length === 0) break;
        const hash = placed[op.pick % placed.length]!;
        const who = op.byOwner ? orders.get(hash)!.subaccount : TRADERS[op.pick % TRADERS.length]!;
        inputs.push({ kind: 'cancel', subaccount: who, hashes: [hash] });
        break;
      }
      case 'cancelAll':
        inputs.push({ kind: 'cancelAll', subaccount: TRADERS[op.who]!, marketId: op.market });
        break;
      case 'cancelUpTo':
        inputs.push({
          kind: 'cancelUpTo',
          requestId: ++requestId,
          subaccount: TRADERS[op.who]!,
          minNonce: nonce > BigInt(op.back) ? nonce - BigInt(op.back) : 0n,
        });
        break;
      case 'time':
        now += BigInt(op.dt);
        inputs.push({ kind: 'time', timestamp: now });
        break;
      case 'deposit':
      case 'withdraw':
        inputs.push({
          kind: op.t,
          requestId: ++requestId,
          subaccount: TRADERS[op.who]!,
          assetId: ASSETS[op.asset]!,
          amount: BigInt(op.units) * UNIT[op.asset]!,
        });
        break;
    }
  }
  return { inputs, labels, orders };
}

function run(engine: Engine, inputs: readonly EngineInput[], check?: (e: Engine, i: number) => void): EngineEvent[][] {
  return inputs.map((input, i) => {
    const ev = engine.apply(input);
    check?.(engine, i);
    return ev;
  });
}

function assertNotCrossed(e: Engine, where: string): void {
  for (const m of MARKETS) {
    const b = e.book(m.marketId, 1);
    if (b.bids.length > 0 && b.asks.length > 0) {
      expect(b.bids[0]![0] < b.asks[0]![0], `${where}: market ${m.marketId} crossed at rest`).toBe(true);
    }
  }
}

/** All invariants that hold for any log, checked from the events and the final state. */
function assertInvariants(e: Engine, log: Log, events: EngineEvent[][]): void {
  const flat = events.flat();
  const filled = new Map<Hex, bigint>();
  const closedLeft = new Map<Hex, bigint>();
  const accepted = new Set<Hex>();
  const supply = new Map<number, bigint>();
  const add = (a: number, v: bigint): void => void supply.set(a, (supply.get(a) ?? 0n) + v);
  for (const ev of flat) {
    switch (ev.kind) {
      case 'accepted':
        accepted.add(ev.hash);
        break;
      case 'fill': {
        const maker = log.orders.get(ev.makerHash)!;
        const taker = log.orders.get(ev.takerHash)!;
        const name = `fill ${log.labels.get(ev.makerHash)}<-${log.labels.get(ev.takerHash)}`;
        expect(ev.price, `${name}: fill price is the maker's`).toBe(maker.price);
        expect(taker.isBuy ? ev.price <= taker.price : ev.price >= taker.price, `${name}: worse than the taker's limit`).toBe(true);
        expect(maker.isBuy, `${name}: maker and taker on the same side`).toBe(!taker.isBuy);
        expect(subaccountOwner(maker.subaccount) !== subaccountOwner(taker.subaccount), `${name}: self-trade filled`).toBe(true);
        expect(ev.amount > 0n, `${name}: empty fill`).toBe(true);
        for (const h of [ev.makerHash, ev.takerHash]) filled.set(h, (filled.get(h) ?? 0n) + ev.amount);
        break;
      }
      case 'cancelled':
        closedLeft.set(ev.hash, ev.remaining);
        break;
      case 'expired': {
        const o = log.orders.get(ev.hash)!;
        closedLeft.set(ev.hash, o.amount - (filled.get(ev.hash) ?? 0n));
        break;
      }
      case 'deposited':
        add(ev.assetId, ev.amount);
        break;
      case 'withdrawn':
        add(ev.assetId, -ev.amount);
        break;
      default:
    }
  }
  const resting = new Map<Hex, bigint>();
  for (const who of TRADERS) for (const o of e.openOrders(who)) resting.set(o.hash, o.order.amount - o.filled);
  const restingTotal = [0n, 0n];
  for (const hash of accepted) {
    const o = log.orders.get(hash)!;
    const name = `order ${log.labels.get(hash)}`;
    const f = filled.get(hash) ?? 0n;
    const state = e.getOrder(hash)!;
    expect(state.filled, `${name}: filled per events vs state`).toBe(f);
    expect(f <= o.amount, `${name}: overfilled`).toBe(true);
    expect(o.amount, `${name}: placed = filled + resting + cancelled/expired`).toBe(f + (resting.get(hash) ?? 0n) + (closedLeft.get(hash) ?? 0n));
    if ((o.flags & 3) === 2) expect(f === 0n || f === o.amount, `${name}: FOK filled partially`).toBe(true);
    if (resting.has(hash)) {
      const idx = o.marketId === ETH ? 0 : 1;
      restingTotal[idx] = restingTotal[idx]! + resting.get(hash)!;
    }
  }
  // the book holds exactly the open orders
  for (const [idx, m] of MARKETS.entries()) {
    const b = e.book(m.marketId, 1000);
    const sum = [...b.bids, ...b.asks].reduce((s, [, a]) => s + a, 0n);
    expect(sum, `market ${m.marketId}: book volume vs open orders`).toBe(restingTotal[idx]);
  }
  // money is conserved per asset and nobody goes negative in spot
  for (const asset of ASSETS) {
    let total = 0n;
    for (const who of [...TRADERS, feeAccount]) {
      const v = e.balance(who, asset);
      expect(v >= 0n, `asset ${asset}: negative balance for ${who}`).toBe(true);
      total += v;
    }
    expect(total, `asset ${asset}: Σ balances = deposits − withdrawals`).toBe(supply.get(asset) ?? 0n);
  }
}

describe('engine properties', () => {
  it('invariants: never crossed, quantity and money conserved, fills within limits', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 80, size: 'max' }), fc.boolean(), (ops, rich) => {
        const log = buildLog(ops, rich);
        const e = new Engine(config);
        const events = run(e, log.inputs, (eng, i) => assertNotCrossed(eng, `after input ${i}`));
        assertInvariants(e, log, events);
      }),
      { numRuns: RUNS },
    );
  });

  it('determinism: replaying the log gives the same events and state hash', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 60, size: 'max' }), fc.boolean(), (ops, rich) => {
        const log = buildLog(ops, rich);
        const a = new Engine(config);
        const b = new Engine(config);
        expect(run(b, log.inputs)).toEqual(run(a, log.inputs));
        expect(b.stateHash()).toBe(a.stateHash());
      }),
      { numRuns: RUNS },
    );
  });

  it('snapshot → restore at any point: same hash, same events on the rest of the log', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 60, size: 'max' }), fc.boolean(), fc.nat(), (ops, rich, cut) => {
        const log = buildLog(ops, rich);
        const k = cut % (log.inputs.length + 1);
        const a = new Engine(config);
        run(a, log.inputs.slice(0, k));
        const snap = JSON.parse(JSON.stringify(a.snapshot())) as EngineSnapshot;
        const b = Engine.restore(config, snap);
        expect(b.stateHash(), 'hash after restore').toBe(a.stateHash());
        const rest = log.inputs.slice(k);
        expect(run(b, rest)).toEqual(run(a, rest));
        expect(b.stateHash(), 'hash at the end').toBe(a.stateHash());
      }),
      { numRuns: RUNS },
    );
  });

  it('FOK is all or nothing, and a killed FOK changes nothing but itself', () => {
    const funding = fc.array(fc.record({ t: fc.constant('deposit' as const), who: fc.nat(4), asset: fc.nat(1), units: fc.nat(400) }), {
      minLength: 5,
      maxLength: 15,
    });
    const makers = fc.array(
      placeArb({ expiry: false }).map((o) => ({ ...o, market: 0 as const, tif: 0 })),
      { minLength: 5, maxLength: 30 },
    );
    const fok = placeArb({ expiry: false }).map((o) => ({ ...o, market: 0 as const, tif: 2 }));
    fc.assert(
      fc.property(funding, makers, fc.array(fok, { minLength: 1, maxLength: 8 }), (f, m, k) => {
        const log = buildLog([...f, ...m, ...k], false);
        const e = new Engine(config);
        for (const input of log.inputs) {
          const before =
            input.kind === 'place' && (input.order.flags & 3) === 2 ? { book: e.book(ETH, 100), balances: TRADERS.map((t) => e.balances(t)) } : null;
          const ev = e.apply(input);
          if (before === null || input.kind !== 'place') continue;
          const name = log.labels.get(input.hash);
          const filled = e.getOrder(input.hash)!.filled;
          if (filled === 0n) {
            expect(
              ev.map((x) => x.kind),
              `${name}: killed FOK events`,
            ).toEqual(['accepted', 'cancelled']);
            expect(e.book(ETH, 100), `${name}: killed FOK touched the book`).toEqual(before.book);
            expect(
              TRADERS.map((t) => e.balances(t)),
              `${name}: killed FOK moved money`,
            ).toEqual(before.balances);
          } else expect(filled, `${name}: FOK filled partially`).toBe(input.order.amount);
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('model-based: price-time priority, TIF and self-trade agree with a simple reference book', () => {
    const modelOp = fc.oneof(
      { weight: 8, arbitrary: placeArb({ expiry: false }) },
      { weight: 2, arbitrary: fc.record({ t: fc.constant('cancel' as const), pick: fc.nat(), byOwner: fc.constant(true) }) },
    );
    fc.assert(
      fc.property(fc.array(modelOp, { maxLength: 80, size: 'max' }), (ops) => {
        const log = buildLog(ops, true);
        const e = new Engine(config);
        const refs = [new ReferenceBook(), new ReferenceBook()];
        const name = (h: Hex): string => log.labels.get(h) ?? h.slice(0, 10);
        for (const [i, input] of log.inputs.entries()) {
          const got = brief(e.apply(input), name).filter((s) => !s.startsWith('deposited'));
          let want: string[] = [];
          if (input.kind === 'place') {
            const o = input.order;
            const ref: RefOrder = {
              id: name(input.hash),
              owner: subaccountOwner(o.subaccount),
              isBuy: o.isBuy,
              price: o.price,
              amount: o.amount,
              tif: TIFS[o.flags & 3]!,
              stp: STPS[(o.flags >> 3) & 3]!,
            };
            want = refs[o.marketId === ETH ? 0 : 1]!.place(ref);
          } else if (input.kind === 'cancel') {
            const h = input.hashes[0]!;
            const o = log.orders.get(h)!;
            want = refs[o.marketId === ETH ? 0 : 1]!.cancel(name(h));
            // the engine answers a cancel of a closed order with cancelRejected; the reference says nothing
            if (want.length === 0) want = [`cancelRejected ${name(h)} ORDER_NOT_OPEN`];
          }
          expect(got, `input ${i} (${input.kind})`).toEqual(want);
        }
        for (const [idx, m] of MARKETS.entries()) {
          const b = e.book(m.marketId, 1000);
          const fmt = ([p, a]: [bigint, bigint]): string => `${fmtX(p)} x ${fmtX(a)}`;
          expect(b.bids.map(fmt), `market ${m.marketId} bids`).toEqual(refs[idx]!.levels(true));
          expect(b.asks.map(fmt), `market ${m.marketId} asks`).toEqual(refs[idx]!.levels(false));
        }
      }),
      { numRuns: RUNS },
    );
  });
});

function fmtX(v: bigint): string {
  const i = v / E18;
  const f = (v % E18).toString().padStart(18, '0').replace(/0+$/, '');
  return f ? `${i}.${f}` : `${i}`;
}
