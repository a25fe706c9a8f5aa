// What the node benches that drive a ledger in one process share: one spot market (WETH/USDC),
// traders' subaccounts by index, and the signing domain's separator (the ledger checks no signature).
import { makeSubaccount, parseX18 } from '../../packages/core/dist/index.js';

const x = parseX18;

export const DOMAIN = `0x${'11'.repeat(32)}`;

/** the i-th trader's subaccount */
export const trader = (i) => makeSubaccount(`0x${(i + 1).toString(16).padStart(40, '0')}`, 'main');

/** WETH/USDC (market 1) and its assets, with `maxOpenOrders` the cap per subaccount and per owner */
export function spotConfig(maxOpenOrders) {
  return {
    assets: [
      { assetId: 0, symbol: 'USDC', decimals: 6 },
      { assetId: 1, symbol: 'WETH', decimals: 18 },
    ],
    markets: [
      {
        marketId: 1,
        symbol: 'WETH/USDC',
        kind: 'SPOT',
        baseAssetId: 1,
        quoteAssetId: 0,
        tickSize: x('0.01'),
        lotSize: x('0.001'),
        minSize: x('0.001'),
        makerFee: 0n,
        takerFee: x('0.0005'),
      },
    ],
    feeSubaccount: makeSubaccount('0x00000000000000000000000000000000000fee00', 'fees'),
    limits: { maxOpenOrdersPerSubaccount: maxOpenOrders, maxOpenOrdersPerOwner: maxOpenOrders },
  };
}
