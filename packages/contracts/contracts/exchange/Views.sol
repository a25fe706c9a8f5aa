// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IExchangeTypes} from "../interfaces/IExchangeTypes.sol";
import {LendingMath} from "../lib/LendingMath.sol";
import {OrderLib} from "../lib/OrderLib.sol";
import {BatchLedger} from "./BatchLedger.sol";
import {PriceFeeds} from "../lib/PriceFeeds.sol";

/// @title Read-only views of the registry, the pools, positions and health.
abstract contract Views is BatchLedger {
    /// The EIP-712 type hash of `Order`.
    bytes32 public constant ORDER_TYPEHASH = OrderLib.ORDER_TYPEHASH;

    // ------------------------------------------------------------ configuration

    /// The configuration the Exchange's codes were made with, hashed (each checks the next's).
    function configHash() external view returns (bytes32) {
        return _configHash();
    }

    function admin() external view returns (address) {
        return _admin;
    }

    function feeSubaccount() external view returns (bytes32) {
        return _feeSubaccount;
    }

    function insuranceSubaccount() external view returns (bytes32) {
        return _insuranceSubaccount;
    }

    function maxBatchAge() external view returns (uint64) {
        return _maxBatchAge;
    }

    function forceDelay() external view returns (uint64) {
        return _forceDelay;
    }

    function claimWindow() external view returns (uint64) {
        return _claimWindow;
    }

    function devnet() external view returns (bool) {
        return _devnet;
    }

    function domainSeparator() external view returns (bytes32) {
        return _domainSeparator();
    }

    // ------------------------------------------------------------ state

    function lastStateHash() external view returns (bytes32) {
        return _lastStateHash;
    }

    function pnlWeight() external view returns (uint64) {
        return _pnlWeight;
    }

    function isOperator(address account) external view returns (bool) {
        return _operatorSlot[account] != 0;
    }

    function filled(bytes32 orderHash_) external view returns (uint128) {
        return _filled[orderHash_];
    }

    function linkedSigner(bytes32 subaccount) external view returns (address signer, uint64 expiry) {
        LinkedSigner storage l = _linkedSigner[subaccount];
        return (l.signer, l.expiry);
    }

    function marginCallAt(bytes32 subaccount) external view returns (uint64) {
        return _marginCallAt[subaccount];
    }

    function lastSettledAt() external view returns (uint64) {
        return _lastSettledAt;
    }

    function frozenAt() external view returns (uint64) {
        return _frozenAt;
    }

    function claimable(address owner, uint32 assetId) external view returns (uint256) {
        return _claimable[owner][assetId];
    }

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

    /// The subaccount's initial health at the last batch's prices (spec/risk.md), X18 quote;
    /// `priced` is false when a loan or a position has no price.
    function initialHealth(bytes32 subaccount) external view returns (bool priced, int256 health) {
        Ctx memory ctx = _newCtx(_progress.lastBatchTimestamp, 1, 1, 1);
        return _health(ctx, _account(ctx, subaccount), false);
    }

    /// A queued listing or parameter change (a Config request) as the call that applies it; empty for any other request.
    function configChange(uint64 requestId) external view returns (bytes memory) {
        return _configCalls[requestId];
    }

    /// The changes waiting: queue positions head..tail−1; the batch that last applied one (0: none since the first batch).
    function configQueue() external view returns (uint64 head, uint64 tail, uint64 lastAppliedBatch) {
        ConfigQueue memory q = _configQueue;
        return (q.head, q.tail, q.lastAppliedBatch);
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
        return OrderLib.typedDataHash(_domainSeparator(), OrderLib.structHash(order));
    }

    /// The digest a risk plan's owner signs.
    function riskPlanHash(RiskPlan calldata plan) external view returns (bytes32) {
        return OrderLib.planDigest(_domainSeparator(), plan);
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

    /// The subaccount's risk plan: its bounds and how many markets it names.
    function riskPlanOf(bytes32 subaccount) external view returns (StoredPlan memory) {
        return _plans[subaccount];
    }

    /// The markets the subaccount's risk plan names, in its order.
    function riskPlanMarkets(bytes32 subaccount) external view returns (uint32[] memory ids) {
        ids = new uint32[](_plans[subaccount].marketCount);
        uint256[2] storage words = _planMarkets[subaccount];
        for (uint256 k; k < ids.length; ++k) {
            ids[k] = uint32(words[k >> 3] >> ((k & 7) * 32));
        }
    }

    /// Equity and the maintenance requirement at the last batch's prices (spec/risk.md): the account
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
