// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AggregatorV3Interface} from "../interfaces/AggregatorV3Interface.sol";

/// @title A price feed for devnets and tests, compatible with Chainlink's `AggregatorV3Interface`.
/// @notice Anyone may publish a round: never deploy it on a real network. Rounds are numbered
///         from 1; asking for a round that does not exist reverts, as Chainlink's aggregators do.
contract MockFeed is AggregatorV3Interface {
    struct Round {
        int256 answer;
        uint64 updatedAt;
    }

    error NoSuchRound(uint80 roundId);

    event RoundPublished(uint80 indexed roundId, int256 answer, uint256 updatedAt);

    uint8 public immutable decimals;
    string public description;
    uint80 public latestRound;
    mapping(uint80 roundId => Round) private _rounds;

    constructor(uint8 decimals_, string memory description_) {
        decimals = decimals_;
        description = description_;
    }

    function version() external pure returns (uint256) {
        return 4;
    }

    /// Publishes a new round with `answer` (in the feed's decimals) updated at `updatedAt`.
    function publish(int256 answer, uint256 updatedAt) external returns (uint80 roundId) {
        roundId = ++latestRound;
        _rounds[roundId] = Round({answer: answer, updatedAt: uint64(updatedAt)});
        emit RoundPublished(roundId, answer, updatedAt);
    }

    function getRoundData(uint80 roundId) public view returns (uint80, int256, uint256, uint256, uint80) {
        if (roundId == 0 || roundId > latestRound) revert NoSuchRound(roundId);
        Round storage r = _rounds[roundId];
        return (roundId, r.answer, r.updatedAt, r.updatedAt, roundId);
    }

    function latestRoundData() external view returns (uint80, int256, uint256, uint256, uint80) {
        return getRoundData(latestRound);
    }
}
