/**
 * A stale oracle price (older than the market's maxStaleness) blocks every fill that adds risk —
 * growing a perp position, borrowing on spot — and never one that reduces it (spec/perps.md).
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_MAX_STALENESS, Engine } from '../../src/index.js';
import { alice, bob, carol, config, ETH, ETH_PERP, Harness, marginConfig, USDC, x } from './fixtures.js';

const P = { market: ETH_PERP } as const;

/** alice long 1 ETH-PERP from bob at 100; the oracle published at t = 1000. */
function positioned(): Harness {
  const h = new Harness({ allowBorrow: true }).fundAll();
  h.time(1000n);
  h.apply({ kind: 'oracle', marketId: ETH_PERP, price: x('100'), publishedAt: 1000n });
  h.apply({ kind: 'oracle', marketId: ETH, price: x('100'), publishedAt: 1000n });
  h.place('S', bob, 'sell', '100', '1', P);
  h.place('B', alice, 'buy', '100', '1', P);
  h.apply({ kind: 'endBatch' });
  return h;
}

describe('stale oracle prices', () => {
  it('at exactly maxStaleness the price still counts; one second later a taker adding risk stops', () => {
    const h = positioned();
    h.time(1000n + DEFAULT_MAX_STALENESS);
    h.place('S2', bob, 'sell', '100', '1', P);
    h.place('B2', carol, 'buy', '100', '0.5', P);
    expect(h.brief()).toEqual(['accepted B2', 'fill S2<-B2 0.5@100']);
    h.time(1001n + DEFAULT_MAX_STALENESS);
    // bob's resting sell would grow his short: removed, and carol's buy rests
    h.place('B3', carol, 'buy', '100', '0.5', P);
    expect(h.brief()).toEqual(['accepted B3', 'cancelled S2 STALE_PRICE 0.5']);
    // alice's sell reduces her long, but carol's resting buy would grow hers: that maker goes, alice rests
    h.place('A', alice, 'sell', '99', '0.5', P);
    expect(h.brief()).toEqual(['accepted A', 'cancelled B3 STALE_PRICE 0.5']);
    // carol buying from alice: the maker reduces, the taker grows her long and stops
    h.place('B4', carol, 'buy', '99', '0.5', { ...P, tif: 'IOC' });
    expect(h.brief()).toEqual(['accepted B4', 'cancelled B4 STALE_PRICE 0.5']);
    expect(h.bookText(ETH_PERP).asks).toEqual(['99 x 0.5']);
  });

  it('reducing fills go on while the price is stale, on both sides', () => {
    const h = positioned();
    h.time(5000n + DEFAULT_MAX_STALENESS);
    // alice (long 1) sells to bob (short 1) as maker and taker: both reduce
    h.place('S', alice, 'sell', '101', '0.4', P);
    h.place('B', bob, 'buy', '101', '0.4', P);
    expect(h.brief()).toEqual(['accepted B', 'fill S<-B 0.4@101']);
  });

  it('a maker whose fill would add risk is removed, and matching goes on to the next', () => {
    const h = positioned();
    h.place('C1', carol, 'sell', '100', '1', P); // carol has no position: selling opens a short
    h.place('A1', alice, 'sell', '100', '1', P); // alice's sell closes her long
    h.time(5000n + DEFAULT_MAX_STALENESS);
    h.place('T', bob, 'buy', '100', '1', P); // bob is short 1: buying reduces
    expect(h.brief()).toEqual(['accepted T', 'cancelled C1 STALE_PRICE 1', 'fill A1<-T 1@100']);
  });

  it('a fresh price lifts the block', () => {
    const h = positioned();
    h.time(5000n + DEFAULT_MAX_STALENESS);
    h.apply({ kind: 'oracle', marketId: ETH_PERP, price: x('100'), publishedAt: 4990n + DEFAULT_MAX_STALENESS });
    h.place('S2', bob, 'sell', '100', '1', P);
    h.place('B2', carol, 'buy', '100', '1', P);
    expect(h.brief()).toEqual(['accepted B2', 'fill S2<-B2 1@100']);
  });

  it('on spot, a stale price blocks borrowing but not a purchase paid in full', () => {
    const h = new Harness({ allowBorrow: true });
    h.fund(alice, { USDC: '150' }).fund(bob, { WETH: '5' });
    h.time(1000n);
    h.apply({ kind: 'oracle', marketId: ETH, price: x('100'), publishedAt: 1000n });
    h.time(5000n + DEFAULT_MAX_STALENESS);
    h.place('S', bob, 'sell', '100', '2', { market: ETH });
    h.place('B', alice, 'buy', '100', '2', { market: ETH, tif: 'IOC' }); // 1 paid for, the 2nd would borrow: but the whole fill is judged
    expect(h.brief()).toEqual(['accepted B', 'cancelled B STALE_PRICE 2']);
    h.place('B2', alice, 'buy', '100', '1', { market: ETH, tif: 'IOC' });
    expect(h.brief()).toEqual(['accepted B2', 'fill S<-B2 1@100']);
  });

  it('the publication time is in the snapshot, and a bad one is refused', () => {
    const h = positioned();
    const copy = Engine.restore(config, h.engine.snapshot(), { allowBorrow: true });
    expect(copy.stateHash()).toBe(h.engine.stateHash());
    expect(() => h.apply({ kind: 'oracle', marketId: ETH_PERP, price: x('1'), publishedAt: -1n })).toThrow(/publishedAt/);
    expect(() => new Engine({ ...config, markets: config.markets.map((m) => ({ ...m, maxStaleness: -1n })) })).toThrow(/maxStaleness/);
  });

  it('collateral at a stale price counts for nothing toward initial health, for trades and withdrawals alike', () => {
    const h = new Harness({}, marginConfig).fund(alice, { WETH: '10', USDC: '200' }).fund(bob, { USDC: '100000' });
    h.time(1000n);
    h.apply({ kind: 'oracle', marketId: ETH, price: x('2000'), publishedAt: 1000n });
    h.apply({ kind: 'oracle', marketId: ETH_PERP, price: x('2000'), publishedAt: 1000n });
    h.place('S', bob, 'sell', '2000', '1', P);
    h.place('B', alice, 'buy', '2000', '1', P);
    h.apply({ kind: 'endBatch' });
    const fresh = h.engine.initialHealth(alice)!;
    expect(fresh).toBeGreaterThan(x('10000')); // 10 WETH back the long
    h.time(1000n + DEFAULT_MAX_STALENESS + 1n);
    // both ETH prices stale: the WETH counts for nothing, the perp's requirement stays
    expect(h.engine.initialHealth(alice)).toBe(x('199') - x('200'));
    expect(h.engine.riskReport(alice)!.equity).toBeGreaterThan(x('20000')); // maintenance still values it
    h.apply({ kind: 'withdraw', requestId: 1n, subaccount: alice, assetId: USDC, amount: x('100') });
    expect(h.brief()).toEqual(['withdrawalRejected alice INSUFFICIENT_MARGIN']);
  });
});
