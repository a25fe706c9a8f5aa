/**
 * A listing or parameter change as the engine takes it (config.ts applies it): one admin setter
 * call of the Exchange, decoded.
 */
import type { Hex } from '../hex.js';
import type { RateCurve } from '../lending.js';
import type { RiskGroupParams } from '../margin.js';

/** A market's listing as the admin sets it (the contract's `Market`). */
export interface ListedMarket {
  kind: 'SPOT' | 'PERP';
  baseAssetId: number;
  quoteAssetId: number;
  active: boolean;
  tickSize: bigint;
  lotSize: bigint;
  minSize: bigint;
  makerFee: bigint;
  takerFee: bigint;
  symbol: string;
}

/** One admin change, decoded from the call the Exchange keeps for it (`configChange`). */
export type ConfigChange =
  | { kind: 'listAsset'; token: Hex; symbol: string; decimals: number }
  | { kind: 'listMarket'; marketId: number; market: ListedMarket }
  | { kind: 'marketRisk'; marketId: number; riskGroup: number; concIM: bigint; concThreshold: bigint; maxFundingRate: bigint; concMM: bigint }
  | { kind: 'priceFeed'; marketId: number; aggregator: Hex; maxStaleness: number; maxRoundLag: number; decimals: number }
  | { kind: 'assetRisk'; assetId: number; riskGroup: number; priceMarketId: number }
  | { kind: 'lendingCurve'; assetId: number; curve: RateCurve }
  | { kind: 'riskGroup'; group: Required<RiskGroupParams> }
  | {
      kind: 'deRisk';
      backstopRatio: bigint;
      liquidationDiscount: bigint;
      insuranceShare: bigint;
      maxGraceSeconds: bigint;
      defaultGraceSeconds: bigint;
      defaultSlippageBps: number;
    }
  | { kind: 'pnlWeight'; weight: bigint };

/** Why the contract refused a change: the error its setter reverted with. */
export type ConfigRefusal = 'InvalidParams' | 'UnknownAsset';
