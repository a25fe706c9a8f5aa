// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AggregatorV3Interface} from "../interfaces/AggregatorV3Interface.sol";

/// @title Reading a named round of a Chainlink-compatible feed (spec/perps.md, spec/contracts.md).
/// @notice A batch names, per feed, the round its engine used; the contract reads exactly that
///         round. The answer is normalized to X18 (`answer · 10^(18 − decimals)`, truncated when
///         a feed has more than 18 decimals). A round that is not the feed's latest may lag it by
///         at most `maxRoundLag` rounds, so a sequencer cannot keep using an old price; a round
///         published more than `maxStaleness` seconds before the batch's time is *stale*: it is
///         returned flagged, and the caller refuses what adds risk with it, never what reduces it.
library PriceFeeds {
    /// A feed's settings.
    struct Feed {
        AggregatorV3Interface aggregator;
        /// the feed's decimals, read once when it is set
        uint8 decimals;
        /// seconds after publication a round stops counting
        uint32 maxStaleness;
        /// how many rounds behind the latest a named round may be
        uint32 maxRoundLag;
    }

    /// The round is unusable: a non-positive answer, published after the batch's time, or too
    /// far behind the feed's latest round. `reason`: 1 answer, 2 published in the future, 3 lag.
    error InvalidRound(address feed, uint80 roundId, uint8 reason);

    uint8 internal constant BAD_ANSWER = 1;
    uint8 internal constant FUTURE = 2;
    uint8 internal constant LAGGING = 3;

    /// The X18 price of round `roundId` at batch time `t`, when it was published, and whether it
    /// is stale at `t`. Reverts with InvalidRound for a round no batch may use (or with the
    /// feed's own error for a round that does not exist).
    function read(Feed memory f, uint80 roundId, uint256 t)
        internal
        view
        returns (uint256 price, uint256 updatedAt, bool stale)
    {
        (, int256 answer,, uint256 published,) = f.aggregator.getRoundData(roundId);
        address feed = address(f.aggregator);
        if (answer <= 0) revert InvalidRound(feed, roundId, BAD_ANSWER);
        if (published > t) revert InvalidRound(feed, roundId, FUTURE);
        (uint80 latest,,,,) = f.aggregator.latestRoundData();
        if (latest > roundId && latest - roundId > f.maxRoundLag) revert InvalidRound(feed, roundId, LAGGING);
        price = normalize(uint256(answer), f.decimals);
        updatedAt = published;
        stale = t - published > f.maxStaleness;
    }

    /// A feed answer in X18.
    function normalize(uint256 answer, uint8 decimals) internal pure returns (uint256) {
        if (decimals <= 18) return answer * 10 ** (18 - uint256(decimals));
        return answer / 10 ** (uint256(decimals) - 18);
    }
}
