/**
 * Perps across batches (spec/perps.md): funding updates move the cumulative funding by a rate per
 * hour for the time since the market's last update, a position pays what it owes when it is next
 * settled, and at a batch's end each moved position takes its net fills and realizes what a
 * reduce or a close earned into the quote balance.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_FUNDING_RATE, Engine, fundingOwed, type EngineInput } from '../../src/index.js';
import { alice, bob, carol, config, ETH_PERP, Harness, USDC, x } from './fixtures.js';

const P = { market: ETH_PERP } as const;
const runs = Number(process.env.KESTREL_PROPERTY_RUNS ?? 200);
const end: EngineInput = { kind: 'endBatch' };

/** The next batch, `seconds` later. */
const later = (h: Harness, seconds: bigint): void => void h.time(h.engine.now + seconds);

function opened(): Harness {
  const h = new Harness().fund(alice, { USDC: '1000' }).fund(bob, { USDC: '1000' }).fund(carol, { USDC: '1000' });
  h.apply({ kind: 'oracle', marketId: ETH_PERP, price: x('100') }); // the market's funding clock starts
  h.place('S', bob, 'sell', '100', '2', P);
  h.place('B', alice, 'buy', '100', '2', P); // alice long 2 at 100, bob short 2; taker fee 0.1, maker rebate 0.02
  h.apply(end);
  return h;
}

describe('funding', () => {
  it('clamps the rate, adds rate × oracle price per hour since the last update to the cumulative funding, and says so', () => {
    const h = opened();
    later(h, 3600n);
    expect(h.apply({ kind: 'funding', marketId: ETH_PERP, rate: x('0.001') })).toEqual([
      { kind: 'fundingUpdated', marketId: ETH_PERP, rate: x('0.001'), cumFunding: x('0.1') },
    ]);
    later(h, 1800n); // half an hour at the clamp: 0.005 × 100 / 2
    expect(h.apply({ kind: 'funding', marketId: ETH_PERP, rate: x('1') })[0]).toMatchObject({ rate: DEFAULT_MAX_FUNDING_RATE, cumFunding: x('0.35') });
    // a second update at the same time applies nothing: repeating funding cannot move it further
    expect(h.apply({ kind: 'funding', marketId: ETH_PERP, rate: x('1') })[0]).toMatchObject({ cumFunding: x('0.35') });
    later(h, 7n); // seven seconds, truncated toward zero
    expect(h.apply({ kind: 'funding', marketId: ETH_PERP, rate: -x('0.001') })[0]).toMatchObject({ cumFunding: x('0.35') - (x('0.1') * 7n) / 3600n });
    expect(h.engine.fundingSince(ETH_PERP)).toBe(h.engine.now);
  });

  it('refuses what no honest sequencer sends', () => {
    const h = new Harness();
    expect(() => h.apply({ kind: 'funding', marketId: ETH_PERP, rate: 1n })).toThrow(/oracle/);
    expect(() => h.apply({ kind: 'funding', marketId: 1, rate: 1n })).toThrow(/not a perp/);
    h.apply({ kind: 'oracle', marketId: ETH_PERP, price: x('100') });
    expect(() => h.apply({ kind: 'funding', marketId: ETH_PERP, rate: 1n << 127n })).toThrow(/rate/);
    expect(() => new Engine({ ...config, markets: config.markets.map((m) => ({ ...m, maxFundingRate: -1n })) })).toThrow(/maxFundingRate/);
  });

  it('a position pays its funding when it is next settled, longs to shorts', () => {
    const h = opened();
    later(h, 3600n);
    h.apply({ kind: 'funding', marketId: ETH_PERP, rate: x('0.001') }); // an hour of +0.1 per ETH: longs pay
    h.apply(end);
    // untouched positions have not paid yet
    expect(h.engine.position(alice, ETH_PERP)).toEqual({ size: x('2'), vQuote: x('-200'), lastCumFunding: 0n });
    // alice closes half to carol at 100: her position is settled in this batch
    h.place('B2', carol, 'buy', '100', '1', P);
    h.place('C', alice, 'sell', '100', '1', P);
    h.apply(end);
    // owed 0.2 on 2 ETH; half of (−200 − 0.2) stays as the entry of the lot still open
    expect(h.engine.position(alice, ETH_PERP)).toEqual({ size: x('1'), vQuote: x('-100.1'), lastCumFunding: x('0.1') });
    // realized: sold 1 for 100 against an entry of 100.1 → −0.1 into USDC, after fees (0.1 + 0.05)
    expect(h.engine.balance(alice, USDC)).toBe(x('1000') - x('0.1') - x('0.05') - x('0.1'));
    expect(fundingOwed(x('2'), 0n, x('0.1'))).toBe(x('0.2'));
  });

  it('closing a position realizes everything and removes it', () => {
    const h = opened();
    h.place('B2', carol, 'buy', '110', '2', P);
    h.place('C', alice, 'sell', '110', '2', P);
    h.apply(end);
    expect(h.engine.positions(alice)).toEqual([]);
    expect(h.engine.balance(alice, USDC)).toBe(x('1000') - x('0.1') + x('20') - x('0.11')); // +20 PnL, two taker fees
  });

  it('value is never created: balances + vQuote − funding still owed stay at their start, less a wei of dust per settlement', () => {
    const op = fc.record({
      who: fc.nat(2),
      isBuy: fc.boolean(),
      lots: fc.integer({ min: 1, max: 5 }),
      price: fc.integer({ min: 90, max: 110 }),
      end: fc.boolean(),
      funding: fc.bigInt({ min: -(10n ** 15n), max: 10n ** 15n }),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 25 }), (ops) => {
        const traders = [alice, bob, carol];
        const h = new Harness({ allowBorrow: true });
        // an index price and rates that do not divide evenly, so every payment rounds
        h.apply({ kind: 'oracle', marketId: ETH_PERP, price: x('100.123456789012345677') });
        // between batches nothing is pending, so a position read is its stored value
        const value = (): bigint =>
          traders.reduce((sum, t) => {
            const p = h.engine.position(t, ETH_PERP);
            const owed = p === undefined ? 0n : fundingOwed(p.size, p.lastCumFunding, h.engine.cumFunding(ETH_PERP));
            return sum + h.engine.balance(t, USDC) + (p?.vQuote ?? 0n) - owed;
          }, 0n) + h.engine.balance(config.feeSubaccount, USDC);
        const start = value();
        let settlements = 0n;
        for (const o of ops) {
          const maker = traders[o.who]!;
          const taker = traders[(o.who + 1) % 3]!;
          h.place('m', maker, o.isBuy ? 'buy' : 'sell', String(o.price), `0.${o.lots}`, P);
          h.place('t', taker, o.isBuy ? 'sell' : 'buy', String(o.price), `0.${o.lots}`, { ...P, tif: 'IOC' });
          if (o.funding !== 0n) {
            later(h, BigInt(o.lots) * 700n); // a new batch (it stores the last one's moves), then funding for the time since
            settlements += 3n;
            h.apply({ kind: 'funding', marketId: ETH_PERP, rate: o.funding * 3n + 1n });
          }
          if (o.end) {
            h.apply(end);
            settlements += 3n;
            const v = value();
            expect(v).toBeLessThanOrEqual(start);
            expect(start - v).toBeLessThanOrEqual(settlements);
          }
        }
        h.apply(end);
        expect(traders.reduce((s, t) => s + (h.engine.position(t, ETH_PERP)?.size ?? 0n), 0n)).toBe(0n);
      }),
      { numRuns: runs },
    );
  });

  it('pending fills, settled positions and cumulative funding survive snapshot → restore', () => {
    const h = opened();
    later(h, 900n);
    h.apply({ kind: 'funding', marketId: ETH_PERP, rate: x('0.002') });
    h.place('B2', carol, 'buy', '105', '1', P);
    h.place('C', alice, 'sell', '105', '1', P); // pending in this batch
    const copy = Engine.restore(config, h.engine.snapshot());
    expect(copy.stateHash()).toBe(h.engine.stateHash());
    for (const input of [end, { kind: 'funding', marketId: ETH_PERP, rate: -x('0.001') } as EngineInput, end]) {
      expect(copy.apply(input)).toEqual(h.engine.apply(input));
      expect(copy.stateHash()).toBe(h.engine.stateHash());
    }
    expect(copy.positions(alice)).toEqual(h.engine.positions(alice));
    expect(copy.balances(alice)).toEqual(h.engine.balances(alice));
  });
});

describe('the funding rate from the book', () => {
  it('is the time-weighted mean premium of the book over the index between updates', () => {
    const h = new Harness().fund(alice, { USDC: '100000' }).fund(bob, { USDC: '100000' });
    h.time(1000n);
    h.apply({ kind: 'oracle', marketId: ETH_PERP, price: x('100') });
    h.place('B', alice, 'buy', '100', '1', P);
    h.place('S', bob, 'sell', '100.2', '1', P); // mid 100.1: premium 0.1%
    h.apply(end);
    h.time(1100n); // samples 0.1% (the book as it stood at 1000 had no mid: 0% for 0 s)
    h.apply(end);
    h.place('S2', bob, 'sell', '100.05', '1', P); // mid 100.025: premium 0.025%
    h.apply(end);
    h.time(1400n); // 0.1% for 300 s
    h.apply(end);
    h.time(1500n); // 0.025% for 100 s
    // (0 · 100 + 0.1% · 300 + 0.025% · 100) / 500 s, from the first sample at 1000
    const events = h.apply({ kind: 'funding', marketId: ETH_PERP });
    // applied for the 500 s since the market was first priced
    expect(events).toEqual([{ kind: 'fundingUpdated', marketId: ETH_PERP, rate: x('0.00065'), cumFunding: (x('0.065') * 500n) / 3600n }]);
    // the clock starts over: with no time passed the next rate is 0
    expect(h.apply({ kind: 'funding', marketId: ETH_PERP })[0]).toMatchObject({ rate: 0n });
  });

  it('counts no premium while a side of the book is empty, and survives a snapshot', () => {
    const h = new Harness().fund(alice, { USDC: '100000' });
    h.time(10n);
    h.apply({ kind: 'oracle', marketId: ETH_PERP, price: x('100') });
    h.place('B', alice, 'buy', '150', '1', P);
    h.time(20n);
    h.time(30n);
    const copy = Engine.restore(config, h.engine.snapshot());
    expect(copy.stateHash()).toBe(h.engine.stateHash());
    expect(h.apply({ kind: 'funding', marketId: ETH_PERP })[0]).toMatchObject({ rate: 0n });
    expect(copy.apply({ kind: 'funding', marketId: ETH_PERP })[0]).toMatchObject({ rate: 0n });
  });
});
