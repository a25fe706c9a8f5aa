// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Fixture} from "./Fixture.sol";
import {IExchangeTypes} from "../../../contracts/interfaces/IExchangeTypes.sol";
import {MockFeed} from "../../../contracts/test/MockFeed.sol";

/// @notice The Fixture plus ETH-PERP, mock feeds on both ETH markets, the ETH risk group (shock
///         10%/5%, basis 2%/1%), positive uPnL at half, and alice (500 USDC), bob (100,000 USDC)
///         and carol (10 WETH) funded.
abstract contract PerpFixture is Fixture {
    uint32 internal constant ETH_PERP = 3;
    uint32 internal constant GROUP_ETH = 1;
    MockFeed internal ethFeed;
    MockFeed internal perpFeed;

    function setUp() public virtual override {
        super.setUp();
        IExchangeTypes.Market memory perp = market(WETH, 0.01e18, 0.001e18, 0, 0.0005e18, "ETH-PERP");
        perp.kind = IExchangeTypes.MarketKind.Perp;
        ex.listMarket(ETH_PERP, perp);
        ethFeed = new MockFeed(8, "ETH / USD");
        perpFeed = new MockFeed(8, "ETH / USD");
        ex.setPriceFeed(ETH_USDC, IExchangeTypes.FeedConfig({aggregator: address(ethFeed), maxStaleness: 3600, maxRoundLag: 5}));
        ex.setPriceFeed(ETH_PERP, IExchangeTypes.FeedConfig({aggregator: address(perpFeed), maxStaleness: 3600, maxRoundLag: 5}));
        ex.setMarketRisk(
            ETH_PERP,
            IExchangeTypes.MarketRisk({riskGroup: GROUP_ETH, concIM: 0, concThreshold: 0, maxFundingRate: 0.005e18, concMM: 0})
        );
        ex.setAssetRisk(WETH, GROUP_ETH, ETH_USDC);
        ex.setRiskGroup(GROUP_ETH, 0.1e18, 0.02e18, 0.05e18, 0.01e18);
        ex.setPnlWeight(0.5e18);
        fund(alice, aliceSub, USDC, 500e6);
        fund(bob, bobSub, USDC, 100_000e6);
        fund(carol, carolSub, WETH, 10e18);
    }

    /// A batch pricing both ETH markets at `px` (8 decimals), published now.
    function priced(int256 px) internal returns (IExchangeTypes.Batch memory b) {
        b = emptyBatch();
        b.prices = new IExchangeTypes.PriceRound[](2);
        b.prices[0] = IExchangeTypes.PriceRound({marketId: ETH_USDC, roundId: ethFeed.publish(px, block.timestamp)});
        b.prices[1] = IExchangeTypes.PriceRound({marketId: ETH_PERP, roundId: perpFeed.publish(px, block.timestamp)});
    }

    function trade(IExchangeTypes.Batch memory b, uint32 m, uint256 makerPk, bytes32 makerSub, uint256 takerPk, bytes32 takerSub, bool takerBuys, uint128 px, uint128 amount)
        internal
        returns (IExchangeTypes.Batch memory)
    {
        IExchangeTypes.Order memory mk = order(makerSub, m, !takerBuys, px, amount);
        IExchangeTypes.Order memory tk = order(takerSub, m, takerBuys, px, amount);
        uint32 i = uint32(b.orders.length);
        b = withOrder(withOrder(b, signed(makerPk, mk)), signed(takerPk, tk));
        return withFill(b, i, i + 1, amount);
    }

    function next() internal {
        vm.warp(block.timestamp + 1);
    }
}
