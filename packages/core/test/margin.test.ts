/**
 * Initial health (spec/risk.md) on reference portfolios, worked by hand: each row names the
 * portfolio, the numbers that go in and the health that must come out, to the wei.
 */
import { describe, expect, it } from 'vitest';
import { initialHealth, parseX18 as x, riskReport, type MarginParams, type Portfolio } from '../src/index.js';

const ETH = 1;
const BTC = 2;
const params: MarginParams = {
  groups: new Map([
    [ETH, { groupId: ETH, shockIM: x('0.1'), basisIM: x('0.02') }],
    [BTC, { groupId: BTC, shockIM: x('0.1'), basisIM: x('0.02') }],
  ]),
  pnlWeight: x('0.5'),
};
const perp = (group: number, size: string, vQuote: string, price: string, concIM = '0', concThreshold = '0') => ({
  group,
  size: x(size),
  vQuote: x(vQuote),
  price: x(price),
  concIM: x(concIM),
  concThreshold: x(concThreshold),
});
const asset = (group: number, balance: string, price: string | undefined) => ({
  group,
  balance: x(balance),
  price: price === undefined ? undefined : x(price),
});

const rows: Array<[string, Portfolio, string | null]> = [
  ['cash only', { quote: x('1000'), assets: [], perps: [] }, '1000'],
  ['fully paid spot: 1 ETH at 2000 → 2000 − 10% shock', { quote: 0n, assets: [asset(ETH, '1', '2000')], perps: [] }, '1800'],
  ['naked long perp: 1 ETH entered at 2000, index 2000, 500 cash', { quote: x('500'), assets: [], perps: [perp(ETH, '1', '-2000', '2000')] }, '300'],
  ['naked short perp', { quote: x('500'), assets: [], perps: [perp(ETH, '-1', '2000', '2000')] }, '300'],
  // net 0, gross 4000: only the basis charge (2% of the 4000 − 0) = 80
  ['basis trade: long 1 ETH spot, short 1 ETH-PERP', { quote: x('100'), assets: [asset(ETH, '1', '2000')], perps: [perp(ETH, '-1', '2000', '2000')] }, '2020'],
  // borrowed 1000 USDC against the hedged book
  ['borrowing USDC against a basis trade', { quote: x('-1000'), assets: [asset(ETH, '1', '2000')], perps: [perp(ETH, '-1', '2000', '2000')] }, '920'],
  // groups do not offset each other: 10% of 2000 and 10% of 3000
  ['cross-asset: long ETH, short BTC-PERP', { quote: x('1000'), assets: [asset(ETH, '1', '2000')], perps: [perp(BTC, '-0.1', '3000', '30000')] }, '2500'],
  // positive uPnL counts at half: uPnL 200 → 100; requirement 10% of 2200
  ['winning long: uPnL at pnlWeight', { quote: x('500'), assets: [], perps: [perp(ETH, '1', '-2000', '2200')] }, '380'],
  ['losing long: uPnL in full', { quote: x('500'), assets: [], perps: [perp(ETH, '1', '-2000', '1800')] }, '120'],
  // 10 ETH at 2000: 20000 notional, 10% shock 2000, plus 5% of the 10000 above the threshold
  ['concentrated', { quote: x('3000'), assets: [], perps: [perp(ETH, '10', '-20000', '2000', '0.05', '10000')] }, '500'],
  // a group without parameters: shock 1 — no collateral value, debts in full
  ['unconfigured group', { quote: x('100'), assets: [asset(7, '1', '50')], perps: [] }, '100'],
  ['a loan without a price has no health', { quote: x('100'), assets: [asset(ETH, '-1', undefined)], perps: [] }, null],
  ['a holding without a price is worth nothing', { quote: x('100'), assets: [asset(ETH, '1', undefined)], perps: [] }, '100'],
  ['a position without a price has no health', { quote: x('100'), assets: [], perps: [{ ...perp(ETH, '1', '-2000', '1'), price: undefined }] }, null],
  // closed within the batch: only its PnL is left
  ['closed position, PnL pending', { quote: x('100'), assets: [], perps: [perp(ETH, '0', '-30', '2000')] }, '70'],
];

describe('initial health', () => {
  it.each(rows)('%s', (_name, portfolio, want) => {
    expect(initialHealth(portfolio, params)).toBe(want === null ? null : x(want));
  });

  it('rounds against the trader: values down, requirements up', () => {
    // 1 wei of ETH at 1.5 is worth ⌊1.5⌋ = 1 wei; the 10% shock on it ⌈0.1⌉ = 1 wei
    expect(initialHealth({ quote: 0n, assets: [{ group: ETH, balance: 1n, price: x('1.5') }], perps: [] }, params)).toBe(0n);
    // a loan of 1 wei at 1.5 is worth ⌊−1.5⌋ = −2 wei, and its shock ⌈0.2⌉ = 1 wei
    expect(initialHealth({ quote: 10n, assets: [{ group: ETH, balance: -1n, price: x('1.5') }], perps: [] }, params)).toBe(10n - 2n - 1n);
    // a short of 3 wei at 0.5: notional ⌊−1.5⌋ = −2, uPnL 0 − 2, shock ⌈0.2⌉ = 1
    expect(
      initialHealth({ quote: 10n, assets: [], perps: [{ group: ETH, size: -3n, vQuote: 0n, price: x('0.5'), concIM: 0n, concThreshold: 0n }] }, params),
    ).toBe(10n - 2n - 1n);
  });

  it('never goes below zero for a fully paid portfolio', () => {
    const full = { groups: new Map([[ETH, { groupId: ETH, shockIM: x('1'), basisIM: x('1') }]]), pnlWeight: 0n };
    expect(initialHealth({ quote: 0n, assets: [asset(ETH, '3.333333333333333333', '0.000000000000000007')], perps: [] }, full)).toBe(0n);
  });
});

describe('the risk report', () => {
  const half = x('0.5');
  it('gives both requirements, both healths and the tier', () => {
    // long 1 ETH-PERP at 2000 with 300 cash: R_IM 200, R_MM 100 (half by default)
    const p: Portfolio = { quote: x('300'), assets: [], perps: [perp(ETH, '1', '-2000', '2000')] };
    const r = riskReport(p, params, half)!;
    expect([r.equity, r.requirementIM, r.requirementMM, r.initialHealth, r.maintenanceHealth]).toEqual([x('300'), x('200'), x('100'), x('100'), x('200')]);
    expect(r.tier).toBe('healthy');
    // the price move that brings maintenance health to zero: 200 / (2000 − 100) below, a 10.526…% fall
    expect(r.groups).toEqual([
      {
        groupId: ETH,
        net: x('2000'),
        gross: x('2000'),
        requirementIM: x('200'),
        requirementMM: x('100'),
        priceMoveToZero: -(x('200') * 10n ** 18n) / x('1900'),
      },
    ]);
  });

  it('walks down the tiers as the price falls', () => {
    const at = (price: string) => riskReport({ quote: x('300'), assets: [], perps: [perp(ETH, '1', '-2000', price)] }, params, half)!;
    // E = 300 + (P − 2000), R_IM = 0.1·P, R_MM = 0.05·P
    expect(at('1900').tier).toBe('healthy'); // E 200 ≥ R_IM 190
    expect(at('1850').tier).toBe('restricted'); // E 150 < R_IM 185, ≥ R_MM 92.5
    expect(at('1780').tier).toBe('margin_call'); // E 80 < R_MM 89, ≥ half of it
    expect(at('1740').tier).toBe('backstop'); // E 40 < 0.5 · 87
    expect(at('1690').tier).toBe('bankrupt'); // E −10
  });

  it('a hedged group has no price move that zeroes it, and an unpriced loan has no report', () => {
    const basis: Portfolio = { quote: x('100'), assets: [asset(ETH, '1', '2000')], perps: [perp(ETH, '-1', '2000', '2000')] };
    const r = riskReport(basis, params, half)!;
    expect(r.requirementMM).toBe(x('40')); // basis 1% of the 4000 hedged
    expect(r.groups[0]!.priceMoveToZero).toBe((-r.maintenanceHealth * 10n ** 18n) / (0n - x('40')));
    expect(riskReport({ quote: 0n, assets: [asset(ETH, '-1', undefined)], perps: [] }, params, half)).toBeNull();
  });

  it('uses the maintenance charges given, never more than the initial ones', () => {
    const mm = { ...params, groups: new Map([[ETH, { groupId: ETH, shockIM: x('0.1'), basisIM: x('0.02'), shockMM: x('0.03'), basisMM: x('0.01') }]]) };
    const r = riskReport({ quote: x('300'), assets: [], perps: [perp(ETH, '1', '-2000', '2000')] }, mm, half)!;
    expect(r.requirementMM).toBe(x('60'));
    expect(r.initialHealth).toBe(initialHealth({ quote: x('300'), assets: [], perps: [perp(ETH, '1', '-2000', '2000')] }, mm));
  });
});
