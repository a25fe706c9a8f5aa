/**
 * Order rules beyond time in force: the takers' price band around the oracle price, market
 * orders (IOC with a worst price), cancel by clientId, the open-order cap and the borrow flag.
 */
import { describe, expect, it } from 'vitest';
import { Engine, ErrorCode, type EngineConfig } from '../../src/index.js';
import { alice, bob, carol, config, ETH, ETH_PERP, Harness, USDC, WETH, x, type OrderOpts } from './fixtures.js';

/** every market with a 5% band */
const banded: EngineConfig = { ...config, markets: config.markets.map((m) => ({ ...m, priceBandBps: 500 })) };

type Spec = [string, typeof alice, 'buy' | 'sell', string, string, OrderOpts?];

interface BandCase {
  name: string;
  /** oracle price of ETH, or null for none */
  oracle: string | null;
  book: Spec[];
  taker: Spec;
  events: string[];
  after: { bids: string[]; asks: string[] };
}

const bandCases: BandCase[] = [
  {
    name: 'buy stops at oracle + 5%; still crossing, the GTC remainder is cancelled',
    oracle: '100',
    book: [
      ['A1', bob, 'sell', '104', '1'],
      ['A2', bob, 'sell', '105', '1'],
      ['A3', bob, 'sell', '106', '1'],
    ],
    taker: ['T', alice, 'buy', '110', '3'],
    events: ['accepted T', 'fill A1<-T 1@104', 'fill A2<-T 1@105', 'cancelled T PRICE_BAND 1'],
    after: { bids: [], asks: ['106 x 1'] },
  },
  {
    name: 'buy beyond the band with nothing left to cross rests at its own price',
    oracle: '100',
    book: [['A1', bob, 'sell', '104', '1']],
    taker: ['T', alice, 'buy', '110', '3'],
    events: ['accepted T', 'fill A1<-T 1@104'],
    after: { bids: ['110 x 2'], asks: [] },
  },
  {
    name: 'IOC sell stops at oracle − 5%, remainder IOC_REMAINDER',
    oracle: '100',
    book: [
      ['B1', bob, 'buy', '96', '1'],
      ['B2', bob, 'buy', '94', '1'],
    ],
    taker: ['T', alice, 'sell', '90', '2', { tif: 'IOC' }],
    events: ['accepted T', 'fill B1<-T 1@96', 'cancelled T IOC_REMAINDER 1'],
    after: { bids: ['94 x 1'], asks: [] },
  },
  {
    name: 'sell at exactly the band edge fills',
    oracle: '100',
    book: [['B1', bob, 'buy', '95', '1']],
    taker: ['T', alice, 'sell', '95', '1'],
    events: ['accepted T', 'fill B1<-T 1@95'],
    after: { bids: [], asks: [] },
  },
  {
    name: 'FOK that needs a level beyond the band is killed',
    oracle: '100',
    book: [
      ['A1', bob, 'sell', '104', '1'],
      ['A3', bob, 'sell', '106', '1'],
    ],
    taker: ['T', alice, 'buy', '110', '2', { tif: 'FOK' }],
    events: ['accepted T', 'cancelled T FOK_UNFILLED 2'],
    after: { bids: [], asks: ['104 x 1', '106 x 1'] },
  },
  {
    name: 'no oracle price: no band',
    oracle: null,
    book: [['A3', bob, 'sell', '106', '1']],
    taker: ['T', alice, 'buy', '110', '1'],
    events: ['accepted T', 'fill A3<-T 1@106'],
    after: { bids: [], asks: [] },
  },
  {
    name: 'the band binds takers only: a resting bid beyond it still fills a seller at its price',
    oracle: '100',
    book: [],
    taker: ['T', alice, 'sell', '100', '1'],
    events: ['accepted T', 'fill B0<-T 1@120'],
    after: { bids: [], asks: [] },
  },
];

describe('price band around the oracle price (takers)', () => {
  it.each(bandCases)('$name', (c) => {
    const h = new Harness({}, banded).fundAll();
    if (c.name.startsWith('the band binds takers only')) h.place('B0', bob, 'buy', '120', '1'); // rests before any oracle
    if (c.oracle !== null) {
      h.apply({ kind: 'oracle', marketId: ETH, price: x(c.oracle) });
      expect(h.brief(), `${c.name}: oracle event`).toEqual([`oracle ${ETH} ${c.oracle}`]);
    }
    for (const s of c.book) h.place(...s);
    h.place(...c.taker);
    expect(h.brief(), `${c.name}: events`).toEqual(c.events);
    expect(h.bookText(), `${c.name}: book`).toEqual(c.after);
  });

  it('oracle prices are in the state hash, the snapshot and the query', () => {
    const h = new Harness({}, banded);
    const before = h.engine.stateHash();
    h.apply({ kind: 'oracle', marketId: ETH_PERP, price: x('2000') });
    expect(h.engine.stateHash()).not.toBe(before);
    expect(h.engine.oraclePrice(ETH_PERP)).toBe(x('2000'));
    const back = Engine.restore(banded, JSON.parse(JSON.stringify(h.engine.snapshot())));
    expect(back.oraclePrice(ETH_PERP)).toBe(x('2000'));
    expect(back.oracleTime(ETH_PERP)).toBe(0n); // published at the engine clock (0)
    expect(back.stateHash()).toBe(h.engine.stateHash());
  });

  it('a malformed oracle input throws before any state changes', () => {
    const h = new Harness({}, banded);
    expect(() => h.apply({ kind: 'oracle', marketId: 99, price: x('1') })).toThrow(/unknown market/);
    expect(() => h.apply({ kind: 'oracle', marketId: ETH, price: 0n })).toThrow(/price/);
    expect(h.engine.oraclePrice(ETH)).toBeUndefined();
  });
});

describe('market orders (IOC with a worst price)', () => {
  const cases = [
    {
      name: 'market buy sweeps levels up to the worst price, the rest is cancelled',
      taker: ['M', alice, 'buy', '102', '5', { tif: 'IOC' }] as Spec,
      events: ['accepted M', 'fill A1<-M 1@100', 'fill A2<-M 1@101', 'fill A3<-M 1@102', 'cancelled M IOC_REMAINDER 2'],
      after: { bids: ['98 x 1'], asks: ['103 x 1'] },
    },
    {
      name: 'market buy smaller than the top level fills there only',
      taker: ['M', alice, 'buy', '102', '0.5', { tif: 'IOC' }] as Spec,
      events: ['accepted M', 'fill A1<-M 0.5@100'],
      after: { bids: ['98 x 1'], asks: ['100 x 0.5', '101 x 1', '102 x 1', '103 x 1'] },
    },
    {
      name: 'market sell with a worst price above the bid fills nothing',
      taker: ['M', alice, 'sell', '99', '1', { tif: 'IOC' }] as Spec,
      events: ['accepted M', 'cancelled M IOC_REMAINDER 1'],
      after: { bids: ['98 x 1'], asks: ['100 x 1', '101 x 1', '102 x 1', '103 x 1'] },
    },
  ];
  it.each(cases)('$name', (c) => {
    const h = new Harness().fundAll();
    for (const [i, p] of ['100', '101', '102', '103'].entries()) h.place(`A${i + 1}`, bob, 'sell', p, '1');
    h.place('B1', carol, 'buy', '98', '1');
    h.place(...c.taker);
    expect(h.brief(), `${c.name}: events`).toEqual(c.events);
    expect(h.bookText(), `${c.name}: book`).toEqual(c.after);
  });
});

describe('cancel by clientId', () => {
  it('cancels every open order of the subaccount with that clientId; an unknown id is answered', () => {
    const h = new Harness().fundAll();
    h.place('A1', alice, 'buy', '90', '1', { clientId: 7n });
    h.place('A2', alice, 'buy', '91', '1', { clientId: 7n });
    h.place('A3', alice, 'buy', '92', '1', { clientId: 8n });
    h.place('B1', bob, 'buy', '93', '1', { clientId: 7n });
    expect(h.engine.openOrdersByClientId(alice, 7n).map((o) => h.labels.get(o.hash))).toEqual(['A1', 'A2']);
    h.apply({ kind: 'cancelByClientId', subaccount: alice, clientIds: [7n, 9n] });
    expect(h.brief()).toEqual(['cancelled A1 USER 1', 'cancelled A2 USER 1', `cancelRejected clientId 9 ${ErrorCode.UNKNOWN_ORDER}`]);
    expect(h.engine.openOrdersByClientId(alice, 7n)).toEqual([]);
    expect(h.engine.openOrdersByClientId(bob, 7n)).toHaveLength(1);
    expect(h.engine.openOrders(alice).map((o) => h.labels.get(o.hash))).toEqual(['A3']);
  });

  it('a filled order no longer answers to its clientId', () => {
    const h = new Harness().fundAll();
    h.place('S', bob, 'sell', '100', '1', { clientId: 5n });
    h.place('B', alice, 'buy', '100', '1');
    h.apply({ kind: 'cancelByClientId', subaccount: bob, clientIds: [5n] });
    expect(h.brief()).toEqual([`cancelRejected clientId 5 ${ErrorCode.UNKNOWN_ORDER}`]);
  });

  it('the index survives snapshot → restore', async () => {
    const { Engine } = await import('../../src/index.js');
    const h = new Harness().fundAll();
    h.place('A1', alice, 'buy', '90', '1', { clientId: 3n });
    const back = Engine.restore(config, JSON.parse(JSON.stringify(h.engine.snapshot())));
    const ev = back.apply({ kind: 'cancelByClientId', subaccount: alice, clientIds: [3n] });
    expect(ev.map((e) => e.kind)).toEqual(['cancelled']);
  });

  it('malformed clientIds throw', () => {
    const h = new Harness();
    expect(() => h.apply({ kind: 'cancelByClientId', subaccount: alice, clientIds: [-1n] })).toThrow(/clientIds/);
  });
});

describe('open-order cap per subaccount', () => {
  const capped: EngineConfig = { ...config, limits: { maxOpenOrdersPerSubaccount: 2 } };
  it('an order that may rest is refused at the cap; IOC and FOK are not', () => {
    const h = new Harness({}, capped).fundAll();
    h.place('A1', alice, 'buy', '90', '1');
    h.place('A2', alice, 'buy', '91', '1');
    h.place('A3', alice, 'buy', '92', '1');
    expect(h.brief()).toEqual([`rejected A3 ${ErrorCode.TOO_MANY_OPEN_ORDERS}`]);
    h.place('P', alice, 'sell', '200', '1', { tif: 'POST_ONLY' });
    expect(h.brief()).toEqual([`rejected P ${ErrorCode.TOO_MANY_OPEN_ORDERS}`]);
    h.place('I', alice, 'buy', '92', '1', { tif: 'IOC' });
    expect(h.brief()).toEqual(['accepted I', 'cancelled I IOC_REMAINDER 1']);
    h.place('B1', bob, 'buy', '92', '1'); // another subaccount has its own count
    expect(h.brief()).toEqual(['accepted B1']);
    h.apply({ kind: 'cancel', subaccount: alice, hashes: [h.hashOf('A1')] });
    h.place('A4', alice, 'buy', '92', '1');
    expect(h.brief()).toEqual(['accepted A4']);
  });

  it('the default cap is 1,000 and a bad cap is refused', async () => {
    const { DEFAULT_LIMITS, Engine } = await import('../../src/index.js');
    expect(DEFAULT_LIMITS.maxOpenOrdersPerSubaccount).toBe(1000);
    expect(() => new Engine({ ...config, limits: { maxOpenOrdersPerSubaccount: 0 } })).toThrow(/maxOpenOrders/);
  });
});

describe('borrow flag', () => {
  it('off (default): a spot buyer without quote is stopped', () => {
    const h = new Harness().fund(bob, { WETH: '1' });
    h.place('S', bob, 'sell', '100', '1');
    h.place('B', alice, 'buy', '100', '1');
    expect(h.brief()).toEqual(['accepted B', 'cancelled B INSUFFICIENT_BALANCE 1']);
  });

  it('on: the fill goes through and the buyer borrows quote (negative balance)', () => {
    const h = new Harness({ allowBorrow: true }).fund(bob, { WETH: '1' });
    h.place('S', bob, 'sell', '100', '1');
    h.place('B', alice, 'buy', '100', '1');
    expect(h.brief()).toEqual(['accepted B', 'fill S<-B 1@100']);
    expect(h.engine.balances(alice)).toEqual([
      [USDC, x('-100.05')],
      [WETH, x('1')],
    ]);
  });
});

describe('validate() answers the new acceptance rules as place() does', () => {
  it('REDUCE_ONLY_WOULD_INCREASE and TOO_MANY_OPEN_ORDERS', async () => {
    const { order: build } = await import('./fixtures.js');
    const h = new Harness({}, { ...config, limits: { maxOpenOrdersPerSubaccount: 1 } }).fundAll();
    const ro = build(alice, 'buy', '100', '1', { market: ETH_PERP, reduceOnly: true });
    expect(h.engine.validate(ro.order, ro.hash)).toBe(ErrorCode.REDUCE_ONLY_WOULD_INCREASE);
    h.place('A1', alice, 'buy', '90', '1');
    const gtc = build(alice, 'buy', '91', '1');
    expect(h.engine.validate(gtc.order, gtc.hash)).toBe(ErrorCode.TOO_MANY_OPEN_ORDERS);
    const ioc = build(alice, 'buy', '91', '1', { tif: 'IOC', expiry: 60n });
    expect(h.engine.validate(ioc.order, ioc.hash)).toBeNull();
    const forever = build(alice, 'buy', '91', '1', { tif: 'IOC' });
    expect(h.engine.validate(forever.order, forever.hash)).toBe(ErrorCode.TAKER_EXPIRY);
  });
});
