/**
 * An order record keeps an order's fields compactly (order-record.ts): what it reads back is the
 * order as placed, field for field and in the declared order, on the grid or off it.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Order } from '../../src/eip712.js';
import { SelfTradeMode, TimeInForce } from '../../src/flags.js';
import type { Hex } from '../../src/hex.js';
import { ExpiryHeap, OrderRecord } from '../../src/engine/order-record.js';
import type { CancelReason, MarketConfig, OrderStatus } from '../../src/engine/types.js';
import { ErrorCode } from '../../src/codes.js';

const RUNS = Number(process.env.KESTREL_PROPERTY_RUNS ?? 200);
const U64 = 2n ** 64n - 1n;
/** An order of subaccount 0x11…, buying 1 lot at 1 tick on market 1, with `fields` over those. */
const anOrder = (fields: Partial<Order>): Order => ({
  subaccount: `0x${'1'.repeat(64)}` as Hex,
  marketId: 1,
  isBuy: true,
  price: 1n,
  amount: 1n,
  nonce: 1n,
  expiry: 0n,
  flags: 0,
  clientId: 0n,
  ...fields,
});
const u64 = fc.oneof(
  fc.constant(0n),
  fc.bigInt({ min: 0n, max: 1000n }),
  fc.bigInt({ min: 2n ** 53n - 4n, max: 2n ** 53n + 4n }),
  fc.bigInt({ min: 0n, max: U64 }),
);
const hex32 = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((b) => `0x${Buffer.from(b).toString('hex')}` as Hex);
const market = fc.record({
  tickSize: fc.bigInt({ min: 1n, max: 10n ** 20n }),
  lotSize: fc.bigInt({ min: 1n, max: 10n ** 20n }),
});
const tif = fc.constantFrom(TimeInForce.GTC, TimeInForce.IOC, TimeInForce.FOK, TimeInForce.POST_ONLY);
const stp = fc.constantFrom(SelfTradeMode.CANCEL_MAKER, SelfTradeMode.CANCEL_TAKER, SelfTradeMode.CANCEL_BOTH);

const configOf = (m: { tickSize: bigint; lotSize: bigint }): MarketConfig =>
  ({ marketId: 7, symbol: 'X/Y', kind: 'SPOT', baseAssetId: 1, quoteAssetId: 0, minSize: 0n, makerFee: 0n, takerFee: 0n, ...m }) as MarketConfig;

const fields = fc.record({
  hash: hex32,
  subaccount: hex32,
  isBuy: fc.boolean(),
  nonce: u64,
  expiry: u64,
  flags: fc.integer({ min: 0, max: 31 }),
  clientId: u64,
  ticks: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  lots: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
  sequence: u64,
  tif,
  stp,
});

describe('order records', () => {
  it('an order on its market grid reads back as placed', () => {
    fc.assert(
      fc.property(fields, market, (f, m) => {
        const config = configOf(m);
        const order: Order = {
          subaccount: f.subaccount,
          marketId: 7,
          isBuy: f.isBuy,
          price: BigInt(f.ticks) * m.tickSize,
          amount: BigInt(f.lots) * m.lotSize,
          nonce: f.nonce,
          expiry: f.expiry,
          flags: f.flags,
          clientId: f.clientId,
        };
        // a string of its own, as an account's would be
        const shared = `${f.subaccount.slice(0, 2)}${f.subaccount.slice(2)}` as Hex;
        const rec = new OrderRecord(f.hash, { ...order }, f.ticks, f.lots, f.tif, f.stp, f.sequence, config, shared);
        expect(rec.order).toEqual(order);
        expect(Object.keys(rec.order)).toEqual(Object.keys(order));
        expect(rec.subaccount).toBe(shared);
        expect([rec.isBuy, rec.marketId, rec.price, rec.amount, rec.nonce, rec.expiry, rec.flags, rec.clientId]).toEqual([
          order.isBuy,
          7,
          order.price,
          order.amount,
          order.nonce,
          order.expiry,
          order.flags,
          order.clientId,
        ]);
        expect([rec.timeInForce, rec.selfTrade, rec.sequence, rec.reduceOnly]).toEqual([f.tif, f.stp, f.sequence, (f.flags & 4) !== 0]);
        // the marks share a word with the side and modes, and leave them alone
        rec.tracked = true;
        rec.touched = true;
        rec.touched = false;
        expect([rec.tracked, rec.touched, rec.isBuy, rec.timeInForce, rec.selfTrade]).toEqual([true, false, f.isBuy, f.tif, f.stp]);
      }),
      { numRuns: RUNS },
    );
  });

  it('an order off the grid is kept whole', () => {
    fc.assert(
      fc.property(fields, fc.bigInt({ min: 0n, max: 2n ** 128n - 1n }), fc.bigInt({ min: 0n, max: 2n ** 128n - 1n }), (f, price, amount) => {
        const order: Order = {
          subaccount: f.subaccount,
          marketId: 9,
          isBuy: f.isBuy,
          price,
          amount,
          nonce: f.nonce,
          expiry: f.expiry,
          flags: f.flags,
          clientId: f.clientId,
        };
        const rec = new OrderRecord(f.hash, order, 0, 0, TimeInForce.GTC, SelfTradeMode.CANCEL_MAKER, 0n, undefined);
        expect(rec.order).toEqual(order);
        expect(rec.order).not.toBe(order);
        expect([rec.price, rec.amount]).toEqual([price, amount]);
      }),
      { numRuns: RUNS },
    );
  });

  it('a rejection and a cancel reason read back under their own names', () => {
    const order = anOrder({});
    const rejected = new OrderRecord(`0x${'2'.repeat(64)}` as Hex, order, 0, 0, TimeInForce.GTC, SelfTradeMode.CANCEL_MAKER, 0n, undefined);
    rejected.reject('EXPIRED' as never);
    expect(rejected.toState(1n)).toMatchObject({ status: 'rejected', rejectCode: 'EXPIRED' });
    expect(rejected.toState(1n).cancelReason).toBeUndefined();
    const cancelled = new OrderRecord(
      `0x${'3'.repeat(64)}` as Hex,
      order,
      1,
      1,
      TimeInForce.GTC,
      SelfTradeMode.CANCEL_MAKER,
      5n,
      configOf({ tickSize: 1n, lotSize: 1n }),
    );
    expect(cancelled.toState(1n)).not.toHaveProperty('cancelReason');
    cancelled.status = 'cancelled';
    cancelled.cancelReason = 'USER';
    expect(cancelled.toState(1n)).toMatchObject({ status: 'cancelled', cancelReason: 'USER', sequence: 5n });
    expect(cancelled.toState(1n)).not.toHaveProperty('rejectCode');
  });

  it('a status reads back as set, and only open ones are open', () => {
    const order = anOrder({ marketId: 7, isBuy: false, price: 3n, amount: 2n, flags: 31 });
    const rec = new OrderRecord(
      `0x${'4'.repeat(64)}` as Hex,
      order,
      3,
      2,
      TimeInForce.POST_ONLY,
      SelfTradeMode.CANCEL_BOTH,
      1n,
      configOf({ tickSize: 1n, lotSize: 1n }),
    );
    expect(rec.status).toBe('open');
    for (const status of ['open', 'partially_filled', 'filled', 'cancelled', 'expired', 'rejected', 'open'] as const) {
      rec.status = status;
      expect([rec.status, rec.isOpen, rec.flags, rec.isBuy, rec.marketId]).toEqual([status, status === 'open' || status === 'partially_filled', 31, false, 7]);
    }
  });

  it('a record is an OrderRecord with its fields its own, the same ones in the same order on the grid and off it', () => {
    const order = anOrder({ subaccount: `0x${'5'.repeat(64)}` as Hex, marketId: 7, price: 10n, amount: 4n, nonce: 3n, expiry: 9n, clientId: 2n });
    const onGrid = new OrderRecord(
      `0x${'6'.repeat(64)}` as Hex,
      order,
      10,
      4,
      TimeInForce.GTC,
      SelfTradeMode.CANCEL_MAKER,
      5n,
      configOf({ tickSize: 1n, lotSize: 1n }),
    );
    const offGrid = new OrderRecord(`0x${'7'.repeat(64)}` as Hex, order, 0, 0, TimeInForce.GTC, SelfTradeMode.CANCEL_MAKER, 0n, undefined);
    for (const rec of [onGrid, offGrid]) {
      expect(rec).toBeInstanceOf(OrderRecord);
      expect(Object.getPrototypeOf(rec)).toBe(OrderRecord.prototype);
    }
    // one shape for every record: the engine's hot paths then see a single kind of object
    expect(Object.keys(offGrid)).toEqual(Object.keys(onGrid));
    expect(Object.keys(onGrid)).toEqual(
      expect.arrayContaining([
        'hash',
        'tick',
        'lots',
        'filledLots',
        'slot',
        'heapIndex',
        'open',
        'prev',
        'next',
        'account',
        'nonceId',
        'subaccount',
        'expiry',
        'clientId',
        'seq',
      ]),
    );
    expect([onGrid.slot, onGrid.heapIndex, onGrid.filledLots, onGrid.remainingLots, onGrid.sequence, onGrid.nonce]).toEqual([-1, -1, 0, 4, 5n, 3n]);
    expect(offGrid.order).toEqual(order);
  });

  it('a reject code or cancel reason reads back beside the status, side and flags, whatever changes after', () => {
    const cancels: CancelReason[] = [
      'USER',
      'IOC_REMAINDER',
      'FOK_UNFILLED',
      'SELF_TRADE',
      'INSUFFICIENT_BALANCE',
      'INSUFFICIENT_MARGIN',
      'NONCE',
      'REDUCE_ONLY',
      'PRICE_BAND',
      'STALE_PRICE',
    ];
    const statuses: OrderStatus[] = ['open', 'partially_filled', 'filled', 'cancelled', 'expired'];
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.values(ErrorCode)),
        fc.constantFrom(...cancels),
        fc.constantFrom(...statuses),
        fc.integer({ min: 0, max: 31 }),
        fc.boolean(),
        tif,
        stp,
        (code, reason, status, flags, isBuy, t, m) => {
          const order: Order = {
            subaccount: `0x${'8'.repeat(64)}` as Hex,
            marketId: 7,
            isBuy,
            price: 5n,
            amount: 3n,
            nonce: 1n,
            expiry: 0n,
            flags,
            clientId: 0n,
          };
          const rec = new OrderRecord(`0x${'9'.repeat(64)}` as Hex, order, 5, 3, t, m, 1n, configOf({ tickSize: 1n, lotSize: 1n }));
          expect([rec.rejectCode, rec.cancelReason]).toEqual([undefined, undefined]);
          rec.reject(code);
          expect([rec.status, rec.rejectCode, rec.cancelReason]).toEqual(['rejected', code, undefined]);
          rec.status = status;
          rec.cancelReason = reason;
          expect([rec.status, rec.rejectCode, rec.cancelReason]).toEqual([status, undefined, reason]);
          rec.touched = true;
          rec.tracked = true;
          expect([rec.cancelReason, rec.flags, rec.isBuy, rec.timeInForce, rec.selfTrade, rec.touched, rec.tracked]).toEqual([
            reason,
            flags,
            isBuy,
            t,
            m,
            true,
            true,
          ]);
          rec.cancelReason = undefined;
          expect([rec.status, rec.cancelReason, rec.flags]).toEqual([status, undefined, flags]);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('the expiry heap orders by (expiry, sequence) whichever way a sequence is kept', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(u64, u64), { minLength: 1, maxLength: 60 }), (items) => {
        const heap = new ExpiryHeap();
        const cfg = configOf({ tickSize: 1n, lotSize: 1n });
        const recs = items.map(([expiry, sequence], i) => {
          const order: Order = {
            subaccount: `0x${'1'.repeat(64)}` as Hex,
            marketId: 7,
            isBuy: true,
            price: 1n,
            amount: 1n,
            nonce: BigInt(i),
            expiry,
            flags: 0,
            clientId: 0n,
          };
          return new OrderRecord(`0x${i.toString(16).padStart(64, '0')}` as Hex, order, 1, 1, TimeInForce.GTC, SelfTradeMode.CANCEL_MAKER, sequence, cfg);
        });
        for (const r of recs) heap.push(r);
        const out: Array<[bigint, bigint]> = [];
        for (let r = heap.peek(); r !== undefined; r = heap.peek()) {
          out.push([r.expiry, r.sequence]);
          heap.remove(r);
        }
        const cmp = (a: bigint, b: bigint): number => (a < b ? -1 : a > b ? 1 : 0);
        const want = items.map(([e, s]) => [e, s] as [bigint, bigint]).sort((a, b) => cmp(a[0], b[0]) || cmp(a[1], b[1]));
        expect(out).toEqual(want);
      }),
      { numRuns: RUNS },
    );
  });
});
