/**
 * Resting orders are backed by margin (spec/risk.md, "Resting orders"): an order rests only if
 * its account could bear all its open orders filled at their limits; open-order caps per
 * subaccount and per owner.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Engine, ErrorCode, initialHealth, makeSubaccount, type EngineConfig, type Hex, type Portfolio } from '../../src/index.js';
import { alice, bob, config, ETH, ETH_PERP, Harness, marginConfig, order, owners, USDC, WBTC, WETH, x } from './fixtures.js';

const RUNS = Number(process.env.KESTREL_PROPERTY_RUNS ?? 200);
const E18 = 10n ** 18n;

function priced(cfg: EngineConfig = marginConfig, price = '2000'): Harness {
  const h = new Harness({}, cfg);
  h.apply({ kind: 'oracle', marketId: ETH, price: x(price) });
  h.apply({ kind: 'oracle', marketId: ETH_PERP, price: x(price) });
  return h;
}

type Funds = Partial<Record<'USDC' | 'WETH' | 'WBTC', string>>;

interface RefusalCase {
  name: string;
  margin: boolean;
  funds: Funds;
  market: number;
  side: 'buy' | 'sell';
  price: string;
  amount: string;
  tif?: 'GTC' | 'POST_ONLY';
  code: ErrorCode;
}

const refusals: RefusalCase[] = [
  {
    name: 'unfunded spot bid, balance rule',
    margin: false,
    funds: {},
    market: ETH,
    side: 'buy',
    price: '100',
    amount: '1',
    code: ErrorCode.INSUFFICIENT_BALANCE,
  },
  {
    name: 'unfunded spot ask, balance rule',
    margin: false,
    funds: {},
    market: ETH,
    side: 'sell',
    price: '100',
    amount: '1',
    code: ErrorCode.INSUFFICIENT_BALANCE,
  },
  {
    name: 'unfunded perp bid, balance rule (its fee)',
    margin: false,
    funds: {},
    market: ETH_PERP,
    side: 'buy',
    price: '100',
    amount: '1',
    tif: 'POST_ONLY',
    code: ErrorCode.INSUFFICIENT_BALANCE,
  },
  {
    name: 'spot bid short of quote, taker fee and the rounding allowance (a wei per lot)',
    margin: false,
    funds: { USDC: '100.05' },
    market: ETH,
    side: 'buy',
    price: '100',
    amount: '1',
    code: ErrorCode.INSUFFICIENT_BALANCE,
  },
  {
    name: 'spot ask beyond the base held',
    margin: false,
    funds: { WETH: '0.999' },
    market: ETH,
    side: 'sell',
    price: '100',
    amount: '1',
    code: ErrorCode.INSUFFICIENT_BALANCE,
  },
  { name: 'unfunded spot bid, margin', margin: true, funds: {}, market: ETH, side: 'buy', price: '2000', amount: '1', code: ErrorCode.INSUFFICIENT_MARGIN },
  { name: 'unfunded spot ask, margin', margin: true, funds: {}, market: ETH, side: 'sell', price: '2000', amount: '1', code: ErrorCode.INSUFFICIENT_MARGIN },
  {
    name: 'unfunded perp bid, margin',
    margin: true,
    funds: {},
    market: ETH_PERP,
    side: 'buy',
    price: '2000',
    amount: '1',
    code: ErrorCode.INSUFFICIENT_MARGIN,
  },
  {
    name: 'unfunded perp ask, margin, post-only',
    margin: true,
    funds: {},
    market: ETH_PERP,
    side: 'sell',
    price: '2000',
    amount: '1',
    tif: 'POST_ONLY',
    code: ErrorCode.INSUFFICIENT_MARGIN,
  },
  {
    name: 'a 1,000,000 WETH bid from an account worth 750,000 USDC',
    margin: true,
    funds: { USDC: '750000' },
    market: ETH,
    side: 'buy',
    price: '2000',
    amount: '1000000',
    code: ErrorCode.INSUFFICIENT_MARGIN,
  },
  {
    name: 'a perp bid beyond 10x leverage',
    margin: true,
    funds: { USDC: '1000' },
    market: ETH_PERP,
    side: 'buy',
    price: '2000',
    amount: '5',
    code: ErrorCode.INSUFFICIENT_MARGIN,
  },
];

describe('resting orders are backed', () => {
  it.each(refusals)('$name is rejected with its code, and changes nothing', (c) => {
    const h = c.margin ? priced() : new Harness();
    h.fund(alice, c.funds);
    const before = h.engine.stateHash();
    const o = order(alice, c.side, c.price, c.amount, { market: c.market, tif: c.tif ?? 'GTC' });
    expect(h.engine.validate(o.order, o.hash), c.name).toBe(c.code);
    expect(h.engine.validate(o.order, o.hash), c.name).toBe(c.code); // validating changes nothing
    expect(h.engine.stateHash(), c.name).toBe(before);
    const ev = h.apply({ kind: 'place', ...o });
    expect(ev, c.name).toEqual([{ kind: 'rejected', hash: o.hash, code: c.code, subaccount: alice, clientId: 0n }]);
    expect(h.engine.openOrders(alice), c.name).toEqual([]);
    expect(h.engine.book(c.market, 5), c.name).toEqual({ marketId: c.market, bids: [], asks: [] });
    expect(h.engine.getOrder(o.hash)?.rejectCode, c.name).toBe(c.code);
  });

  it('rests exactly what the balance backs: quote + taker fee + a wei per lot', () => {
    // 2 WETH at 100 in lots of 0.001: 200 + 0.1 + 2,000 wei
    const h = new Harness().fund(alice, { USDC: '200.100000000000002' });
    h.place('B1', alice, 'buy', '100', '1');
    h.place('B2', alice, 'buy', '100', '1');
    h.place('B3', alice, 'buy', '0.01', '0.001');
    expect(h.brief()).toEqual(['rejected B3 INSUFFICIENT_BALANCE']);
    expect(h.engine.openOrders(alice).length).toBe(2);
    // a cancel frees what it held
    h.apply({ kind: 'cancel', subaccount: alice, hashes: [h.hashOf('B2')] });
    h.place('B4', alice, 'buy', '50', '1');
    expect(h.brief()).toEqual(['accepted B4']);
  });

  it('a remainder the account cannot back is cancelled after it traded', () => {
    const h = priced().fund(alice, { USDC: '500' }).fund(bob, { USDC: '100000' });
    h.place('S', bob, 'sell', '2000', '1', { market: ETH_PERP });
    // 1 ETH fills (requirement 200, fee 1); 2 more resting would need 600 in all
    h.place('B', alice, 'buy', '2000', '3', { market: ETH_PERP });
    expect(h.brief()).toEqual(['accepted B', 'fill S<-B 1@2000', 'cancelled B INSUFFICIENT_MARGIN 2']);
    expect(h.engine.getOrder(h.hashOf('B'))).toMatchObject({ status: 'cancelled', cancelReason: 'INSUFFICIENT_MARGIN', filled: x('1') });
  });

  it('fills free what they held, and the totals follow them (and a restore)', () => {
    const h = new Harness().fund(alice, { WETH: '1' }).fund(bob, { USDC: '1000' });
    h.place('S1', alice, 'sell', '100', '1');
    h.place('S2', alice, 'sell', '100', '0.001');
    expect(h.brief()).toEqual(['rejected S2 INSUFFICIENT_BALANCE']);
    h.place('T', bob, 'buy', '100', '0.4', { tif: 'IOC' });
    expect(h.brief()).toEqual(['accepted T', 'fill S1<-T 0.4@100']);
    // 0.6 left on the book against 0.6 WETH: still nothing more rests
    h.place('S3', alice, 'sell', '100', '0.001');
    expect(h.brief()).toEqual(['rejected S3 INSUFFICIENT_BALANCE']);
    const copy = Engine.restore(config, h.engine.snapshot());
    h.fund(alice, { WETH: '0.1' });
    copy.apply({ kind: 'deposit', requestId: 99n, subaccount: alice, assetId: WETH, amount: x('0.1') });
    for (const [name, e] of [
      ['original', h.engine],
      ['restored', copy],
    ] as const) {
      const big = order(alice, 'sell', '100', '0.101', { nonce: 1n });
      const fits = order(alice, 'sell', '100', '0.1', { nonce: 2n });
      expect(e.validate(big.order, big.hash), name).toBe(ErrorCode.INSUFFICIENT_BALANCE);
      expect(e.validate(fits.order, fits.hash), name).toBeNull();
    }
  });

  it('a crossing order trades first and only its remainder is judged', () => {
    const h = new Harness().fund(alice, { USDC: '100.06' }).fund(bob, { WETH: '1' });
    h.place('S', bob, 'sell', '100', '1');
    // 2 WETH at 100 could not rest, but 1 fills and the other is refused as a remainder
    h.place('B', alice, 'buy', '100', '2');
    expect(h.brief()).toEqual(['accepted B', 'fill S<-B 1@100', 'cancelled B INSUFFICIENT_BALANCE 1']);
  });

  it('is off with allowBorrow (tests of the accounting alone)', () => {
    const h = new Harness({ allowBorrow: true });
    h.place('B', alice, 'buy', '100', '1');
    expect(h.brief()).toEqual(['accepted B']);
  });
});

describe('hedges offset', () => {
  // the same equity, 20,000: ten WETH, or 20,000 USDC; a 100 ETH-PERP short at 2,000 (200,000 of notional)
  const cases: Array<[string, Funds, 'buy' | 'sell', 'accepted' | 'rejected']> = [
    // net −180,000 → 18,000 shock + 0.02·40,000 basis = 18,800 ≤ 20,000 − 100 fee
    ['a perp short rests against spot WETH held', { WETH: '10' }, 'sell', 'accepted'],
    // net −200,000 → 20,000 > 19,900
    ['the same short without the spot does not', { USDC: '20000' }, 'sell', 'rejected'],
    // net +220,000 → 22,000: spot and perp long add up
    ['a perp long on top of the spot does not', { WETH: '10' }, 'buy', 'rejected'],
  ];
  it.each(cases)('%s', (name, funds, side, outcome) => {
    const h = priced().fund(alice, funds);
    h.place('P', alice, side, '2000', '100', { market: ETH_PERP });
    expect(h.lastEvents[0]?.kind, name).toBe(outcome);
  });

  it('bids and asks of one market count as the worse side, not their sum', () => {
    const h = priced().fund(alice, { USDC: '20000' });
    h.place('B', alice, 'buy', '1990', '90', { market: ETH_PERP });
    h.place('S', alice, 'sell', '2010', '90', { market: ETH_PERP });
    expect(h.engine.openOrders(alice).length).toBe(2);
  });

  it('an account in the red rests nothing, even an order that would reduce its risk', () => {
    const h = priced().fund(alice, { USDC: '500' }).fund(bob, { USDC: '100000' });
    h.place('S', bob, 'sell', '2000', '2', { market: ETH_PERP });
    h.place('B', alice, 'buy', '2000', '2', { market: ETH_PERP, tif: 'IOC' });
    h.apply({ kind: 'oracle', marketId: ETH_PERP, price: x('1900') });
    expect(h.engine.initialHealth(alice)!).toBeLessThan(0n);
    h.place('R', alice, 'sell', '2100', '1', { market: ETH_PERP });
    expect(h.brief()).toEqual(['rejected R INSUFFICIENT_MARGIN']);
  });
});

describe('the worked example of spec/risk.md', () => {
  it('rests a bid of 25 beside a two-sided quote, refuses a bid of 5 and rests a bid of 4', () => {
    // the devnet ETH group: shock 10%, basis 0.3%, uPnL at half, fees 1 bp / 5 bp
    const cfg: EngineConfig = {
      ...marginConfig,
      markets: marginConfig.markets.map((m) => (m.marketId === ETH_PERP ? { ...m, makerFee: x('0.0001'), takerFee: x('0.0005') } : m)),
      risk: { groups: [{ groupId: 1, shockIM: x('0.1'), basisIM: x('0.003') }], pnlWeight: x('0.5') },
    };
    const h = priced(cfg).fund(alice, { USDC: '10000' });
    const P = { market: ETH_PERP } as const;
    h.place('B20', alice, 'buy', '1990', '20', P);
    h.place('S20', alice, 'sell', '2010', '20', P);
    h.place('B25', alice, 'buy', '1980', '25', P); // worst vertex: 955.225
    h.place('B5', alice, 'buy', '1985', '5', P); // would be −49.75
    h.place('B4', alice, 'buy', '1985', '4', P); // 151.245
    expect(h.brief(h.events.filter((e) => e.kind === 'accepted' || e.kind === 'rejected'))).toEqual([
      'accepted B20',
      'accepted S20',
      'accepted B25',
      'rejected B5 INSUFFICIENT_MARGIN',
      'accepted B4',
    ]);
  });

  it('counts no gain from a limit better than the index: an empty account rests no bid below it', () => {
    const h = priced();
    h.place('B', alice, 'buy', '1', '1000000');
    h.place('S', alice, 'sell', '1000000', '1', { market: ETH_PERP });
    expect(h.brief(h.events.filter((e) => e.kind === 'rejected'))).toEqual(['rejected B INSUFFICIENT_MARGIN', 'rejected S INSUFFICIENT_MARGIN']);
  });
});

describe('open-order caps', () => {
  const limited: EngineConfig = { ...config, limits: { maxOpenOrdersPerSubaccount: 3, maxOpenOrdersPerOwner: 5 } };

  it('counts every subaccount of one owner together', () => {
    const names = ['main', 'a', 'b', 'c'].map((n) => makeSubaccount(owners.alice, n) as Hex);
    const h = new Harness({}, limited);
    for (const who of [...names, bob]) h.fund(who, { USDC: '100000' });
    const placed: string[] = [];
    let i = 0;
    for (const who of names) {
      for (let k = 0; k < 3; k++) {
        h.place(`O${i++}`, who, 'buy', '100', '1');
        const ev = h.lastEvents[0]!;
        placed.push(ev.kind === 'rejected' ? ev.code : ev.kind);
      }
    }
    expect(placed).toEqual([
      'accepted',
      'accepted',
      'accepted',
      'accepted',
      'accepted',
      ErrorCode.TOO_MANY_OPEN_ORDERS,
      ErrorCode.TOO_MANY_OPEN_ORDERS,
      ErrorCode.TOO_MANY_OPEN_ORDERS,
      ErrorCode.TOO_MANY_OPEN_ORDERS,
      ErrorCode.TOO_MANY_OPEN_ORDERS,
      ErrorCode.TOO_MANY_OPEN_ORDERS,
      ErrorCode.TOO_MANY_OPEN_ORDERS,
    ]);
    // another owner is not affected
    h.place('B', bob, 'buy', '100', '1');
    expect(h.brief()).toEqual(['accepted B']);
    // an IOC never rests and is always allowed
    h.place('I', names[3]!, 'buy', '90', '1', { tif: 'IOC' });
    expect(h.lastEvents[0]?.kind).toBe('accepted');
    // the count is rebuilt on restore; a cancel frees a place for any subaccount of the owner
    const copy = Engine.restore(limited, h.engine.snapshot());
    const o = order(names[3]!, 'buy', '100', '1', { nonce: 7n });
    expect(copy.validate(o.order, o.hash)).toBe(ErrorCode.TOO_MANY_OPEN_ORDERS);
    copy.apply({ kind: 'cancelAll', subaccount: names[0]!, marketId: 0 });
    expect(copy.validate(o.order, o.hash)).toBeNull();
    expect(copy.apply({ kind: 'place', ...o })[0]?.kind).toBe('accepted');
  });

  it('refuses a bad limit in the config', () => {
    for (const limits of [{ maxOpenOrdersPerOwner: 0 }, { maxOpenOrdersPerOwner: 1.5 }, { maxOpenOrdersPerSubaccount: -1 }]) {
      expect(() => new Engine({ ...config, limits }), JSON.stringify(limits)).toThrow(/limits\./);
    }
  });

  it('with margin, open orders span at most four markets of one risk group', () => {
    const perps = [10, 11, 12, 13, 14].map((id) => ({ ...marginConfig.markets[2]!, marketId: id, symbol: `P${id}` }));
    const cfg: EngineConfig = { ...marginConfig, markets: [...marginConfig.markets.filter((m) => m.kind === 'SPOT'), ...perps] };
    const h = new Harness({}, cfg).fund(alice, { USDC: '100000' });
    for (const p of perps) h.apply({ kind: 'oracle', marketId: p.marketId, price: x('2000') });
    const got = perps.map((p) => {
      h.place(`P${p.marketId}`, alice, 'buy', '1000', '1', { market: p.marketId });
      const ev = h.lastEvents[0]!;
      return ev.kind === 'rejected' ? ev.code : ev.kind;
    });
    expect(got).toEqual(['accepted', 'accepted', 'accepted', 'accepted', ErrorCode.TOO_MANY_OPEN_ORDERS]);
    // more orders in a market it already quotes are fine
    h.place('again', alice, 'sell', '3000', '1', { market: 10 });
    expect(h.brief()).toEqual(['accepted again']);
  });
});

// ------------------------------------------------------------------ properties

interface Placed {
  market: number;
  buy: boolean;
  price: bigint;
  amount: bigint;
}

const PRICE = x('2000');
/** the fee a resting order is judged at: the higher rate of its market, never a rebate */
const RATE = x('0.0005');
const MARKETS = [ETH, ETH_PERP] as const;

const orderArb = fc.record({
  market: fc.constantFrom(...MARKETS),
  buy: fc.boolean(),
  // 1,500 … 2,500 in ticks of 0.01 … steps of 7.31 to keep the book uncrossed often enough
  tick: fc.integer({ min: 0, max: 136 }),
  lots: fc.integer({ min: 1, max: 8000 }),
});

/**
 * The account after filling `fills` at their prices, one fill per order, with each fill's own
 * rounding (quote floored, fee rounded up): computed apart from the engine's running totals.
 */
function filledPortfolio(e: Engine, fills: readonly Placed[]): Portfolio {
  let quote = e.balance(alice, USDC);
  let weth = e.balance(alice, WETH);
  const pos = e.position(alice, ETH_PERP);
  let size = pos.size;
  let vQuote = pos.vQuote;
  for (const f of fills) {
    const q = (f.price * f.amount) / E18;
    const fee = (q * RATE + E18 - 1n) / E18;
    if (f.market === ETH) {
      quote += f.buy ? -q - fee : q - fee;
      weth += f.buy ? f.amount : -f.amount;
    } else {
      quote -= fee;
      size += f.buy ? f.amount : -f.amount;
      vQuote += f.buy ? -q : q;
    }
  }
  return {
    quote,
    assets: [
      { group: 1, balance: weth, price: PRICE },
      { group: 0, balance: e.balance(alice, WBTC), price: undefined },
    ],
    perps: [{ group: 1, size, vQuote, price: PRICE, concIM: 0n, concThreshold: 0n }],
  };
}

const PARAMS = { groups: new Map(marginConfig.risk!.groups.map((g) => [g.groupId, g])), pnlWeight: marginConfig.risk!.pnlWeight };

describe('properties', () => {
  it('open orders never exceed what the margin backs: every side of every market filled leaves initial health ≥ 0', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 50_000 }),
        fc.integer({ min: 0, max: 20 }),
        fc.array(orderArb, { minLength: 1, maxLength: 25 }),
        fc.array(fc.array(fc.boolean(), { minLength: 25, maxLength: 25 }), { minLength: 3, maxLength: 3 }),
        (usdc, weth, orders, subsets) => {
          const h = priced();
          if (usdc > 0) h.fund(alice, { USDC: String(usdc) });
          if (weth > 0) h.fund(alice, { WETH: String(weth) });
          for (const o of orders) {
            const price = x('1500') + BigInt(o.tick) * x('7.31');
            const amount = BigInt(o.lots) * x('0.001');
            const hash = h.place('o', alice, o.buy ? 'buy' : 'sell', fmt(price), fmt(amount), { market: o.market, tif: 'POST_ONLY' });
            const ev = h.lastEvents[0]!;
            if (ev.kind === 'rejected' && ev.code === ErrorCode.INSUFFICIENT_MARGIN) expect(h.engine.getOrder(hash)?.status).toBe('rejected');
          }
          const open: Placed[] = h.engine.openOrders(alice).map((s) => ({
            market: s.order.marketId,
            buy: s.order.isBuy,
            price: s.order.price,
            amount: s.order.amount - s.filled,
          }));
          // every vertex: for each market its bids, its asks, both or neither
          const sides = [...new Set(open.map((o) => `${o.market}/${o.buy}`))].sort();
          for (let mask = 0; mask < 1 << sides.length; mask++) {
            const fills = open.filter((o) => (mask & (1 << sides.indexOf(`${o.market}/${o.buy}`))) !== 0);
            const health = initialHealth(filledPortfolio(h.engine, fills), PARAMS);
            expect(health, `vertex ${mask} of ${sides.join(',')}`).not.toBeNull();
            expect(health! >= 0n, `vertex ${mask} of ${sides.join(',')}: ${health}`).toBe(true);
          }
          // and any set of orders, not just whole sides (the worst case is at a vertex)
          for (const pick of subsets) {
            const fills = open.filter((_, i) => pick[i % pick.length]);
            expect(initialHealth(filledPortfolio(h.engine, fills), PARAMS)! >= 0n).toBe(true);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  it('without risk parameters: open buys paid in full with the taker fee, open sells from the base held', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 20_000 }),
        fc.integer({ min: 0, max: 10 }),
        fc.array(orderArb, { minLength: 1, maxLength: 25 }),
        (usdc, weth, orders) => {
          const h = new Harness();
          if (usdc > 0) h.fund(alice, { USDC: String(usdc) });
          if (weth > 0) h.fund(alice, { WETH: String(weth) });
          for (const o of orders) {
            const price = x('1500') + BigInt(o.tick) * x('7.31');
            h.place('o', alice, o.buy ? 'buy' : 'sell', fmt(price), fmt(BigInt(o.lots) * x('0.001')), { market: ETH, tif: 'POST_ONLY' });
          }
          let cost = 0n;
          let sold = 0n;
          for (const s of h.engine.openOrders(alice)) {
            const left = s.order.amount - s.filled;
            const q = (s.order.price * left) / E18;
            if (s.order.isBuy) cost += q + (q * RATE + E18 - 1n) / E18;
            else sold += left;
          }
          expect(cost <= h.engine.balance(alice, USDC)).toBe(true);
          expect(sold <= h.engine.balance(alice, WETH)).toBe(true);
        },
      ),
      { numRuns: RUNS },
    );
  });
});

function fmt(v: bigint): string {
  const f = (v % E18).toString().padStart(18, '0').replace(/0+$/, '');
  return `${v / E18}${f ? `.${f}` : ''}`;
}
