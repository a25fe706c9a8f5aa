/**
 * What the devnet lists. Tick × lot is a multiple of 1e18 in every market (the contract insists),
 * so price × amount is always an exact X18 quote amount.
 */
import { parseX18 } from '@kestrel/core';

export const DEVNET_ASSETS = [
  { symbol: 'USDC', decimals: 6 },
  { symbol: 'WETH', decimals: 18 },
  { symbol: 'WBTC', decimals: 8 },
];

export const DEVNET_MARKETS = [
  {
    marketId: 1,
    symbol: 'WETH/USDC',
    baseAssetId: 1,
    quoteAssetId: 0,
    tickSize: parseX18('0.01'),
    lotSize: parseX18('0.0001'),
    minSize: parseX18('0.001'),
    // 1 bp maker, 5 bp taker: the common tier-0 schedule of the large venues
    makerFee: parseX18('0.0001'),
    takerFee: parseX18('0.0005'),
  },
  {
    marketId: 2,
    symbol: 'WBTC/USDC',
    baseAssetId: 2,
    quoteAssetId: 0,
    tickSize: parseX18('0.1'),
    lotSize: parseX18('0.00001'),
    minSize: parseX18('0.0001'),
    makerFee: parseX18('0.0001'),
    takerFee: parseX18('0.0005'),
  },
];

/** Per trader: minted to the wallet, and deposited into the `main` subaccount (human units). */
export const DEVNET_FUNDING: Record<string, { mint: string; deposit: string }> = {
  USDC: { mint: '1000000', deposit: '250000' },
  WETH: { mint: '1000', deposit: '100' },
  WBTC: { mint: '50', deposit: '5' },
};
