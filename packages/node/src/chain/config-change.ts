/**
 * A queued listing or parameter change as the engine takes it: the Exchange keeps each change as
 * the setter call that applies it (`configChange(requestId)`, its keccak256 in the request's
 * data); this decodes that call into the core's ConfigChange (spec/contracts.md, "Listing and
 * parameter changes").
 */
import { decodeFunctionData, keccak256 } from 'viem';
import { exchangeAbi } from '@kestrel/contracts';
import { ErrorCode, KestrelError, type ConfigChange, type Hex } from '@kestrel/core';

type Args = readonly unknown[];
type Struct = Record<string, unknown>;

const big = (v: unknown): bigint => BigInt(v as bigint);
const num = (v: unknown): number => Number(v);
const lower = (v: unknown): Hex => String(v).toLowerCase() as Hex;

/** Decodes the call kept for config request `requestId`, checked against the hash the request names. */
export function decodeConfigChange(requestId: bigint, call: Hex, hash: Hex): ConfigChange {
  if (keccak256(call) !== hash.toLowerCase()) {
    throw new KestrelError(ErrorCode.INTERNAL, `config request ${requestId}: the change read does not match the hash its request names`);
  }
  const { functionName, args } = decodeFunctionData({ abi: exchangeAbi, data: call }) as { functionName: string; args: Args };
  switch (functionName) {
    case 'listAssetWithDecimals':
      return { kind: 'listAsset', token: lower(args[0]), symbol: String(args[1]), decimals: num(args[2]) };
    case 'listMarket': {
      const m = args[1] as Struct;
      return {
        kind: 'listMarket',
        marketId: num(args[0]),
        market: {
          kind: num(m.kind) === 1 ? 'PERP' : 'SPOT',
          baseAssetId: num(m.baseAssetId),
          quoteAssetId: num(m.quoteAssetId),
          active: Boolean(m.active),
          tickSize: big(m.tickSize),
          lotSize: big(m.lotSize),
          minSize: big(m.minSize),
          makerFee: big(m.makerFee),
          takerFee: big(m.takerFee),
          symbol: String(m.symbol),
        },
      };
    }
    case 'setMarketRisk': {
      const r = args[1] as Struct;
      return {
        kind: 'marketRisk',
        marketId: num(args[0]),
        riskGroup: num(r.riskGroup),
        concIM: big(r.concIM),
        concThreshold: big(r.concThreshold),
        maxFundingRate: big(r.maxFundingRate),
        concMM: big(r.concMM),
      };
    }
    case 'setPriceFeedWithDecimals': {
      const f = args[1] as Struct;
      return {
        kind: 'priceFeed',
        marketId: num(args[0]),
        aggregator: lower(f.aggregator),
        maxStaleness: num(f.maxStaleness),
        maxRoundLag: num(f.maxRoundLag),
        decimals: num(args[2]),
      };
    }
    case 'setAssetRisk':
      return { kind: 'assetRisk', assetId: num(args[0]), riskGroup: num(args[1]), priceMarketId: num(args[2]) };
    case 'setLendingCurve': {
      const c = args[1] as Struct;
      return {
        kind: 'lendingCurve',
        assetId: num(args[0]),
        curve: { baseRate: big(c.baseRate), slope1: big(c.slope1), slope2: big(c.slope2), kink: big(c.kink), reserveFactor: big(c.reserveFactor) },
      };
    }
    case 'setRiskGroup':
      return {
        kind: 'riskGroup',
        group: { groupId: num(args[0]), shockIM: big(args[1]), basisIM: big(args[2]), shockMM: big(args[3]), basisMM: big(args[4]) },
      };
    case 'setDeRiskParams': {
      const p = args[0] as Struct;
      return {
        kind: 'deRisk',
        backstopRatio: big(p.backstopRatio),
        liquidationDiscount: big(p.liquidationDiscount),
        insuranceShare: big(p.insuranceShare),
        maxGraceSeconds: big(p.maxGraceSeconds),
        defaultGraceSeconds: big(p.defaultGraceSeconds),
        defaultSlippageBps: num(p.defaultSlippageBps),
      };
    }
    case 'setPnlWeight':
      return { kind: 'pnlWeight', weight: big(args[0]) };
    default:
      throw new KestrelError(ErrorCode.INTERNAL, `config request ${requestId}: ${functionName} is no change the engine knows`);
  }
}
