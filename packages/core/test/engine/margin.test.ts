/**
 * Portfolio margin inside matching (spec/matching.md, spec/risk.md): with risk parameters, each fill must leave
 * each side's initial health ≥ 0 or no lower than before; withdrawals must leave it ≥ 0. Loans
 * and leverage follow from it: spending more than you hold borrows, within your margin.
 */
import { describe, expect, it } from 'vitest';
import { alice, bob, carol, ETH, ETH_PERP, Harness, marginConfig, USDC, x } from './fixtures.js';

const P = { market: ETH_PERP } as const;

function priced(price = '2000'): Harness {
  const h = new Harness({}, marginConfig);
  h.apply({ kind: 'oracle', marketId: ETH, price: x(price) });
  h.apply({ kind: 'oracle', marketId: ETH_PERP, price: x(price) });
  return h;
}

describe('portfolio margin', () => {
  it('opens a perp position as far as initial health allows, and no further', () => {
    const h = priced().fund(alice, { USDC: '500' }).fund(bob, { USDC: '100000' });
    h.place('S', bob, 'sell', '2000', '3', P);
    // 1 ETH: requirement 200, fee 1 → health 299; 3 ETH would need 600
    h.place('B', alice, 'buy', '2000', '3', P);
    expect(h.brief()).toEqual(['accepted B', 'cancelled B INSUFFICIENT_MARGIN 3']);
    h.place('B1', alice, 'buy', '2000', '2.4', P);
    expect(h.brief()).toEqual(['accepted B1', 'fill S<-B1 2.4@2000']);
    expect(h.engine.initialHealth(alice)).toBe(x('500') - x('2.4') - x('480'));
  });

  it('removes an under-margined maker and goes on to the next', () => {
    const h = priced().fund(alice, { USDC: '300' }).fund(bob, { USDC: '100000' }).fund(carol, { USDC: '100000' });
    h.place('A', alice, 'sell', '2000', '1', P); // rests backed by 300
    h.withdraw(alice, { USDC: '200' }); // then the fill would need 200 of margin: it has 100
    h.place('C', carol, 'sell', '2001', '1', P);
    h.place('B', bob, 'buy', '2001', '1', P);
    expect(h.brief()).toEqual(['accepted B', 'cancelled A INSUFFICIENT_MARGIN 1', 'fill C<-B 1@2001']);
  });

  it('borrows when spot spends more than the balance, backed by the whole account', () => {
    const h = priced().fund(alice, { USDC: '1000' }).fund(bob, { WETH: '10' });
    h.place('S', bob, 'sell', '2000', '2', { market: ETH });
    // 2 ETH for 4000 + 2 fee: a loan of 3002 USDC; health 4000 − 3002 − 400 = 598
    h.place('B', alice, 'buy', '2000', '2', { market: ETH });
    expect(h.brief()).toEqual(['accepted B', 'fill S<-B 2@2000']);
    h.apply({ kind: 'endBatch' });
    expect(h.engine.balance(alice, USDC)).toBe(x('-3002'));
    expect(h.engine.initialHealth(alice)).toBe(x('598'));
    // three more would take health to 10000 − 9005 − 1000 = −5
    h.place('S2', bob, 'sell', '2000', '3', { market: ETH });
    h.place('B2', alice, 'buy', '2000', '3', { market: ETH });
    expect(h.brief()).toEqual(['accepted B2', 'cancelled B2 INSUFFICIENT_MARGIN 3']);
  });

  it('lets an account under water reduce its risk, never add to it', () => {
    const h = priced().fund(alice, { USDC: '500' }).fund(bob, { USDC: '100000' });
    h.place('S', bob, 'sell', '2000', '2', P);
    h.place('B', alice, 'buy', '2000', '2', P);
    h.apply({ kind: 'endBatch' });
    h.apply({ kind: 'oracle', marketId: ETH_PERP, price: x('1900') }); // uPnL −200, requirement 380
    expect(h.engine.initialHealth(alice)!).toBeLessThan(0n);
    h.place('S2', bob, 'sell', '1900', '1', P);
    h.place('B2', alice, 'buy', '1900', '0.1', P);
    expect(h.brief()).toEqual(['accepted B2', 'cancelled B2 INSUFFICIENT_MARGIN 0.1']);
    h.place('B3', bob, 'buy', '1900', '1', P);
    h.place('S3', alice, 'sell', '1900', '1', P); // halves the requirement
    expect(h.brief()).toEqual(['accepted S3', 'fill B3<-S3 1@1900']);
  });

  it('refuses a withdrawal that would leave initial health below zero', () => {
    const h = priced().fund(alice, { USDC: '500' }).fund(bob, { USDC: '100000' });
    h.place('S', bob, 'sell', '2000', '2', P);
    h.place('B', alice, 'buy', '2000', '2', P); // health 500 − 2 − 400 = 98
    h.apply({ kind: 'endBatch' });
    expect(h.engine.apply({ kind: 'withdraw', requestId: 1n, subaccount: alice, assetId: USDC, amount: x('99') })).toMatchObject([
      { kind: 'withdrawalRejected', code: 'INSUFFICIENT_MARGIN' },
    ]);
    expect(h.engine.apply({ kind: 'withdraw', requestId: 2n, subaccount: alice, assetId: USDC, amount: x('98') })).toMatchObject([{ kind: 'withdrawn' }]);
    expect(h.engine.initialHealth(alice)).toBe(0n);
  });

  it('counts funding owed before it is settled', () => {
    const h = priced().fund(alice, { USDC: '500' }).fund(bob, { USDC: '100000' });
    h.place('S', bob, 'sell', '2000', '2', P);
    h.place('B', alice, 'buy', '2000', '2', P);
    h.apply({ kind: 'endBatch' });
    h.time(h.engine.now + 3600n);
    const before = h.engine.initialHealth(alice)!;
    h.apply({ kind: 'funding', marketId: ETH_PERP, rate: x('0.001') }); // an hour of 2 per ETH: alice owes 4
    expect(h.engine.initialHealth(alice)).toBe(before - x('4'));
  });

  it('reports no health for an unknown subaccount but zero, and none without risk parameters', () => {
    expect(priced().engine.initialHealth(carol)).toBe(0n);
    expect(new Harness().engine.initialHealth(alice)).toBeUndefined();
  });
});

describe('the risk report', () => {
  it('follows the account through the tiers as its index price falls', () => {
    const h = priced().fund(alice, { USDC: '500' }).fund(bob, { USDC: '100000' });
    h.place('S', bob, 'sell', '2000', '2', P);
    h.place('B', alice, 'buy', '2000', '2', P); // long 2, cash 498 after the taker fee
    h.apply({ kind: 'endBatch' });
    const tierAt = (price: string) => {
      h.apply({ kind: 'oracle', marketId: ETH_PERP, price: x(price) });
      return h.engine.riskReport(alice)!.tier;
    };
    expect(tierAt('2000')).toBe('healthy');
    expect(tierAt('1900')).toBe('restricted'); // E 298 < R_IM 380, ≥ R_MM 190
    expect(tierAt('1800')).toBe('margin_call'); // E 98 < R_MM 180
    expect(tierAt('1780')).toBe('backstop'); // E 58 < 0.5 · 178
    expect(tierAt('1740')).toBe('bankrupt'); // E −22
    expect(h.engine.riskReport(alice)!.groups.map((g) => g.groupId)).toEqual([1]);
    expect(new Harness().engine.riskReport(alice)).toBeUndefined();
  });
});
