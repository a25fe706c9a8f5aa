// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IExchangeTypes} from "../interfaces/IExchangeTypes.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";

import {AggregatorV3Interface} from "../interfaces/AggregatorV3Interface.sol";
import {PriceFeeds} from "../lib/PriceFeeds.sol";
import {ExchangeStorage} from "./ExchangeStorage.sol";

/// @title Listings and parameters: everything the admin (the Timelock) may change.
/// @notice The engine reads the same parameters from its configuration; a change here takes
///         effect for settlement at once, so operators schedule it through the timelock and
///         update their nodes' configuration for the same moment.
abstract contract Registry is ExchangeStorage {
    /// Rates above 1000% a year are refused (the engine's limit too).
    uint256 internal constant MAX_RATE = 10e18;

    modifier onlyAdmin() {
        if (msg.sender != admin) revert NotAdmin();
        _;
    }

    function listAsset(address token, string calldata symbol) external onlyAdmin returns (uint32 assetId) {
        if (token == address(0) || _tokenListed[token] || _assets.length >= MAX_ASSETS) revert InvalidParams();
        uint8 decimals = IERC20Metadata(token).decimals();
        if (decimals > MAX_DECIMALS) revert InvalidParams();
        assetId = uint32(_assets.length);
        _assets.push(Asset({token: token, decimals: decimals, symbol: symbol}));
        _tokenListed[token] = true;
        AssetState storage a = _assetState[assetId];
        a.supplyIndex = uint128(ONE);
        a.borrowIndex = uint128(ONE);
        emit AssetListed(assetId, token, decimals, symbol);
    }

    /// @dev Listing an existing id again updates its parameters (e.g. `active = false` halts it),
    ///      but never its kind, base or quote asset: signed orders name the market by id.
    function listMarket(uint32 marketId, Market calldata market) external onlyAdmin {
        uint256 assetCount_ = _assets.length;
        if (market.baseAssetId >= assetCount_ || market.quoteAssetId >= assetCount_) revert UnknownAsset();
        if (
            marketId == 0 || market.quoteAssetId != 0 || market.baseAssetId == market.quoteAssetId
                || market.tickSize == 0 || market.lotSize == 0 || market.minSize == 0
                || (uint256(market.tickSize) * uint256(market.lotSize)) % ONE != 0 || market.takerFee < 0
                || market.takerFee > MAX_TAKER_FEE || market.makerFee > market.takerFee
                || market.makerFee < -market.takerFee
        ) revert InvalidParams();

        Market storage existing = _markets[marketId];
        uint8 perpIndex;
        if (existing.tickSize != 0) {
            if (
                existing.kind != market.kind || existing.baseAssetId != market.baseAssetId
                    || existing.quoteAssetId != market.quoteAssetId
            ) revert InvalidParams();
            perpIndex = _marketCore[marketId].perpIndex;
        } else {
            _marketIds.push(marketId);
            if (market.kind == MarketKind.Perp) {
                if (_perpMarkets.length >= MAX_PERPS) revert InvalidParams();
                perpIndex = uint8(_perpMarkets.length);
                _perpMarkets.push(marketId);
            }
        }
        _markets[marketId] = market;
        _marketCore[marketId] = MarketCore({
            baseAssetId: market.baseAssetId,
            quoteAssetId: market.quoteAssetId,
            active: market.active,
            makerFee: market.makerFee,
            takerFee: market.takerFee,
            kind: market.kind,
            perpIndex: perpIndex
        });
        emit MarketListed(marketId, market);
    }

    function setOperator(address operator, bool enabled) external onlyAdmin {
        isOperator[operator] = enabled;
        emit OperatorSet(operator, enabled);
    }

    function setMarketRisk(uint32 marketId, MarketRisk calldata risk) external onlyAdmin {
        if (_markets[marketId].tickSize == 0) revert InvalidParams();
        if (risk.concIM > ONE || risk.concMM > risk.concIM || risk.maxFundingRate > ONE) revert InvalidParams();
        _marketRisk[marketId] = risk;
        emit MarketRiskSet(marketId, risk);
    }

    function setPriceFeed(uint32 marketId, FeedConfig calldata feed) external onlyAdmin {
        if (_markets[marketId].tickSize == 0) revert InvalidParams();
        uint8 decimals;
        if (feed.aggregator != address(0)) decimals = AggregatorV3Interface(feed.aggregator).decimals();
        if (decimals > 36) revert InvalidParams();
        _feeds[marketId] = PriceFeeds.Feed({
            aggregator: AggregatorV3Interface(feed.aggregator),
            decimals: decimals,
            maxStaleness: feed.maxStaleness,
            maxRoundLag: feed.maxRoundLag
        });
        emit FeedSet(marketId, feed, decimals);
    }

    function setAssetRisk(uint32 assetId, uint32 riskGroup, uint32 priceMarketId) external onlyAdmin {
        _asset(assetId);
        if (priceMarketId != 0 && _markets[priceMarketId].tickSize == 0) revert InvalidParams();
        AssetState storage a = _assetState[assetId];
        a.riskGroup = riskGroup;
        a.priceMarketId = priceMarketId;
        emit AssetRiskSet(assetId, riskGroup, priceMarketId);
    }

    /// @dev A curve set on an asset that had none accrues from the last batch's time.
    function setLendingCurve(uint32 assetId, Curve calldata c) external onlyAdmin {
        _asset(assetId);
        if (
            c.kink == 0 || c.kink >= ONE || uint256(c.baseRate) + c.slope1 + c.slope2 > MAX_RATE
                || c.reserveFactor > ONE
        ) revert InvalidParams();
        AssetState storage a = _assetState[assetId];
        if (!a.hasCurve) a.lastAccrual = _progress.lastBatchTimestamp;
        a.hasCurve = true;
        a.reserveFactor = c.reserveFactor;
        _curves[assetId] = uint256(c.baseRate) | (uint256(c.slope1) << 64) | (uint256(c.slope2) << 128)
            | (uint256(c.kink) << 192);
        emit LendingCurveSet(assetId, c);
    }

    /// @dev Maintenance charges at most the initial ones (and so at most 1: a fully paid account
    ///      always has initial health ≥ 0).
    function setRiskGroup(uint32 groupId, uint64 shockIM, uint64 basisIM, uint64 shockMM, uint64 basisMM)
        external
        onlyAdmin
    {
        if (shockIM > ONE || basisIM > ONE || shockMM > shockIM || basisMM > basisIM) revert InvalidParams();
        if (!_riskGroups[groupId].configured) _riskGroupIds.push(groupId);
        _riskGroups[groupId] =
            RiskGroup({shockIM: shockIM, basisIM: basisIM, configured: true, shockMM: shockMM, basisMM: basisMM});
        emit RiskGroupSet(groupId, shockIM, basisIM, shockMM, basisMM);
    }

    function setDeRiskParams(DeRiskParams calldata p) external onlyAdmin {
        if (
            p.backstopRatio > ONE || p.liquidationDiscount > ONE || p.insuranceShare > ONE
                || p.defaultSlippageBps > MAX_PLAN_SLIPPAGE_BPS
        ) revert InvalidParams();
        _deRisk = p;
        emit DeRiskParamsSet(p);
    }

    function setPnlWeight(uint64 weight) external onlyAdmin {
        if (weight > ONE) revert InvalidParams();
        pnlWeight = weight;
        emit PnlWeightSet(weight);
    }
}
