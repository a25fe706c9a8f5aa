// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IExchangeTypes} from "../interfaces/IExchangeTypes.sol";
import {LendingMath} from "../lib/LendingMath.sol";
import {OrderLib} from "../lib/OrderLib.sol";
import {BatchLedger} from "./BatchLedger.sol";
import {PriceFeeds} from "../lib/PriceFeeds.sol";

/// @title Read-only views of the registry, the pools, positions and health.
abstract contract Views is BatchLedger {
    function balanceOf(bytes32 subaccount, uint32 assetId) external view returns (int256) {
        AssetState storage a = _assetState[assetId];
        LendingMath.Pool memory p;
        p.supplyIndex = a.supplyIndex;
        p.borrowIndex = a.borrowIndex;
        return LendingMath.balanceOf(_balances[subaccount][assetId], p);
    }

    function scaledBalanceOf(bytes32 subaccount, uint32 assetId) external view returns (int256) {
        return _balances[subaccount][assetId];
    }

    function positionOf(bytes32 subaccount, uint32 marketId) external view returns (Position memory) {
        StoredPosition storage s = _positions[subaccount][marketId];
        return Position({size: s.size, vQuote: s.vQuote, lastCumFunding: s.lastCumFunding});
    }

    function cumFunding(uint32 marketId) external view returns (int256) {
        return _cumFunding[marketId];
    }

    function pool(uint32 assetId) external view returns (PoolState memory) {
        AssetState storage a = _assetState[assetId];
        return PoolState({
            supplyScaled: a.supplyScaled,
            borrowScaled: a.borrowScaled,
            supplyIndex: a.supplyIndex,
            borrowIndex: a.borrowIndex,
            lastAccrual: a.lastAccrual
        });
    }

    function price(uint32 marketId) external view returns (uint256 value, uint256 publishedAt) {
        MarketPrice storage m = _prices[marketId];
        return (m.price, m.publishedAt);
    }

    /// The subaccount's initial health at the last batch's prices (DESIGN §8), X18 quote;
    /// `priced` is false when a loan or a position has no price.
    function initialHealth(bytes32 subaccount) external view returns (bool priced, int256 health) {
        Ctx memory ctx = _newCtx(_progress.lastBatchTimestamp, 1, 1, 1);
        return _health(ctx, _account(ctx, subaccount), false);
    }

    /// @dev Reverts with InvalidParams for an id not yet queued.
    function getRequest(uint64 requestId) external view returns (Request memory) {
        if (requestId >= _progress.requestCount) revert InvalidParams();
        StoredRequest storage r = _requests[requestId];
        return Request({
            kind: r.kind,
            subaccount: r.subaccount,
            assetId: r.assetId,
            amount: r.amount,
            data: _requestData[requestId]
        });
    }

    function orderHash(Order calldata order) external view returns (bytes32) {
        return OrderLib.typedDataHash(domainSeparator(), OrderLib.structHash(order));
    }

    /// The digest a risk plan's owner signs.
    function riskPlanHash(RiskPlan calldata plan) external view returns (bytes32) {
        return OrderLib.planDigest(domainSeparator(), plan);
    }

    function assetCount() external view returns (uint32) {
        return uint32(_assets.length);
    }

    function getAsset(uint32 assetId) external view returns (Asset memory) {
        return _asset(assetId);
    }

    function marketIds() external view returns (uint32[] memory) {
        return _marketIds;
    }

    /// @dev An id never listed returns the zero market (inactive, empty symbol).
    function getMarket(uint32 marketId) external view returns (Market memory) {
        return _markets[marketId];
    }

    function getMarketRisk(uint32 marketId) external view returns (MarketRisk memory) {
        return _marketRisk[marketId];
    }

    function priceFeed(uint32 marketId) external view returns (FeedConfig memory feed, uint8 decimals) {
        PriceFeeds.Feed storage f = _feeds[marketId];
        feed = FeedConfig({aggregator: address(f.aggregator), maxStaleness: f.maxStaleness, maxRoundLag: f.maxRoundLag});
        decimals = f.decimals;
    }

    function assetRisk(uint32 assetId) external view returns (uint32 group, uint32 priceMarketId) {
        AssetState storage a = _assetState[assetId];
        return (a.riskGroup, a.priceMarketId);
    }

    function lendingCurve(uint32 assetId) external view returns (bool set, Curve memory curve) {
        AssetState storage a = _assetState[assetId];
        LendingMath.Curve memory c = _curve(assetId, a.reserveFactor);
        set = a.hasCurve;
        curve = Curve({
            baseRate: uint64(c.baseRate),
            slope1: uint64(c.slope1),
            slope2: uint64(c.slope2),
            kink: uint64(c.kink),
            reserveFactor: uint64(c.reserveFactor)
        });
    }

    function riskGroupIds() external view returns (uint32[] memory) {
        return _riskGroupIds;
    }

    function riskGroup(uint32 groupId) external view returns (RiskGroup memory) {
        return _riskGroups[groupId];
    }

    function deRiskParams() external view returns (DeRiskParams memory) {
        return _deRisk;
    }

    /// The subaccount's risk plan bounds (its market order lives with the engine).
    function riskPlanOf(bytes32 subaccount) external view returns (StoredPlan memory) {
        return _plans[subaccount];
    }

    /// Equity and the maintenance requirement at the last batch's prices (DESIGN §8): the account
    /// is in margin call below zero maintenance health, in the backstop tier below
    /// backstopRatio·requirement, bankrupt below zero equity.
    function maintenance(bytes32 subaccount) external view returns (bool priced, int256 equity, int256 requirement) {
        Ctx memory ctx = _newCtx(_progress.lastBatchTimestamp, 1, 1, 1);
        return _maintenance(ctx, _account(ctx, subaccount), false);
    }

    function requestCount() external view returns (uint64) {
        return _progress.requestCount;
    }

    function processedRequests() external view returns (uint64) {
        return _progress.processedRequests;
    }

    function lastBatchId() external view returns (uint64) {
        return _progress.lastBatchId;
    }

    function lastBatchTimestamp() external view returns (uint64) {
        return _progress.lastBatchTimestamp;
    }

    function nonceSpent(bytes32 subaccount, uint64 nonce) external view returns (bool) {
        return (_spentNonces[subaccount][nonce >> 8] >> (nonce & 0xff)) & 1 != 0;
    }
}
