/**
 * What the devnet lists (the docs' guide/node.md and guide/risk.md explain the parameters). Tick × lot is a multiple of 1e18
 * in every market (the contract insists), so price × amount is always an exact X18 quote amount.
 */
import { parseX18 } from '@kestrel/core';

/** Risk groups: one per underlying, so spot and perp of the same coin offset each other. */
export const GROUP_ETH = 1;
export const GROUP_BTC = 2;

/** Mock Chainlink-style feeds (8 decimals, as Chainlink's USD feeds), with their first answers. */
export const DEVNET_FEEDS = [
  { name: 'ETH / USD', decimals: 8, answer: 2000_00000000n },
  { name: 'BTC / USD', decimals: 8, answer: 60000_00000000n },
];

/** An hour: Chainlink's heartbeat for these feeds, after which a round is stale. */
const FEED = { maxStaleness: 3600, maxRoundLag: 5 };

/**
 * Lending curves (spec/lending.md), the shapes the large money markets use: a stablecoin borrows
 * cheaply up to a high kink; volatile collateral kinks lower and steeper, so its pool keeps cash.
 */
export const DEVNET_ASSETS = [
  {
    symbol: 'USDC',
    decimals: 6,
    lending: { baseRate: 0n, slope1: parseX18('0.04'), slope2: parseX18('0.75'), kink: parseX18('0.9'), reserveFactor: parseX18('0.1') },
  },
  {
    symbol: 'WETH',
    decimals: 18,
    riskGroup: GROUP_ETH,
    priceMarketId: 1,
    lending: { baseRate: 0n, slope1: parseX18('0.03'), slope2: parseX18('0.8'), kink: parseX18('0.8'), reserveFactor: parseX18('0.15') },
  },
  {
    symbol: 'WBTC',
    decimals: 8,
    riskGroup: GROUP_BTC,
    priceMarketId: 2,
    lending: { baseRate: 0n, slope1: parseX18('0.04'), slope2: parseX18('3'), kink: parseX18('0.45'), reserveFactor: parseX18('0.2') },
  },
];

/**
 * Portfolio margin (docs: guide/risk.md, which compares the capital these ask with dYdX v4,
 * Vertex and Hyperliquid). Initial margin: a 10% shock on each coin's net exposure (10× at most
 * on a naked position, no more than the large venues allow), 0.3% on hedged notional (each leg
 * of a long-spot / short-perp pair: spot–perp basis on a major rarely moves 0.5% even in a
 * crash, and the plan and the backstop handle the tail), and half of a winning position's uPnL.
 * Maintenance is half of each.
 */
export const DEVNET_RISK = {
  riskGroups: [
    { groupId: GROUP_ETH, shockIM: parseX18('0.1'), basisIM: parseX18('0.003'), shockMM: parseX18('0.05'), basisMM: parseX18('0.0015') },
    { groupId: GROUP_BTC, shockIM: parseX18('0.1'), basisIM: parseX18('0.003'), shockMM: parseX18('0.05'), basisMM: parseX18('0.0015') },
  ],
  pnlWeight: parseX18('0.5'),
};

/**
 * Concentration: a perp position's notional above the threshold pays 2% more initial margin (1%
 * maintenance), so a position too large to unwind quickly is carried at lower leverage (the
 * JELLY and YFI lessons); BTC's deeper books get the higher threshold.
 */
const ETH_CONCENTRATION = { concIM: parseX18('0.02'), concMM: parseX18('0.01'), concThreshold: parseX18('2000000') };
const BTC_CONCENTRATION = { concIM: parseX18('0.02'), concMM: parseX18('0.01'), concThreshold: parseX18('5000000') };

// 1 bp maker, 5 bp taker: the common tier-0 schedule of the large venues
const FEES = { makerFee: parseX18('0.0001'), takerFee: parseX18('0.0005') };
const ETH_STEPS = { tickSize: parseX18('0.01'), lotSize: parseX18('0.0001'), minSize: parseX18('0.001') };
const BTC_STEPS = { tickSize: parseX18('0.1'), lotSize: parseX18('0.00001'), minSize: parseX18('0.0001') };

export const DEVNET_MARKETS = [
  { marketId: 1, symbol: 'WETH/USDC', kind: 'SPOT', baseAssetId: 1, quoteAssetId: 0, ...ETH_STEPS, ...FEES, feed: { mock: 'ETH / USD', ...FEED } },
  { marketId: 2, symbol: 'WBTC/USDC', kind: 'SPOT', baseAssetId: 2, quoteAssetId: 0, ...BTC_STEPS, ...FEES, feed: { mock: 'BTC / USD', ...FEED } },
  {
    marketId: 3,
    symbol: 'ETH-PERP',
    kind: 'PERP',
    baseAssetId: 1,
    quoteAssetId: 0,
    ...ETH_STEPS,
    ...FEES,
    feed: { mock: 'ETH / USD', ...FEED },
    riskGroup: GROUP_ETH,
    maxFundingRate: parseX18('0.005'),
    ...ETH_CONCENTRATION,
  },
  {
    marketId: 4,
    symbol: 'BTC-PERP',
    kind: 'PERP',
    baseAssetId: 2,
    quoteAssetId: 0,
    ...BTC_STEPS,
    ...FEES,
    feed: { mock: 'BTC / USD', ...FEED },
    riskGroup: GROUP_BTC,
    maxFundingRate: parseX18('0.005'),
    ...BTC_CONCENTRATION,
  },
] as const;

/** Per trader: minted to the wallet, and deposited into the `main` subaccount (human units). */
export const DEVNET_FUNDING: Record<string, { mint: string; deposit: string }> = {
  USDC: { mint: '1000000', deposit: '250000' },
  WETH: { mint: '1000', deposit: '100' },
  WBTC: { mint: '50', deposit: '5' },
};
