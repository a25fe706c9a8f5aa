/**
 * Property tests for perps and the order rules around them, over random input logs: positions
 * conserved (Σ size = Σ vQuote = 0 per market), reduce-only never grows or flips |position|, no
 * taker fill beyond the price band, the open-order cap never exceeded, quote conserved, and
 * snapshot → restore exact at any point. Runs: KESTREL_PROPERTY_RUNS (default 200).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  Engine,
  encodeFlags,
  orderHash,
  type EngineConfig,
  type EngineEvent,
  type EngineInput,
  type EngineSnapshot,
  type Hex,
  type Order,
} from '../../src/index.js';
import { alice, alice2, bob, carol, config, dave, DOMAIN, ETH_PERP, feeAccount, USDC } from './fixtures.js';

const RUNS = Number(process.env.KESTREL_PROPERTY_RUNS ?? 200);
const TRADERS: readonly Hex[] = [alice, alice2, bob, carol, dave];
const CAP = 4;
const BAND_BPS = 5; // 0.05% of 100.00 = 5 ticks
const E18 = 10n ** 18n;
const perp = { ...config.markets.find((m) => m.marketId === ETH_PERP)!, priceBandBps: BAND_BPS };
const cfg: EngineConfig = { ...config, markets: [perp], limits: { maxOpenOrdersPerSubaccount: CAP } };
const MID = 10_000n; // 100.00 in ticks

type Op =
  | { t: 'place'; who: number; buy: boolean; tick: number; lots: number; tif: number; stp: number; ro: boolean; cid: number }
  | { t: 'oracle'; tick: number }
  | { t: 'cancelByClientId'; who: number; cid: number }
  | { t: 'cancelAll'; who: number }
  | { t: 'deposit'; who: number; units: number }
  | { t: 'withdraw'; who: number; units: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 20,
    arbitrary: fc.record({
      t: fc.constant('place' as const),
      who: fc.nat(TRADERS.length - 1),
      buy: fc.boolean(),
      tick: fc.integer({ min: -8, max: 8 }),
      lots: fc.integer({ min: 1, max: 12 }),
      tif: fc.constantFrom(0, 0, 0, 1, 2, 3),
      stp: fc.nat(2),
      ro: fc.boolean(),
      cid: fc.nat(3),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('oracle' as const), tick: fc.integer({ min: -4, max: 4 }) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('cancelByClientId' as const), who: fc.nat(TRADERS.length - 1), cid: fc.nat(4) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('cancelAll' as const), who: fc.nat(TRADERS.length - 1) }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('deposit' as const), who: fc.nat(TRADERS.length - 1), units: fc.nat(300) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('withdraw' as const), who: fc.nat(TRADERS.length - 1), units: fc.nat(300) }) },
);

interface Log {
  inputs: EngineInput[];
  orders: Map<Hex, Order>;
}

function buildLog(ops: readonly Op[]): Log {
  const inputs: EngineInput[] = [{ kind: 'time', timestamp: 1000n }];
  const orders = new Map<Hex, Order>();
  let nonce = 1n;
  let requestId = 0n;
  for (const who of TRADERS) inputs.push({ kind: 'deposit', requestId: ++requestId, subaccount: who, assetId: USDC, amount: 2n * E18 });
  for (const op of ops) {
    switch (op.t) {
      case 'place': {
        const order: Order = {
          subaccount: TRADERS[op.who]!,
          marketId: ETH_PERP,
          isBuy: op.buy,
          price: (MID + BigInt(op.tick)) * perp.tickSize,
          amount: BigInt(op.lots) * perp.lotSize * 100n,
          nonce: nonce++,
          expiry: 0n,
          flags: encodeFlags({ timeInForce: op.tif as 0 | 1 | 2 | 3, selfTrade: op.stp as 0 | 1 | 2, reduceOnly: op.ro }),
          clientId: BigInt(op.cid),
        };
        const hash = orderHash(DOMAIN, order);
        orders.set(hash, order);
        inputs.push({ kind: 'place', order, hash });
        break;
      }
      case 'oracle':
        inputs.push({ kind: 'oracle', marketId: ETH_PERP, price: (MID + BigInt(op.tick)) * perp.tickSize });
        break;
      case 'cancelByClientId':
        inputs.push({ kind: 'cancelByClientId', subaccount: TRADERS[op.who]!, clientIds: [BigInt(op.cid)] });
        break;
      case 'cancelAll':
        inputs.push({ kind: 'cancelAll', subaccount: TRADERS[op.who]!, marketId: 0 });
        break;
      case 'deposit':
      case 'withdraw':
        inputs.push({ kind: op.t, requestId: ++requestId, subaccount: TRADERS[op.who]!, assetId: USDC, amount: BigInt(op.units) * 10n ** 16n });
        break;
    }
  }
  return { inputs, orders };
}

const abs = (v: bigint): bigint => (v < 0n ? -v : v);

/** Applies the log, checking every invariant after each input. */
function runChecked(log: Log): { engine: Engine; events: EngineEvent[][] } {
  const e = new Engine(cfg);
  const size = new Map<Hex, bigint>();
  const vq = new Map<Hex, bigint>();
  let oracle: bigint | undefined;
  let supply = 0n;
  const filledBy = new Map<Hex, bigint>();
  const events: EngineEvent[][] = [];
  for (const [i, input] of log.inputs.entries()) {
    const ev = e.apply(input);
    events.push(ev);
    const where = `input ${i} (${input.kind})`;
    for (const x of ev) {
      if (x.kind === 'oracleUpdated') oracle = x.price;
      else if (x.kind === 'deposited') supply += x.amount;
      else if (x.kind === 'withdrawn') supply -= x.amount;
      else if (x.kind === 'fill') {
        const taker = log.orders.get(x.takerHash)!;
        for (const h of [x.makerHash, x.takerHash]) filledBy.set(h, (filledBy.get(h) ?? 0n) + x.amount);
        if (oracle !== undefined) {
          const ok = taker.isBuy ? x.price * 10_000n <= oracle * BigInt(10_000 + BAND_BPS) : x.price * 10_000n >= oracle * BigInt(10_000 - BAND_BPS);
          expect(ok, `${where}: taker fill at ${x.price} beyond the band around ${oracle}`).toBe(true);
        }
        const buyer = x.takerIsBuy ? x.taker : x.maker;
        const seller = x.takerIsBuy ? x.maker : x.taker;
        for (const [who, d, hash] of [
          [buyer, x.amount, x.takerIsBuy ? x.takerHash : x.makerHash],
          [seller, -x.amount, x.takerIsBuy ? x.makerHash : x.takerHash],
        ] as const) {
          const before = size.get(who) ?? 0n;
          const after = before + d;
          size.set(who, after);
          vq.set(who, (vq.get(who) ?? 0n) - (d > 0n ? x.quote : -x.quote));
          if ((log.orders.get(hash)!.flags & 4) !== 0) {
            expect(abs(after) < abs(before) && before * after >= 0n, `${where}: reduce-only fill took ${before} to ${after}`).toBe(true);
          }
        }
      }
    }
    // the book never rests crossed, and no subaccount holds more than the cap
    const b = e.book(ETH_PERP, 1);
    if (b.bids.length > 0 && b.asks.length > 0) expect(b.bids[0]![0] < b.asks[0]![0], `${where}: crossed`).toBe(true);
    for (const t of TRADERS) expect(e.openOrders(t).length <= CAP, `${where}: open orders above the cap`).toBe(true);
    // positions as the fills say, conserved
    let sSum = 0n;
    let vSum = 0n;
    for (const t of TRADERS) {
      const p = e.position(t, ETH_PERP);
      expect([p.size, p.vQuote], `${where}: position of ${t.slice(0, 10)}`).toEqual([size.get(t) ?? 0n, vq.get(t) ?? 0n]);
      sSum += p.size;
      vSum += p.vQuote;
    }
    expect([sSum, vSum], `${where}: Σ size, Σ vQuote`).toEqual([0n, 0n]);
    // quote conserved, never negative (fees from the balance, borrowing off)
    let total = 0n;
    for (const t of [...TRADERS, feeAccount]) {
      const v = e.balance(t, USDC);
      expect(v >= 0n, `${where}: negative quote for ${t.slice(0, 10)}`).toBe(true);
      total += v;
    }
    expect(total, `${where}: Σ quote = deposits − withdrawals`).toBe(supply);
    // a FOK (reduce-only caps included) fills completely or not at all
    if (input.kind === 'place' && (input.order.flags & 3) === 2) {
      const f = filledBy.get(input.hash) ?? 0n;
      expect(f === 0n || f === input.order.amount, `${where}: FOK filled ${f} of ${input.order.amount}`).toBe(true);
    }
  }
  return { engine: e, events };
}

describe('perp properties', () => {
  it('positions conserved, reduce-only never grows |position|, band and cap hold', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 80, size: 'max' }), (ops) => {
        runChecked(buildLog(ops));
      }),
      { numRuns: RUNS },
    );
  });

  it('snapshot → restore at any point: same hash, same events on the rest of the log', () => {
    fc.assert(
      fc.property(fc.array(opArb, { minLength: 1, maxLength: 60, size: 'max' }), fc.nat(), (ops, cut) => {
        const log = buildLog(ops);
        const k = cut % (log.inputs.length + 1);
        const a = new Engine(cfg);
        for (const input of log.inputs.slice(0, k)) a.apply(input);
        const b = Engine.restore(cfg, JSON.parse(JSON.stringify(a.snapshot())) as EngineSnapshot);
        expect(b.stateHash(), 'hash after restore').toBe(a.stateHash());
        for (const input of log.inputs.slice(k)) expect(b.apply(input)).toEqual(a.apply(input));
        expect(b.stateHash(), 'hash at the end').toBe(a.stateHash());
      }),
      { numRuns: RUNS },
    );
  });
});

describe('perp properties: the generator reaches the cases they are about', () => {
  it('reduce-only fills and cancels, band stops, cap rejections, clientId cancels all occur', () => {
    const seen = new Map<string, number>();
    const bump = (k: string): void => void seen.set(k, (seen.get(k) ?? 0) + 1);
    for (const ops of fc.sample(fc.array(opArb, { maxLength: 80, size: 'max' }), { numRuns: 100, seed: 42 })) {
      const log = buildLog(ops);
      for (const x of runChecked(log).events.flat()) {
        if (x.kind === 'fill' && ((log.orders.get(x.takerHash)!.flags | log.orders.get(x.makerHash)!.flags) & 4) !== 0) bump('reduce-only fill');
        else if (x.kind === 'cancelled') bump(`cancelled ${x.reason}`);
        else if (x.kind === 'rejected') bump(`rejected ${x.code}`);
      }
    }
    for (const k of [
      'reduce-only fill',
      'cancelled REDUCE_ONLY',
      'cancelled PRICE_BAND',
      'rejected TOO_MANY_OPEN_ORDERS',
      'rejected REDUCE_ONLY_WOULD_INCREASE',
      'cancelled USER',
    ]) {
      expect(seen.get(k) ?? 0, `${k} never happened: ${JSON.stringify([...seen])}`).toBeGreaterThan(0);
    }
  });
});
