// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {OrderLib} from "../lib/OrderLib.sol";
import {PerpMath} from "../lib/PerpMath.sol";
import {PriceFeeds} from "../lib/PriceFeeds.sol";
import {ExchangeStorage} from "./ExchangeStorage.sol";

/// @title The steps of a batch that read calldata and write storage only: the prices it names,
///        its funding updates and its risk plans (spec/de-risking.md, spec/contracts.md).
/// @notice settleBatch calls these on its own Exchange (they run here, in the extension's code,
///         by delegatecall) before anything of the batch reads a market; only the Exchange itself
///         may call them. Keeping them out of the Exchange's code leaves it room under EIP-170.
abstract contract Prelude is ExchangeStorage {
    modifier onlySettlement() {
        if (msg.sender != address(this)) revert NotOperator();
        _;
    }

    /// Reads each named feed round (one per market) and stores the price the batch uses; then
    /// posts each funding update (one per perp).
    function applyPrices(uint64 t, PriceRound[] calldata rounds, FundingUpdate[] calldata updates)
        external
        onlySettlement
    {
        for (uint256 i; i < rounds.length; ++i) {
            uint32 marketId = rounds[i].marketId;
            for (uint256 k; k < i; ++k) {
                if (rounds[k].marketId == marketId) revert InvalidBatch(BATCH_PRICE);
            }
            PriceFeeds.Feed memory feed = _feeds[marketId];
            if (address(feed.aggregator) == address(0)) revert InvalidBatch(BATCH_PRICE);
            (uint256 px, uint256 published,) = PriceFeeds.read(feed, rounds[i].roundId, t);
            MarketPrice storage stored = _prices[marketId];
            if (published < stored.publishedAt || px > type(uint128).max) revert InvalidBatch(BATCH_PRICE);
            stored.price = uint128(px);
            stored.publishedAt = uint64(published);
            // a perp's funding clock starts when a batch first prices it
            if (stored.fundingAt == 0 && _isPerp(_marketWord(marketId))) stored.fundingAt = t;
            emit PriceUsed(marketId, rounds[i].roundId, px, published);
        }
        for (uint256 i; i < updates.length; ++i) {
            _applyFunding(t, updates, i);
        }
    }

    /// cumFunding += rate · index · (t − the last update) / 1 hour. The rate must be within the
    /// market's clamp (per hour), and one batch posts at most one update per market: however an
    /// operator splits or repeats its updates, funding moves at most maxFundingRate an hour.
    function _applyFunding(uint64 t, FundingUpdate[] calldata updates, uint256 i) private {
        uint32 marketId = updates[i].marketId;
        for (uint256 k; k < i; ++k) {
            if (updates[k].marketId == marketId) revert InvalidBatch(BATCH_FUNDING);
        }
        MarketPrice storage stored = _prices[marketId];
        int256 index = int256(uint256(stored.price));
        int256 maxRate = int256(uint256(_marketRisk[marketId].maxFundingRate));
        int256 rate = updates[i].rate;
        if (!_isPerp(_marketWord(marketId)) || index == 0 || rate > maxRate || rate < -maxRate) {
            revert InvalidBatch(BATCH_FUNDING);
        }
        int256 elapsed = int256(uint256(t - stored.fundingAt));
        int256 cum = PerpMath.nextCumFunding(_cumFunding[marketId], rate, maxRate, index, elapsed);
        _cumFunding[marketId] = cum;
        stored.fundingAt = t;
        emit FundingUpdated(marketId, rate, cum);
    }

    /// Stores each plan its subaccount's owner signed (never the zero address): at most 16
    /// listed markets each once, slippage within bounds, a nonce above the stored one.
    function applyPlans(SignedRiskPlan[] calldata plans) external onlySettlement {
        bytes32 domainSep = _domainSeparator();
        for (uint256 i; i < plans.length; ++i) {
            RiskPlan calldata p = plans[i].plan;
            uint32[] calldata ids = p.marketOrder;
            StoredPlan storage stored = _plans[p.subaccount];
            address signer = OrderLib.recover(OrderLib.planDigest(domainSep, p), plans[i].signature);
            bool bad = ids.length > MAX_PLAN_MARKETS || p.maxSlippageBps > MAX_PLAN_SLIPPAGE_BPS
                || (stored.set && p.nonce <= stored.nonce) || signer == address(0) || signer != OrderLib.owner(p.subaccount);
            uint256[2] memory words;
            for (uint256 a; a < ids.length && !bad; ++a) {
                if (_markets[ids[a]].tickSize == 0) bad = true;
                for (uint256 b; b < a; ++b) {
                    if (ids[a] == ids[b]) bad = true;
                }
                words[a >> 3] |= uint256(ids[a]) << ((a & 7) * 32);
            }
            if (bad) revert InvalidBatch(BATCH_PLAN);
            _plans[p.subaccount] = StoredPlan({
                nonce: p.nonce,
                maxSlippageBps: p.maxSlippageBps,
                graceSeconds: p.graceSeconds,
                set: true,
                marketCount: uint8(ids.length)
            });
            _planMarkets[p.subaccount] = words;
            emit RiskPlanSet(p.subaccount, p.nonce, p.maxSlippageBps, p.graceSeconds);
        }
    }
}
