/**
 * The account view of `GET /v1/accounts/:subaccount` (spec/api.md): balances (a negative one is a
 * loan), perp positions with the funding they owe and their unrealized PnL at the index price,
 * open orders, initial health and the risk report, the risk plan and any margin call, and the
 * lending rates of every listed asset, from this node's engine.
 */
import { formatX18, fundingOwed, unrealizedPnl, type AssetConfig, type Engine, type Hex, type MarketConfig, type RiskReport } from '@kestrel/core';
import { riskPlanToWire, type AccountResponse, type HealthWire, type LendingWire, type PositionWire } from '@kestrel/api';

export interface Listed {
  assets: readonly AssetConfig[];
  markets: readonly MarketConfig[];
}

export function accountView(engine: Engine, listed: Listed, subaccount: Hex): AccountResponse {
  const symbolOf = (assetId: number): string => listed.assets.find((a) => a.assetId === assetId)?.symbol ?? String(assetId);
  return {
    subaccount,
    balances: engine.balances(subaccount).map(([assetId, balance]) => ({ assetId, symbol: symbolOf(assetId), balance: formatX18(balance) })),
    positions: engine.positions(subaccount).map((p): PositionWire => {
      const owed = fundingOwed(p.size, p.lastCumFunding, engine.cumFunding(p.marketId));
      const index = engine.oraclePrice(p.marketId);
      return {
        marketId: p.marketId,
        symbol: listed.markets.find((m) => m.marketId === p.marketId)?.symbol ?? String(p.marketId),
        size: formatX18(p.size),
        vQuote: formatX18(p.vQuote),
        lastCumFunding: formatX18(p.lastCumFunding),
        fundingOwed: formatX18(owed),
        indexPrice: index === undefined ? null : formatX18(index),
        unrealizedPnl: index === undefined ? null : formatX18(unrealizedPnl(p.size, p.vQuote - owed, index)),
      };
    }),
    openOrders: engine.openOrders(subaccount).map((o) => ({
      orderHash: o.hash,
      marketId: o.order.marketId,
      isBuy: o.order.isBuy,
      price: formatX18(o.order.price),
      amount: formatX18(o.order.amount),
      filled: formatX18(o.filled),
      clientId: o.order.clientId.toString(),
    })),
    initialHealth: ((h) => (h === null || h === undefined ? null : formatX18(h)))(engine.initialHealth(subaccount)),
    health: healthWire(engine.riskReport(subaccount)),
    riskPlan: ((p) => (p === undefined ? null : riskPlanToWire(p)))(engine.riskPlan(subaccount)),
    marginCall: ((c) => (c === undefined ? null : { at: c.at.toString(), graceEnds: c.graceEnds.toString() }))(engine.marginCall(subaccount)),
    lending: listed.assets.map((a): LendingWire => {
      const v = engine.lending(a.assetId)!;
      return {
        assetId: a.assetId,
        symbol: a.symbol,
        supplyRate: formatX18(v.supplyRate),
        borrowRate: formatX18(v.borrowRate),
        utilization: formatX18(v.utilization),
        totalSupply: formatX18(v.totalSupply),
        totalBorrow: formatX18(v.totalBorrow),
      };
    }),
  };
}

function healthWire(r: RiskReport | null | undefined): HealthWire | null {
  if (r === null || r === undefined) return null;
  return {
    equity: formatX18(r.equity),
    requirementIM: formatX18(r.requirementIM),
    requirementMM: formatX18(r.requirementMM),
    initialHealth: formatX18(r.initialHealth),
    maintenanceHealth: formatX18(r.maintenanceHealth),
    tier: r.tier,
    groups: r.groups.map((g) => ({
      groupId: g.groupId,
      net: formatX18(g.net),
      gross: formatX18(g.gross),
      requirementIM: formatX18(g.requirementIM),
      requirementMM: formatX18(g.requirementMM),
      priceMoveToZero: g.priceMoveToZero === null ? null : formatX18(g.priceMoveToZero),
    })),
  };
}
