// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "./utils/Test.sol";
import {AggregatorV3Interface} from "../../contracts/interfaces/AggregatorV3Interface.sol";
import {PriceFeeds} from "../../contracts/lib/PriceFeeds.sol";
import {MockFeed} from "../../contracts/test/MockFeed.sol";

/// The library behind an external call, so reverts can be expected.
contract FeedReader {
    function read(PriceFeeds.Feed memory f, uint80 roundId, uint256 t) external view returns (uint256, uint256, bool) {
        return PriceFeeds.read(f, roundId, t);
    }
}

contract PriceFeedsTest is Test {
    uint256 internal constant T = 1_700_000_000;
    FeedReader internal reader = new FeedReader();

    function _feed(uint8 decimals) internal returns (MockFeed m, PriceFeeds.Feed memory f) {
        m = new MockFeed(decimals, "ETH / USD");
        f = PriceFeeds.Feed({aggregator: AggregatorV3Interface(address(m)), decimals: decimals, maxStaleness: 3600, maxRoundLag: 2});
    }

    function test_NormalizesEveryDecimals() public pure {
        assertEq(PriceFeeds.normalize(185_025_000_000, 8), 1850.25e18, "8 decimals (Chainlink USD feeds)");
        assertEq(PriceFeeds.normalize(1850.25e18, 18), 1850.25e18, "18 decimals");
        assertEq(PriceFeeds.normalize(1_850_250_000, 6), 1850.25e18, "6 decimals");
        assertEq(PriceFeeds.normalize(1850.25e20 + 99, 20), 1850.25e18, "20 decimals truncate");
        assertEq(PriceFeeds.normalize(1, 0), 1e18, "0 decimals");
    }

    function test_ReadsTheNamedRound() public {
        (MockFeed m, PriceFeeds.Feed memory f) = _feed(8);
        uint80 first = m.publish(2000e8, T - 100);
        m.publish(2010e8, T - 50);
        (uint256 price, uint256 published, bool stale) = reader.read(f, first, T);
        assertEq(price, 2000e18, "the named round, not the latest");
        assertEq(published, T - 100, "published at");
        assertTrue(!stale, "fresh");
    }

    function test_StaleOnlyPastMaxStaleness() public {
        (MockFeed m, PriceFeeds.Feed memory f) = _feed(8);
        uint80 r = m.publish(2000e8, T - 3600);
        (,, bool stale) = reader.read(f, r, T);
        assertTrue(!stale, "exactly maxStaleness old still counts");
        (,, stale) = reader.read(f, r, T + 1);
        assertTrue(stale, "one second more is stale");
    }

    function test_RejectsUnusableRounds() public {
        (MockFeed m, PriceFeeds.Feed memory f) = _feed(8);
        uint80 zero = m.publish(0, T - 10);
        vm.expectRevert(abi.encodeWithSelector(PriceFeeds.InvalidRound.selector, address(m), zero, uint8(1)));
        reader.read(f, zero, T);
        uint80 negative = m.publish(-1, T - 10);
        vm.expectRevert(abi.encodeWithSelector(PriceFeeds.InvalidRound.selector, address(m), negative, uint8(1)));
        reader.read(f, negative, T);
        uint80 future = m.publish(2000e8, T + 1);
        vm.expectRevert(abi.encodeWithSelector(PriceFeeds.InvalidRound.selector, address(m), future, uint8(2)));
        reader.read(f, future, T);
        vm.expectRevert(abi.encodeWithSelector(MockFeed.NoSuchRound.selector, uint80(99)));
        reader.read(f, 99, T);
    }

    function test_RejectsARoundTooFarBehindTheLatest() public {
        (MockFeed m, PriceFeeds.Feed memory f) = _feed(8);
        uint80 old = m.publish(2000e8, T - 30);
        m.publish(2001e8, T - 20);
        m.publish(2002e8, T - 10);
        (uint256 price,,) = reader.read(f, old, T); // two rounds behind: allowed
        assertEq(price, 2000e18, "lag of maxRoundLag");
        m.publish(2003e8, T - 5);
        vm.expectRevert(abi.encodeWithSelector(PriceFeeds.InvalidRound.selector, address(m), old, uint8(3)));
        reader.read(f, old, T);
    }
}
