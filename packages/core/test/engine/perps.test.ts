/**
 * Perpetual positions (spec/perps.md): fills move {size, vQuote}, fees come from the quote balance,
 * reduce-only never grows |position|, and positions are part of the hash and the snapshot.
 */
import { describe, expect, it } from 'vitest';
import { Engine, ErrorCode, type EngineSnapshot, type Hex } from '../../src/index.js';
import { alice, bob, carol, config, ETH_PERP, fmtX, Harness, USDC, x, type OrderOpts } from './fixtures.js';

const P = { market: ETH_PERP } as const;
const RO = (o: OrderOpts = {}): OrderOpts => ({ ...P, reduceOnly: true, ...o });

/** "size / vQuote" in human units, or "none" */
function pos(h: Harness, who: Hex): string {
  const p = h.engine.position(who, ETH_PERP);
  return p.size === 0n && p.vQuote === 0n ? 'none' : `${fmtX(p.size)} / ${fmtX(p.vQuote)}`;
}

interface Case {
  name: string;
  steps: (h: Harness) => void;
  /** events of the last step, as Harness.brief strings */
  events: string[];
  /** positions afterwards */
  positions: Partial<Record<'alice' | 'bob' | 'carol', string>>;
  book?: { bids: string[]; asks: string[] };
}

const who = { alice, bob, carol } as const;

const cases: Case[] = [
  {
    name: 'a fill opens opposite positions at the maker price',
    steps: (h) => {
      h.place('S', bob, 'sell', '100', '1', P);
      h.place('B', alice, 'buy', '101', '1', P);
    },
    events: ['accepted B', 'fill S<-B 1@100'],
    positions: { alice: '1 / -100', bob: '-1 / 100' },
  },
  {
    name: 'closing at a higher price leaves realized PnL in vQuote',
    steps: (h) => {
      h.place('S', bob, 'sell', '100', '1', P);
      h.place('B', alice, 'buy', '100', '1', P);
      h.place('B2', carol, 'buy', '110', '1', P);
      h.place('C', alice, 'sell', '110', '1', P);
    },
    events: ['accepted C', 'fill B2<-C 1@110'],
    positions: { alice: '0 / 10', bob: '-1 / 100', carol: '1 / -110' },
  },
  {
    name: 'reduce-only taker is capped at the position and its remainder cancelled',
    steps: (h) => {
      h.place('S', bob, 'sell', '100', '0.4', P);
      h.place('B', alice, 'buy', '100', '0.4', P);
      h.place('B2', carol, 'buy', '99', '5', P);
      h.place('R', alice, 'sell', '99', '1', RO());
    },
    events: ['accepted R', 'fill B2<-R 0.4@99', 'cancelled R REDUCE_ONLY 0.6'],
    positions: { alice: '0 / -0.4', carol: '0.4 / -39.6' },
    book: { bids: ['99 x 4.6'], asks: [] },
  },
  {
    name: 'reduce-only GTC that runs out of book while it can still reduce rests',
    steps: (h) => {
      h.place('S', bob, 'sell', '100', '2', P);
      h.place('B', alice, 'buy', '100', '2', P);
      h.place('B2', carol, 'buy', '99', '0.5', P);
      h.place('R', alice, 'sell', '99', '1', RO());
    },
    events: ['accepted R', 'fill B2<-R 0.5@99'],
    positions: { alice: '1.5 / -150.5' },
    book: { bids: [], asks: ['99 x 0.5'] },
  },
  {
    name: 'resting reduce-only maker is re-checked at fill time: position gone → removed',
    steps: (h) => {
      h.place('S', bob, 'sell', '100', '1', P);
      h.place('B', alice, 'buy', '100', '1', P);
      h.place('R', alice, 'sell', '105', '1', RO()); // rests, reduces the long
      h.place('B2', carol, 'buy', '100', '1', P);
      h.place('C', alice, 'sell', '100', '1', P); // closes the long elsewhere
      h.place('T', bob, 'buy', '105', '1', P);
    },
    events: ['accepted T', 'cancelled R REDUCE_ONLY 1'],
    positions: { alice: 'none', bob: '-1 / 100', carol: '1 / -100' },
    book: { bids: ['105 x 1'], asks: [] },
  },
  {
    name: 'resting reduce-only maker fills only what is left of the position',
    steps: (h) => {
      h.place('S', bob, 'sell', '100', '1', P);
      h.place('B', alice, 'buy', '100', '1', P);
      h.place('R', alice, 'sell', '105', '1', RO());
      h.place('B2', carol, 'buy', '100', '0.7', P);
      h.place('C', alice, 'sell', '100', '0.7', P); // long is now 0.3
      h.place('T', bob, 'buy', '105', '1', P);
    },
    events: ['accepted T', 'fill R<-T 0.3@105', 'cancelled R REDUCE_ONLY 0.7'],
    positions: { alice: '0 / 1.5' },
    book: { bids: ['105 x 0.7'], asks: [] },
  },
  {
    name: 'reduce-only FOK that the position cannot cover is killed',
    steps: (h) => {
      h.place('S', bob, 'sell', '100', '0.5', P);
      h.place('B', alice, 'buy', '100', '0.5', P);
      h.place('B2', carol, 'buy', '99', '5', P);
      h.place('R', alice, 'sell', '99', '1', RO({ tif: 'FOK' }));
    },
    events: ['accepted R', 'cancelled R FOK_UNFILLED 1'],
    positions: { alice: '0.5 / -50' },
    book: { bids: ['99 x 5'], asks: [] },
  },
];

describe('perp positions and reduce-only', () => {
  it.each(cases)('$name', (c) => {
    const h = new Harness().fundAll();
    c.steps(h);
    expect(h.brief(), `${c.name}: events`).toEqual(c.events);
    for (const [name, want] of Object.entries(c.positions)) {
      expect(pos(h, who[name as keyof typeof who]), `${c.name}: position of ${name}`).toBe(want);
    }
    if (c.book) expect(h.bookText(ETH_PERP), `${c.name}: book`).toEqual(c.book);
  });

  it('fees come from the quote balance; no base asset moves', () => {
    const h = new Harness().fund(alice, { USDC: '10' }).fund(bob, { USDC: '10' });
    h.place('S', bob, 'sell', '100', '1', P);
    h.place('B', alice, 'buy', '100', '1', P); // taker fee 5 bp of 100 = 0.05
    expect(h.brief()).toEqual(['accepted B', 'fill S<-B 1@100']);
    expect(h.engine.balances(alice)).toEqual([[USDC, x('9.95')]]);
    expect(h.engine.balances(bob)).toEqual([[USDC, x('10')]]);
    expect(h.engine.positions(alice)).toEqual([{ marketId: ETH_PERP, size: x('1'), vQuote: x('-100'), lastCumFunding: 0n }]);
  });

  it('a perp taker that cannot pay its fee from its quote balance stops', () => {
    const h = new Harness().fund(bob, { USDC: '10' });
    h.place('S', bob, 'sell', '100', '1', P);
    h.place('B', alice, 'buy', '100', '1', P);
    expect(h.brief()).toEqual(['accepted B', 'cancelled B INSUFFICIENT_BALANCE 1']);
    expect(h.engine.positions(alice)).toEqual([]);
  });

  it('positions are in the state hash and survive snapshot → restore', () => {
    const h = new Harness().fundAll();
    const before = h.engine.stateHash();
    h.place('S', bob, 'sell', '100', '1', P);
    const resting = h.engine.stateHash();
    h.place('B', alice, 'buy', '100', '1', P);
    expect(h.engine.stateHash()).not.toBe(resting);
    expect(resting).not.toBe(before);
    const snap = JSON.parse(JSON.stringify(h.engine.snapshot())) as EngineSnapshot;
    const back = Engine.restore(config, snap);
    expect(back.position(bob, ETH_PERP).size).toBe(-x('1'));
    expect(back.stateHash()).toBe(h.engine.stateHash());
    expect(back.position(alice, ETH_PERP)).toEqual(h.engine.position(alice, ETH_PERP));
  });

  it('restore refuses a position on a spot market', () => {
    const h = new Harness().fundAll();
    const snap = JSON.parse(JSON.stringify(h.engine.snapshot())) as EngineSnapshot;
    // alice's account record with one position, in market 1 (spot): u16 0 balances, u16 1 position…
    const word = (v: number): string => v.toString(16).padStart(64, '0');
    const bytes = `0x0000000100000001${word(1)}${word(0).repeat(4)}${'00'.repeat(8)}000000`;
    snap.records = snap.records.filter(([k]) => k !== `a${alice}`);
    snap.records.push([`a${alice}`, bytes as `0x${string}`]);
    expect(() => Engine.restore(config, snap)).toThrow(/position in market 1/);
  });

  it('reduce-only is refused at acceptance when it would grow the position', () => {
    const h = new Harness().fundAll();
    h.place('S', bob, 'sell', '100', '1', P);
    h.place('B', alice, 'buy', '100', '1', P);
    h.place('R', alice, 'buy', '100', '1', RO());
    expect(h.brief()).toEqual([`rejected R ${ErrorCode.REDUCE_ONLY_WOULD_INCREASE}`]);
    h.place('R2', bob, 'sell', '100', '1', RO());
    expect(h.brief()).toEqual([`rejected R2 ${ErrorCode.REDUCE_ONLY_WOULD_INCREASE}`]);
  });
});
