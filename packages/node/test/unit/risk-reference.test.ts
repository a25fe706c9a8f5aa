/**
 * Reference portfolios under the devnet's risk parameters (docs: guide/risk.md), against what
 * dYdX v4, Vertex and Hyperliquid would ask for the same positions from their public formulas.
 * The targets: a basis trade needs at most a third of the capital of the best of them; naked
 * directional risk needs no less than any of them asks.
 *
 * Their formulas, as published:
 * - dYdX v4 (perps only; the Large-Cap liquidity tier of BTC and ETH): initial margin 5% of
 *   notional (IMF 50,000 ppm), maintenance 60% of it. Spot is held elsewhere, paid in full.
 * - Hyperliquid (standard cross margin): initial margin notional ÷ max leverage from the margin
 *   tables — ETH 25× up to 100M, BTC 40× up to 150M (15× and 20× past them); spot does not
 *   margin perps, so it is paid in full.
 * - Vertex: health = Σ value × weight; BTC/ETH perps weigh 0.95 long / 1.05 short at initial
 *   (20×), spot 0.9 / 1.1 (spot bought with a USDC loan needs 10% of it); a long-spot / short-perp
 *   pair is a spread, charged (1 − 0.95) / 5 = 1% on the notional of each of its two legs.
 */
import { describe, expect, it } from 'vitest';
import { parseX18, riskReport, type MarginParams, type Portfolio } from '@kestrel/core';
import { DEVNET_MARKETS, DEVNET_RISK, GROUP_BTC, GROUP_ETH } from '../../src/devnet/listing.js';

const x = parseX18;
const ONE = x('1');
const ETH = x('2000');
const BTC = x('60000');
const params: MarginParams = { groups: new Map(DEVNET_RISK.riskGroups.map((g) => [g.groupId, g])), pnlWeight: DEVNET_RISK.pnlWeight };
type Perp = Extract<(typeof DEVNET_MARKETS)[number], { kind: 'PERP' }>;
const perp = (marketId: 3 | 4): Perp => DEVNET_MARKETS.find((m): m is Perp => m.marketId === marketId && m.kind === 'PERP')!;

/** A book: perp sizes and spot holdings (base units; a spot holding is bought with a USDC loan). */
interface Book {
  ethPerp?: bigint;
  btcPerp?: bigint;
  ethSpot?: bigint;
}

/** Kestrel: the capital an account needs to open the book — its initial requirement (loans count as negative quote). */
function kestrel(b: Book): bigint {
  const eth = b.ethSpot ?? 0n;
  const p: Portfolio = {
    quote: -(eth * ETH) / ONE, // the spot is bought with borrowed USDC
    assets: [{ group: GROUP_ETH, balance: eth, price: ETH }],
    perps: (
      [
        [3, b.ethPerp ?? 0n, ETH, GROUP_ETH],
        [4, b.btcPerp ?? 0n, BTC, GROUP_BTC],
      ] as const
    ).map(([id, size, price, group]) => ({
      group,
      size,
      vQuote: -(size * price) / ONE, // opened at the index: no PnL
      price,
      concIM: perp(id).concIM,
      concMM: perp(id).concMM,
      concThreshold: perp(id).concThreshold,
    })),
  };
  const r = riskReport(p, params, x('0.5'))!;
  // equity is zero (everything at cost, the spot on a loan): the capital to deposit is the requirement
  expect(r.equity).toBe(0n);
  return r.requirementIM;
}

const notional = (size: bigint | undefined, price: bigint): bigint => (((size ?? 0n) < 0n ? -(size ?? 0n) : (size ?? 0n)) * price) / ONE;

function dydx(b: Book): bigint {
  return (notional(b.ethPerp, ETH) * 5n) / 100n + (notional(b.btcPerp, BTC) * 5n) / 100n + notional(b.ethSpot, ETH);
}

function hyperliquid(b: Book): bigint {
  const eth = notional(b.ethPerp, ETH);
  const btc = notional(b.btcPerp, BTC);
  return eth / (eth > x('100000000') ? 15n : 25n) + btc / (btc > x('150000000') ? 20n : 40n) + notional(b.ethSpot, ETH);
}

function vertex(b: Book): bigint {
  const spot = b.ethSpot ?? 0n;
  const short = (b.ethPerp ?? 0n) < 0n ? -(b.ethPerp ?? 0n) : 0n;
  const pair = spot < short ? spot : short; // the spread: long spot against short perp
  const ethPerpLeft = (b.ethPerp ?? 0n) + pair;
  const spotLeft = spot - pair;
  return (
    (notional(pair, ETH) * 2n) / 100n + // 1% on each of its two legs
    (notional(ethPerpLeft, ETH) * 5n) / 100n +
    (notional(b.btcPerp, BTC) * 5n) / 100n +
    (notional(spotLeft, ETH) * 10n) / 100n
  );
}

const N = x('50'); // 50 ETH: 100,000 USDC of notional
/** naked: no less than any asks; margin-spot: no less than the one that lends against spot (Vertex); basis: ≤ ⅓ of the best */
const cases: Array<[string, Book, bigint, 'naked' | 'margin-spot' | 'basis' | 'hedged']> = [
  ['naked long ETH-PERP', { ethPerp: N }, x('10000'), 'naked'],
  ['naked short ETH-PERP', { ethPerp: -N }, x('10000'), 'naked'],
  ['spot WETH on a USDC loan', { ethSpot: N }, x('10000'), 'margin-spot'],
  ['basis trade: long spot WETH, short ETH-PERP', { ethSpot: N, ethPerp: -N }, x('600'), 'basis'],
  ['cross-asset: long ETH-PERP, short BTC-PERP', { ethPerp: N, btcPerp: -x('1.5') }, x('19000'), 'naked'],
  ['concentrated: long 5,000 ETH-PERP (10M)', { ethPerp: x('5000') }, x('1160000'), 'naked'],
  ['half-hedged: long 50 spot WETH, short 25 ETH-PERP', { ethSpot: N, ethPerp: -x('25') }, x('5300'), 'hedged'],
];

describe('reference portfolios under the devnet parameters', () => {
  for (const [name, book, expected, kind] of cases) {
    it(name, () => {
      const mine = kestrel(book);
      expect(mine, `${name}: Kestrel's initial requirement`).toBe(expected);
      const theirs = { dydx: dydx(book), vertex: vertex(book), hyperliquid: hyperliquid(book) };
      const best = [theirs.dydx, theirs.vertex, theirs.hyperliquid].reduce((a, b) => (a < b ? a : b));
      const most = [theirs.dydx, theirs.vertex, theirs.hyperliquid].reduce((a, b) => (a > b ? a : b));
      if (kind === 'basis') expect(mine * 3n, `${name}: at most a third of the best (${best})`).toBeLessThanOrEqual(best);
      if (kind === 'naked') expect(mine, `${name}: no less than any of them asks (${most})`).toBeGreaterThanOrEqual(most);
      // dYdX and Hyperliquid lend nothing against spot (they ask for it in full): only Vertex margins it
      if (kind === 'margin-spot') expect(mine, `${name}: no less than Vertex asks`).toBeGreaterThanOrEqual(theirs.vertex);
    });
  }

  it("states the competitors' figures the docs table shows", () => {
    const basis = { ethSpot: N, ethPerp: -N };
    expect([dydx(basis), vertex(basis), hyperliquid(basis)]).toEqual([x('105000'), x('2000'), x('104000')]);
    expect([dydx({ ethPerp: N }), vertex({ ethPerp: N }), hyperliquid({ ethPerp: N })]).toEqual([x('5000'), x('5000'), x('4000')]);
  });
});
