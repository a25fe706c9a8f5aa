import { describe, expect, it } from 'vitest';
import { encodeFlags, Engine, ErrorCode, UINT128_MAX, UINT64_MAX, type Hex, type Order } from '../../src/index.js';
import { alice, bob, BTC, config, ETH_PERP, fundAccount, Harness, rawOrder, x } from './fixtures.js';

interface RejectCase {
  name: string;
  order: Partial<Order>;
  /** overrides the hash (for malformed hashes) */
  hash?: string;
  /** steps before placing */
  setup?: (h: Harness) => void;
  code: ErrorCode;
  /** whether getOrder knows the hash afterwards (MALFORMED input is not recorded) */
  recorded: boolean;
}

const cases: RejectCase[] = [
  { name: 'hash not 32 bytes', order: {}, hash: '0x1234', code: ErrorCode.MALFORMED, recorded: false },
  { name: 'subaccount not 32 bytes', order: { subaccount: '0xa11ce' as Hex }, code: ErrorCode.MALFORMED, recorded: false },
  { name: 'negative amount', order: { amount: -1n }, code: ErrorCode.MALFORMED, recorded: false },
  { name: 'nonce above uint64', order: { nonce: UINT64_MAX + 1n }, code: ErrorCode.MALFORMED, recorded: false },
  { name: 'price not a bigint', order: { price: 100 as unknown as bigint }, code: ErrorCode.MALFORMED, recorded: false },
  { name: 'unknown market', order: { marketId: 99 }, code: ErrorCode.UNKNOWN_MARKET, recorded: true },
  { name: 'market 0', order: { marketId: 0 }, code: ErrorCode.UNKNOWN_MARKET, recorded: true },
  { name: 'unknown flag bit', order: { flags: 1 << 5 }, code: ErrorCode.INVALID_FLAGS, recorded: true },
  { name: 'self-trade mode 3', order: { flags: 3 << 3 }, code: ErrorCode.INVALID_FLAGS, recorded: true },
  { name: 'reduce-only on spot', order: { flags: encodeFlags({ reduceOnly: true }) }, code: ErrorCode.UNSUPPORTED_ORDER_TYPE, recorded: true },
  {
    name: 'reduce-only buy with no position',
    order: { marketId: ETH_PERP, flags: encodeFlags({ reduceOnly: true }) },
    code: ErrorCode.REDUCE_ONLY_WOULD_INCREASE,
    recorded: true,
  },
  {
    name: 'reduce-only buy while long',
    order: { marketId: ETH_PERP, flags: encodeFlags({ reduceOnly: true }) },
    setup: (h) => {
      h.fundAll();
      h.place('ask', bob, 'sell', '100', '1', { market: ETH_PERP });
      h.place('lift', alice, 'buy', '100', '1', { market: ETH_PERP });
    },
    code: ErrorCode.REDUCE_ONLY_WOULD_INCREASE,
    recorded: true,
  },
  {
    name: 'reduce-only sell while short',
    order: { marketId: ETH_PERP, isBuy: false, flags: encodeFlags({ reduceOnly: true, timeInForce: 1 }), expiry: 60n },
    setup: (h) => {
      h.fundAll();
      h.place('bid', bob, 'buy', '100', '1', { market: ETH_PERP });
      h.place('hit', alice, 'sell', '100', '1', { market: ETH_PERP });
    },
    code: ErrorCode.REDUCE_ONLY_WOULD_INCREASE,
    recorded: true,
  },
  { name: 'price zero', order: { price: 0n }, code: ErrorCode.PRICE_OUT_OF_RANGE, recorded: true },
  { name: 'flags not a uint32', order: { flags: 1.5 }, code: ErrorCode.MALFORMED, recorded: false },
  { name: 'negative flags', order: { flags: -1 }, code: ErrorCode.MALFORMED, recorded: false },
  { name: 'price above uint128', order: { price: UINT128_MAX + 1n }, code: ErrorCode.PRICE_OUT_OF_RANGE, recorded: false },
  { name: 'price beyond 2^53 ticks', order: { price: x('100000000000000') }, code: ErrorCode.PRICE_OUT_OF_RANGE, recorded: true },
  { name: 'price off tick', order: { price: x('100.005') }, code: ErrorCode.OFF_TICK, recorded: true },
  { name: 'amount above uint128', order: { amount: UINT128_MAX + 1n }, code: ErrorCode.SIZE_TOO_LARGE, recorded: false },
  { name: 'amount beyond 2^53 lots', order: { amount: x('10000000000000') }, code: ErrorCode.SIZE_TOO_LARGE, recorded: true },
  { name: 'amount off lot', order: { amount: x('1.0005') }, code: ErrorCode.OFF_LOT, recorded: true },
  { name: 'amount zero', order: { amount: 0n }, code: ErrorCode.BELOW_MIN_SIZE, recorded: true },
  { name: 'amount below minSize, on lot', order: { marketId: BTC, price: x('60000'), amount: x('0.0005') }, code: ErrorCode.BELOW_MIN_SIZE, recorded: true },
  {
    name: 'nonce below minNonce',
    order: { nonce: 5n },
    setup: (h) => h.apply({ kind: 'cancelUpTo', requestId: 1n, subaccount: alice, minNonce: 6n }),
    code: ErrorCode.NONCE_USED,
    recorded: true,
  },
  { name: 'expired (now = expiry)', order: { expiry: 1000n }, setup: (h) => h.time(1000n), code: ErrorCode.EXPIRED, recorded: true },
  { name: 'expired (now > expiry)', order: { expiry: 999n }, setup: (h) => h.time(1000n), code: ErrorCode.EXPIRED, recorded: true },
  { name: 'IOC without an expiry', order: { flags: encodeFlags({ timeInForce: 1 }) }, code: ErrorCode.TAKER_EXPIRY, recorded: true },
  {
    name: 'FOK expiring past the taker lifetime',
    order: { flags: encodeFlags({ timeInForce: 2 }), expiry: 1121n },
    setup: (h) => h.time(1000n),
    code: ErrorCode.TAKER_EXPIRY,
    recorded: true,
  },
  { name: 'an order of the insurance fund', order: { subaccount: fundAccount }, code: ErrorCode.PROTECTED_ACCOUNT, recorded: true },
];

describe('order validation rejects', () => {
  it.each(cases)('$name → $code', (c) => {
    const h = new Harness();
    c.setup?.(h);
    const { order, hash: realHash } = rawOrder(c.order);
    const hash = (c.hash ?? realHash) as Hex;
    const before = h.engine.sequence;
    const ev = h.apply({ kind: 'place', order, hash });
    expect(ev, c.name).toEqual([
      { kind: 'rejected', hash: hash.toLowerCase(), code: c.code, subaccount: (order.subaccount as string).toLowerCase(), clientId: order.clientId },
    ]);
    expect(h.engine.sequence, `${c.name}: no sequence used`).toBe(before);
    const state = h.engine.getOrder(hash);
    if (c.recorded) {
      expect(state?.status, c.name).toBe('rejected');
      expect(state?.rejectCode, c.name).toBe(c.code);
    } else expect(state, c.name).toBeUndefined();
    for (const id of [1, 2]) expect(h.engine.book(id, 10), c.name).toEqual({ marketId: id, bids: [], asks: [] });
    // whatever was recorded still hashes and snapshots
    expect(Engine.restore(config, JSON.parse(JSON.stringify(h.engine.snapshot()))).stateHash(), c.name).toBe(h.engine.stateHash());
    expect(h.engine.validate(order, hash), `${c.name}: validate() agrees`).toBe(c.recorded ? ErrorCode.DUPLICATE_ORDER : c.code);
  });

  it('accepts the boundary values next to each reject', () => {
    // enough to back the dearest of them resting: 1 WETH at 2^53 − 1 ticks of 0.01
    const h = new Harness().fund(alice, { USDC: '100000000000000' });
    h.apply({ kind: 'cancelUpTo', requestId: 1n, subaccount: alice, minNonce: 6n });
    h.time(1000n);
    const ok: Array<Partial<Order>> = [
      { nonce: 6n },
      { expiry: 1001n },
      { marketId: BTC, price: x('60000'), amount: x('0.001') },
      { price: x('0.01'), amount: x('0.001') },
      { price: x('90071992547409.91') }, // exactly 2^53 − 1 ticks
    ];
    for (const fields of ok) {
      const { order, hash } = rawOrder(fields);
      expect(
        h.apply({ kind: 'place', order, hash })[0]?.kind,
        JSON.stringify(fields, (_, v) => (typeof v === 'bigint' ? v.toString() : v)),
      ).toBe('accepted');
    }
  });

  it('DUPLICATE_ORDER for any hash seen before, without touching the original', () => {
    const h = new Harness();
    const open = rawOrder({});
    const rejected = rawOrder({ marketId: 99 });
    h.apply({ kind: 'place', ...open });
    h.apply({ kind: 'place', ...rejected });
    for (const [name, o] of [
      ['open order', open],
      ['rejected order', rejected],
    ] as const) {
      const before = h.engine.getOrder(o.hash);
      const ev = h.apply({ kind: 'place', ...o });
      expect(ev, name).toEqual([{ kind: 'rejected', hash: o.hash, code: ErrorCode.DUPLICATE_ORDER, subaccount: alice, clientId: 0n }]);
      expect(h.engine.getOrder(o.hash), name).toEqual(before);
    }
    // upper-case spelling of the same hash is the same order
    const ev = h.apply({ kind: 'place', order: open.order, hash: open.hash.toUpperCase().replace('0X', '0x') as Hex });
    expect(ev[0]).toMatchObject({ kind: 'rejected', code: ErrorCode.DUPLICATE_ORDER });
  });

  it('an IOC of an unknown subaccount is accepted (balances are checked at fill time); a GTC that would rest is not', () => {
    const h = new Harness();
    const ioc = rawOrder({ flags: 1, expiry: 60n });
    expect(h.apply({ kind: 'place', ...ioc })[0]?.kind).toBe('accepted');
    const gtc = rawOrder({});
    expect(h.apply({ kind: 'place', ...gtc })[0]).toMatchObject({ kind: 'rejected', code: ErrorCode.INSUFFICIENT_BALANCE });
  });
});

describe('malformed non-order inputs throw before changing anything', () => {
  const bad: Array<[string, unknown]> = [
    ['unknown kind', { kind: 'nope' }],
    ['negative timestamp', { kind: 'time', timestamp: -1n }],
    ['numeric timestamp', { kind: 'time', timestamp: 5 }],
    ['bad subaccount', { kind: 'cancelAll', subaccount: '0x12', marketId: 0 }],
    ['deposit of an unknown asset', { kind: 'deposit', requestId: 1n, subaccount: alice, assetId: 9, amount: 1n }],
    ['negative deposit', { kind: 'deposit', requestId: 1n, subaccount: alice, assetId: 0, amount: -1n }],
    ['minNonce above uint64', { kind: 'cancelUpTo', requestId: 1n, subaccount: alice, minNonce: UINT64_MAX + 1n }],
  ];
  it.each(bad)('%s', (_name, input) => {
    const h = new Harness().fundAll();
    const before = h.engine.stateHash();
    expect(() => h.engine.apply(input as never)).toThrow();
    expect(h.engine.stateHash()).toBe(before);
  });
});
