// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IExchangeTypes} from "../interfaces/IExchangeTypes.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";

import {AggregatorV3Interface} from "../interfaces/AggregatorV3Interface.sol";
import {PriceFeeds} from "../lib/PriceFeeds.sol";
import {Schedule} from "./Schedule.sol";

/// @title Listings and parameters: everything the admin (the Timelock) may change.
/// @notice The engine reads the same parameters from its configuration; a change here takes
///         effect for settlement at once, so operators schedule it through the timelock and
///         update their nodes' configuration for the same moment. Every parameter has a hard
///         range here (spec/contracts.md), whatever the admin proposes; outside a local devnet, once a
///         batch has settled, the admin's timelock must delay each change at least forceDelay
///         plus a day, so every user can freeze the Exchange and leave before a change takes
///         effect; and once frozen, nothing changes.
abstract contract Registry is Schedule {
    /// Rates above 1000% a year are refused (the engine's limit too).
    uint256 internal constant MAX_RATE = 10e18;
    /// Half of the interest at most goes to the insurance fund.
    uint256 internal constant MAX_RESERVE_FACTOR = 0.5e18;
    /// Funding moves at most 1% of the index an hour (Hyperliquid's cap is 4%).
    uint256 internal constant MAX_FUNDING_RATE = 0.01e18;
    /// A risk group charges at least 0.5% of net exposure for initial margin, and its maintenance
    /// charges are at least a quarter of the initial ones: leverage stays bounded.
    uint256 internal constant MIN_SHOCK_IM = 0.005e18;
    /// The backstop tier starts at 10%–100% of the maintenance requirement; the liquidator's
    /// discount is at most 5% of the notional it takes over.
    uint256 internal constant MIN_BACKSTOP_RATIO = 0.1e18;
    uint256 internal constant MAX_LIQUIDATION_DISCOUNT = 0.05e18;
    /// The grace window a plan may ask for is capped between a minute and a day; the default
    /// plan's slippage bound is at least 0.1%.
    uint32 internal constant MIN_MAX_GRACE = 60;
    uint32 internal constant MAX_MAX_GRACE = 1 days;
    uint16 internal constant MIN_DEFAULT_SLIPPAGE_BPS = 10;
    /// A feed's price counts for a minute to two days; a named round trails the latest by at
    /// most 100 rounds.
    uint32 internal constant MIN_STALENESS = 60;
    uint32 internal constant MAX_STALENESS = 2 days;
    uint32 internal constant MAX_ROUND_LAG = 100;

    error AdminDelayTooShort(uint256 delay, uint256 required);

    modifier onlyAdmin() {
        if (msg.sender != _admin) revert NotAdmin();
        if (_frozenAt != 0) revert Frozen();
        // the setup before the first batch may go at once: no user has anything at stake yet
        if (!_devnet && _progress.lastBatchId != 0) {
            uint256 delay = _adminDelay();
            uint256 required = uint256(_forceDelay) + ADMIN_DELAY_MARGIN;
            if (delay < required) revert AdminDelayTooShort(delay, required);
        }
        _;
    }

    /// The admin timelock's minimum delay (0 for an admin that is no timelock).
    function _adminDelay() internal view returns (uint256 delay) {
        (bool ok, bytes memory data) = _admin.staticcall(abi.encodeWithSignature("getMinDelay()"));
        if (ok && data.length == 32) delay = abi.decode(data, (uint256));
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
                || uint256(market.minSize) % market.lotSize != 0
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
        _setOperator(operator, enabled);
    }

    function setMarketRisk(uint32 marketId, MarketRisk calldata risk) external onlyAdmin {
        if (_markets[marketId].tickSize == 0) revert InvalidParams();
        if (risk.concIM > ONE || risk.concMM > risk.concIM || risk.concMM < risk.concIM / 4 || risk.maxFundingRate > MAX_FUNDING_RATE) {
            revert InvalidParams();
        }
        _marketRisk[marketId] = risk;
        emit MarketRiskSet(marketId, risk);
    }

    function setPriceFeed(uint32 marketId, FeedConfig calldata feed) external onlyAdmin {
        if (_markets[marketId].tickSize == 0) revert InvalidParams();
        uint8 decimals;
        if (feed.aggregator != address(0)) decimals = AggregatorV3Interface(feed.aggregator).decimals();
        if (
            decimals > 36
                || (feed.aggregator != address(0)
                    && (feed.maxStaleness < MIN_STALENESS || feed.maxStaleness > MAX_STALENESS || feed.maxRoundLag > MAX_ROUND_LAG))
        ) revert InvalidParams();
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
                || c.reserveFactor > MAX_RESERVE_FACTOR
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
    ///      always has initial health ≥ 0), and at least a quarter of them.
    function setRiskGroup(uint32 groupId, uint64 shockIM, uint64 basisIM, uint64 shockMM, uint64 basisMM)
        external
        onlyAdmin
    {
        if (
            shockIM > ONE || shockIM < MIN_SHOCK_IM || basisIM > shockIM || shockMM > shockIM || shockMM < shockIM / 4
                || basisMM > basisIM || basisMM < basisIM / 4
        ) revert InvalidParams();
        if (!_riskGroups[groupId].configured) _riskGroupIds.push(groupId);
        _riskGroups[groupId] =
            RiskGroup({shockIM: shockIM, basisIM: basisIM, configured: true, shockMM: shockMM, basisMM: basisMM});
        emit RiskGroupSet(groupId, shockIM, basisIM, shockMM, basisMM);
    }

    function setDeRiskParams(DeRiskParams calldata p) external onlyAdmin {
        if (
            p.backstopRatio > ONE || p.backstopRatio < MIN_BACKSTOP_RATIO || p.liquidationDiscount > MAX_LIQUIDATION_DISCOUNT
                || p.insuranceShare > ONE || p.maxGraceSeconds < MIN_MAX_GRACE || p.maxGraceSeconds > MAX_MAX_GRACE
                || p.defaultGraceSeconds > p.maxGraceSeconds || p.defaultSlippageBps < MIN_DEFAULT_SLIPPAGE_BPS
                || p.defaultSlippageBps > MAX_PLAN_SLIPPAGE_BPS
        ) revert InvalidParams();
        _deRisk = p;
        emit DeRiskParamsSet(p);
    }

    function setPnlWeight(uint64 weight) external onlyAdmin {
        if (weight > ONE) revert InvalidParams();
        _pnlWeight = weight;
        emit PnlWeightSet(weight);
    }
}
