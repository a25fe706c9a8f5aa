import { describe, expect, it } from 'vitest';
import { alice, alice2, bob, carol, dave, Harness, type OrderOpts } from './fixtures.js';
import type { Hex, OrderStatus } from '../../src/index.js';

/** [label, trader, side, price, amount, options] */
type Spec = [string, Hex, 'buy' | 'sell', string, string, OrderOpts?];

interface Case {
  name: string;
  /** resting orders placed first, in this order */
  book: Spec[];
  /** the order under test */
  taker: Spec;
  /** its events, as Harness.brief strings */
  events: string[];
  /** the book afterwards, "price x amount" best first */
  after: { bids: string[]; asks: string[] };
  /** statuses afterwards */
  status?: Record<string, OrderStatus>;
}

function run(c: Case): Harness {
  const h = new Harness().fundAll();
  for (const s of c.book) h.place(...s);
  h.place(...c.taker);
  expect(h.brief(), `${c.name}: events`).toEqual(c.events);
  expect(h.bookText(), `${c.name}: book after`).toEqual(c.after);
  for (const [label, status] of Object.entries(c.status ?? {})) {
    expect(h.engine.getOrder(h.hashOf(label))?.status, `${c.name}: status of ${label}`).toBe(status);
  }
  return h;
}

const cases: Case[] = [
  {
    name: 'GTC on an empty book rests',
    book: [],
    taker: ['T', alice, 'buy', '100', '1'],
    events: ['accepted T'],
    after: { bids: ['100 x 1'], asks: [] },
    status: { T: 'open' },
  },
  {
    name: 'GTC below the ask rests beside it',
    book: [['S1', bob, 'sell', '101', '1']],
    taker: ['T', alice, 'buy', '100', '2'],
    events: ['accepted T'],
    after: { bids: ['100 x 2'], asks: ['101 x 1'] },
  },
  {
    name: 'GTC crossing exactly fills both',
    book: [['S1', bob, 'sell', '100', '1']],
    taker: ['T', alice, 'buy', '100', '1'],
    events: ['accepted T', 'fill S1<-T 1@100'],
    after: { bids: [], asks: [] },
    status: { S1: 'filled', T: 'filled' },
  },
  {
    name: 'GTC fills at the maker price and rests its remainder at its own price',
    book: [['S1', bob, 'sell', '100', '0.4']],
    taker: ['T', alice, 'buy', '101', '1'],
    events: ['accepted T', 'fill S1<-T 0.4@100'],
    after: { bids: ['101 x 0.6'], asks: [] },
    status: { S1: 'filled', T: 'partially_filled' },
  },
  {
    name: 'a small taker partially fills the maker',
    book: [['S1', bob, 'sell', '100', '1']],
    taker: ['T', alice, 'buy', '100', '0.25'],
    events: ['accepted T', 'fill S1<-T 0.25@100'],
    after: { bids: [], asks: ['100 x 0.75'] },
    status: { S1: 'partially_filled', T: 'filled' },
  },
  {
    name: 'a buy walks the asks across levels up to its limit',
    book: [
      ['S3', dave, 'sell', '102', '1'],
      ['S1', bob, 'sell', '100', '1'],
      ['S2', carol, 'sell', '101', '1'],
    ],
    taker: ['T', alice, 'buy', '101.5', '3'],
    events: ['accepted T', 'fill S1<-T 1@100', 'fill S2<-T 1@101'],
    after: { bids: ['101.5 x 1'], asks: ['102 x 1'] },
  },
  {
    name: 'a sell walks the bids, best (highest) first',
    book: [
      ['B1', bob, 'buy', '99', '1'],
      ['B2', carol, 'buy', '100', '1'],
    ],
    taker: ['T', alice, 'sell', '99', '1.5'],
    events: ['accepted T', 'fill B2<-T 1@100', 'fill B1<-T 0.5@99'],
    after: { bids: ['99 x 0.5'], asks: [] },
  },
  {
    name: 'price-time priority: better price first, then earlier at the same price',
    book: [
      ['S1', bob, 'sell', '100.5', '1'],
      ['S2', carol, 'sell', '100', '1'],
      ['S3', dave, 'sell', '100', '1'],
    ],
    taker: ['T', alice, 'buy', '101', '1.5'],
    events: ['accepted T', 'fill S2<-T 1@100', 'fill S3<-T 0.5@100'],
    after: { bids: [], asks: ['100 x 0.5', '100.5 x 1'] },
  },
  {
    name: 'a partially filled maker keeps its place at the front',
    book: [
      ['S1', bob, 'sell', '100', '1'],
      ['S2', carol, 'sell', '100', '1'],
      ['T0', dave, 'buy', '100', '0.5'],
    ],
    taker: ['T', alice, 'buy', '100', '0.7'],
    events: ['accepted T', 'fill S1<-T 0.5@100', 'fill S2<-T 0.2@100'],
    after: { bids: [], asks: ['100 x 0.8'] },
  },
  {
    name: 'IOC fills what it can and cancels the rest',
    book: [['S1', bob, 'sell', '100', '1']],
    taker: ['T', alice, 'buy', '100', '2', { tif: 'IOC' }],
    events: ['accepted T', 'fill S1<-T 1@100', 'cancelled T IOC_REMAINDER 1'],
    after: { bids: [], asks: [] },
    status: { T: 'cancelled' },
  },
  {
    name: 'IOC that does not cross is cancelled whole',
    book: [['S1', bob, 'sell', '101', '1']],
    taker: ['T', alice, 'buy', '100', '2', { tif: 'IOC' }],
    events: ['accepted T', 'cancelled T IOC_REMAINDER 2'],
    after: { bids: [], asks: ['101 x 1'] },
  },
  {
    name: 'FOK that can fill completely fills across levels',
    book: [
      ['S1', bob, 'sell', '100', '1'],
      ['S2', carol, 'sell', '101', '1'],
    ],
    taker: ['T', alice, 'buy', '101', '2', { tif: 'FOK' }],
    events: ['accepted T', 'fill S1<-T 1@100', 'fill S2<-T 1@101'],
    after: { bids: [], asks: [] },
    status: { T: 'filled' },
  },
  {
    name: 'FOK short of liquidity is killed with no fills',
    book: [['S1', bob, 'sell', '100', '1']],
    taker: ['T', alice, 'buy', '101', '2', { tif: 'FOK' }],
    events: ['accepted T', 'cancelled T FOK_UNFILLED 2'],
    after: { bids: [], asks: ['100 x 1'] },
    status: { S1: 'open', T: 'cancelled' },
  },
  {
    name: 'FOK counts only liquidity within its limit',
    book: [
      ['S1', bob, 'sell', '100', '1'],
      ['S2', carol, 'sell', '102', '1'],
    ],
    taker: ['T', alice, 'buy', '101', '2', { tif: 'FOK' }],
    events: ['accepted T', 'cancelled T FOK_UNFILLED 2'],
    after: { bids: [], asks: ['100 x 1', '102 x 1'] },
  },
  {
    name: 'FOK on an empty book is killed',
    book: [],
    taker: ['T', alice, 'sell', '100', '1', { tif: 'FOK' }],
    events: ['accepted T', 'cancelled T FOK_UNFILLED 1'],
    after: { bids: [], asks: [] },
  },
  {
    name: 'POST_ONLY that does not cross rests',
    book: [['S1', bob, 'sell', '101', '1']],
    taker: ['T', alice, 'buy', '100.99', '1', { tif: 'POST_ONLY' }],
    events: ['accepted T'],
    after: { bids: ['100.99 x 1'], asks: ['101 x 1'] },
    status: { T: 'open' },
  },
  {
    name: 'POST_ONLY that would cross is rejected, never accepted',
    book: [['S1', bob, 'sell', '101', '1']],
    taker: ['T', alice, 'buy', '101', '1', { tif: 'POST_ONLY' }],
    events: ['rejected T POST_ONLY_WOULD_CROSS'],
    after: { bids: [], asks: ['101 x 1'] },
    status: { S1: 'open', T: 'rejected' },
  },
  {
    name: 'POST_ONLY sell at the bid is rejected',
    book: [['B1', bob, 'buy', '100', '1']],
    taker: ['T', alice, 'sell', '100', '1', { tif: 'POST_ONLY' }],
    events: ['rejected T POST_ONLY_WOULD_CROSS'],
    after: { bids: ['100 x 1'], asks: [] },
  },
];

const stpCases: Case[] = [
  {
    name: 'CANCEL_MAKER removes the own maker and keeps matching',
    book: [
      ['A1', alice2, 'sell', '100', '1'],
      ['S1', bob, 'sell', '100', '1'],
    ],
    taker: ['T', alice, 'buy', '100', '1', { stp: 'CANCEL_MAKER' }],
    events: ['accepted T', 'cancelled A1 SELF_TRADE 1', 'fill S1<-T 1@100'],
    after: { bids: [], asks: [] },
    status: { A1: 'cancelled', T: 'filled' },
  },
  {
    name: 'CANCEL_TAKER stops the taker and keeps the maker',
    book: [
      ['A1', alice2, 'sell', '100', '1'],
      ['S1', bob, 'sell', '100', '1'],
    ],
    taker: ['T', alice, 'buy', '100', '1', { stp: 'CANCEL_TAKER' }],
    events: ['accepted T', 'cancelled T SELF_TRADE 1'],
    after: { bids: [], asks: ['100 x 2'] },
    status: { A1: 'open', T: 'cancelled' },
  },
  {
    name: 'CANCEL_BOTH removes the maker and stops the taker',
    book: [
      ['A1', alice2, 'sell', '100', '1'],
      ['S1', bob, 'sell', '100', '1'],
    ],
    taker: ['T', alice, 'buy', '100', '1', { stp: 'CANCEL_BOTH' }],
    events: ['accepted T', 'cancelled A1 SELF_TRADE 1', 'cancelled T SELF_TRADE 1'],
    after: { bids: [], asks: ['100 x 1'] },
    status: { A1: 'cancelled', S1: 'open', T: 'cancelled' },
  },
  {
    name: 'CANCEL_TAKER after a fill cancels only the remainder',
    book: [
      ['S1', bob, 'sell', '100', '1'],
      ['A1', alice2, 'sell', '100', '1'],
    ],
    taker: ['T', alice, 'buy', '100', '2', { stp: 'CANCEL_TAKER' }],
    events: ['accepted T', 'fill S1<-T 1@100', 'cancelled T SELF_TRADE 1'],
    after: { bids: [], asks: ['100 x 1'] },
  },
  {
    name: 'the same subaccount is the same owner (CANCEL_MAKER, GTC rests after)',
    book: [['A1', alice, 'sell', '100', '1']],
    taker: ['T', alice, 'buy', '100', '1'],
    events: ['accepted T', 'cancelled A1 SELF_TRADE 1'],
    after: { bids: ['100 x 1'], asks: [] },
  },
  {
    name: 'FOK with CANCEL_MAKER skips the own maker and fills from others',
    book: [
      ['A1', alice2, 'sell', '100', '1'],
      ['S1', bob, 'sell', '100', '1'],
    ],
    taker: ['T', alice, 'buy', '100', '1', { tif: 'FOK' }],
    events: ['accepted T', 'cancelled A1 SELF_TRADE 1', 'fill S1<-T 1@100'],
    after: { bids: [], asks: [] },
  },
  {
    name: 'FOK that cannot fill without its own maker is killed and leaves the book untouched',
    book: [
      ['A1', alice2, 'sell', '100', '1'],
      ['S1', bob, 'sell', '100', '1'],
    ],
    taker: ['T', alice, 'buy', '100', '2', { tif: 'FOK' }],
    events: ['accepted T', 'cancelled T FOK_UNFILLED 2'],
    after: { bids: [], asks: ['100 x 2'] },
    status: { A1: 'open' },
  },
  {
    name: 'FOK with CANCEL_TAKER meeting its own maker is killed',
    book: [
      ['A1', alice2, 'sell', '100', '1'],
      ['S1', bob, 'sell', '100', '1'],
    ],
    taker: ['T', alice, 'buy', '100', '1', { tif: 'FOK', stp: 'CANCEL_TAKER' }],
    events: ['accepted T', 'cancelled T FOK_UNFILLED 1'],
    after: { bids: [], asks: ['100 x 2'] },
  },
  {
    name: 'a self-trade stop does not leak into the next (POST_ONLY) order',
    book: [
      ['A1', alice2, 'sell', '100', '1'],
      ['T0', alice, 'buy', '100', '1', { stp: 'CANCEL_TAKER' }],
    ],
    taker: ['T', bob, 'sell', '101', '1', { tif: 'POST_ONLY' }],
    events: ['accepted T'],
    after: { bids: [], asks: ['100 x 1', '101 x 1'] },
    status: { T0: 'cancelled', T: 'open' },
  },
  {
    name: 'IOC with CANCEL_BOTH',
    book: [
      ['S1', bob, 'sell', '99', '0.5'],
      ['A1', alice2, 'sell', '100', '1'],
    ],
    taker: ['T', alice, 'buy', '100', '2', { tif: 'IOC', stp: 'CANCEL_BOTH' }],
    events: ['accepted T', 'fill S1<-T 0.5@99', 'cancelled A1 SELF_TRADE 1', 'cancelled T SELF_TRADE 1.5'],
    after: { bids: [], asks: [] },
  },
];

describe('matching', () => {
  it.each(cases)('$name', (c) => {
    run(c);
  });
});

describe('self-trade prevention (taker mode decides; no fill, no fee)', () => {
  it.each(stpCases)('$name', (c) => {
    run(c);
  });
});

describe('sequence numbers', () => {
  it('are global, increasing, assigned on acceptance only, and come before fills', () => {
    const h = new Harness().fundAll();
    h.place('B1', bob, 'buy', '100', '1');
    h.place('R', alice, 'sell', '100', '1', { tif: 'POST_ONLY' }); // rejected: no sequence
    const ev = h.lastEvents;
    expect(ev[0]?.kind).toBe('rejected');
    h.place('T', alice, 'sell', '100', '1', { market: 1 });
    const [accepted, fill] = h.lastEvents;
    expect(accepted).toMatchObject({ kind: 'accepted', sequence: 2n });
    expect(fill?.kind).toBe('fill');
    expect(h.engine.sequence).toBe(2n);
    expect(h.engine.getOrder(h.hashOf('R'))?.sequence).toBe(0n);
    expect(h.engine.getOrder(h.hashOf('B1'))?.sequence).toBe(1n);
  });
});

describe('clientId', () => {
  it('is echoed on every order event', () => {
    const h = new Harness().fundAll();
    h.place('M', bob, 'sell', '100', '1', { clientId: 1n, expiry: 50n });
    h.place('T', alice, 'buy', '100', '0.4', { clientId: 2n, tif: 'IOC' });
    h.place('I', alice, 'buy', '99', '1', { clientId: 3n, tif: 'IOC' });
    h.place('P', carol, 'buy', '100', '1', { clientId: 4n, tif: 'POST_ONLY' });
    h.time(60n);
    const ids = h.events
      .filter((e) => e.kind !== 'deposited')
      .map((e) => (e.kind === 'fill' ? `${e.kind} ${e.makerClientId}/${e.takerClientId}` : `${e.kind} ${'clientId' in e ? e.clientId : '-'}`));
    expect(ids).toEqual(['accepted 1', 'accepted 2', 'fill 1/2', 'accepted 3', 'cancelled 3', 'rejected 4', 'expired 1']);
    expect(h.engine.getOrder(h.hashOf('T'))?.order.clientId).toBe(2n);
  });
});
