// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IExchangeTypes} from "../interfaces/IExchangeTypes.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";

import {AggregatorV3Interface} from "../interfaces/AggregatorV3Interface.sol";
import {PriceFeeds} from "../lib/PriceFeeds.sol";
import {Schedule} from "./Schedule.sol";

/// @title Listings and parameters: everything the admin (the Timelock) may change.
/// @notice Before the first batch, a change takes effect at once (the setup: no engine has run
///         yet). From then on it is queued as a request and takes effect when the batch that
///         moves the request cursor past it has settled, so every node's engine switches at the
///         same point of the sequence as the contract (spec/contracts.md, "Listing and parameter
///         changes"). Every parameter has a hard range here, judged when the change takes effect
///         (a change that breaks it then is refused, ConfigRefused, and the engines refuse it
///         too); outside a local devnet, once a batch has settled, the admin's timelock must delay
///         each change at least forceDelay plus a day, so every user can freeze the Exchange and
///         leave before a change takes effect; and once frozen, nothing changes.
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
        _checkAdmin();
        _;
    }

    /// A change: the admin's call is queued (or, before the first batch, made at once); the body
    /// runs when the Exchange applies it (a call from itself, see applyConfigs).
    modifier change() {
        if (msg.sender != address(this)) {
            _admitChange(msg.data);
            return;
        }
        _;
    }

    modifier onlySelf() {
        if (msg.sender != address(this)) revert NotAdmin();
        _;
    }

    function _checkAdmin() private view {
        if (msg.sender != _admin) revert NotAdmin();
        if (_frozenAt != 0) revert Frozen();
        // the setup before the first batch may go at once: no user has anything at stake yet
        if (!_devnet && _progress.lastBatchId != 0) {
            uint256 delay = _adminDelay();
            uint256 required = uint256(_forceDelay) + ADMIN_DELAY_MARGIN;
            if (delay < required) revert AdminDelayTooShort(delay, required);
        }
    }

    function _admitChange(bytes memory call) private {
        _checkAdmin();
        if (_progress.lastBatchId == 0) {
            (bool ok, bytes memory ret) = address(this).call(call);
            if (!ok) {
                assembly ("memory-safe") {
                    revert(add(ret, 32), mload(ret))
                }
            }
            return;
        }
        uint64 requestId = _queue(RequestKind.Config, bytes32(0), 0, 0);
        _requestData[requestId] = keccak256(call);
        _configCalls[requestId] = call;
        ConfigQueue storage q = _configQueue;
        uint64 tail = q.tail;
        _configIds[tail] = requestId;
        q.tail = tail + 1;
        emit ConfigQueued(requestId, call);
    }

    /// Applies, in queue order, every change queued before `cursor`: the end of settleBatch, for
    /// the batch `batchId` (only the Exchange itself calls this). A change that breaks its
    /// setter's rules is refused; any other failure fails the batch, so that no operator can
    /// have a change refused by sending too little gas.
    function applyConfigs(uint64 cursor, uint64 batchId) external onlySelf {
        ConfigQueue memory q = _configQueue;
        while (q.head < q.tail) {
            uint64 id = _configIds[q.head];
            if (id >= cursor) break;
            (bool ok, bytes memory ret) = address(this).call(_configCalls[id]);
            if (ok) {
                emit ConfigApplied(id, batchId);
            } else {
                bytes4 reason = ret.length == 4 ? bytes4(ret) : bytes4(0);
                if (reason != InvalidParams.selector && reason != UnknownAsset.selector) revert ConfigFailed(id);
                emit ConfigRefused(id, batchId, reason);
            }
            delete _configIds[q.head];
            ++q.head;
            q.lastAppliedBatch = batchId;
        }
        _configQueue = q;
    }

    /// The admin timelock's minimum delay (0 for an admin that is no timelock).
    function _adminDelay() internal view returns (uint256 delay) {
        (bool ok, bytes memory data) = _admin.staticcall(abi.encodeWithSignature("getMinDelay()"));
        if (ok && data.length == 32) delay = abi.decode(data, (uint256));
    }

    /// The token's decimals are read now, when the change is made, not when it takes effect.
    function listAsset(address token, string calldata symbol) external {
        uint8 decimals = token == address(0) ? 0 : IERC20Metadata(token).decimals();
        _admitChange(abi.encodeCall(this.listAssetWithDecimals, (token, symbol, decimals)));
    }

    function listAssetWithDecimals(address token, string calldata symbol, uint8 decimals) external onlySelf {
        if (token == address(0) || _tokenListed[token] || _assets.length >= MAX_ASSETS || decimals > MAX_DECIMALS) {
            revert InvalidParams();
        }
        uint32 assetId = uint32(_assets.length);
        _assets.push(Asset({token: token, decimals: decimals, symbol: symbol}));
        _tokenListed[token] = true;
        AssetState storage a = _assetState[assetId];
        a.supplyIndex = uint128(ONE);
        a.borrowIndex = uint128(ONE);
        emit AssetListed(assetId, token, decimals, symbol);
    }

    /// @dev Listing an existing id again updates its parameters (e.g. `active = false` halts it),
    ///      but never its kind, base or quote asset: signed orders name the market by id.
    function listMarket(uint32 marketId, Market calldata market) external change {
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

    function setMarketRisk(uint32 marketId, MarketRisk calldata risk) external change {
        if (_markets[marketId].tickSize == 0) revert InvalidParams();
        if (risk.concIM > ONE || risk.concMM > risk.concIM || risk.concMM < risk.concIM / 4 || risk.maxFundingRate > MAX_FUNDING_RATE) {
            revert InvalidParams();
        }
        _marketRisk[marketId] = risk;
        emit MarketRiskSet(marketId, risk);
    }

    /// The aggregator's decimals are read now, when the change is made, not when it takes effect.
    function setPriceFeed(uint32 marketId, FeedConfig calldata feed) external {
        uint8 decimals;
        if (feed.aggregator != address(0)) decimals = AggregatorV3Interface(feed.aggregator).decimals();
        _admitChange(abi.encodeCall(this.setPriceFeedWithDecimals, (marketId, feed, decimals)));
    }

    function setPriceFeedWithDecimals(uint32 marketId, FeedConfig calldata feed, uint8 decimals) external onlySelf {
        if (_markets[marketId].tickSize == 0) revert InvalidParams();
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

    function setAssetRisk(uint32 assetId, uint32 riskGroup, uint32 priceMarketId) external change {
        _asset(assetId);
        if (priceMarketId != 0 && _markets[priceMarketId].tickSize == 0) revert InvalidParams();
        AssetState storage a = _assetState[assetId];
        a.riskGroup = riskGroup;
        a.priceMarketId = priceMarketId;
        emit AssetRiskSet(assetId, riskGroup, priceMarketId);
    }

    /// @dev A curve set on an asset that had none accrues from the last batch's time.
    function setLendingCurve(uint32 assetId, Curve calldata c) external change {
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
        change
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

    function setDeRiskParams(DeRiskParams calldata p) external change {
        if (
            p.backstopRatio > ONE || p.backstopRatio < MIN_BACKSTOP_RATIO || p.liquidationDiscount > MAX_LIQUIDATION_DISCOUNT
                || p.insuranceShare > ONE || p.maxGraceSeconds < MIN_MAX_GRACE || p.maxGraceSeconds > MAX_MAX_GRACE
                || p.defaultGraceSeconds > p.maxGraceSeconds || p.defaultSlippageBps < MIN_DEFAULT_SLIPPAGE_BPS
                || p.defaultSlippageBps > MAX_PLAN_SLIPPAGE_BPS
        ) revert InvalidParams();
        _deRisk = p;
        emit DeRiskParamsSet(p);
    }

    function setPnlWeight(uint64 weight) external change {
        if (weight > ONE) revert InvalidParams();
        _pnlWeight = weight;
        emit PnlWeightSet(weight);
    }
}
