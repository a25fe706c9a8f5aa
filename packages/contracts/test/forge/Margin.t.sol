// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {PerpFixture} from "./utils/PerpFixture.sol";
import {IExchange} from "../../contracts/interfaces/IExchange.sol";
import {IExchangeTypes} from "../../contracts/interfaces/IExchangeTypes.sol";
import {MockFeed} from "../../contracts/test/MockFeed.sol";

/// @notice Perps, funding, feed rounds, portfolio margin and lending in settlement: the batch's
///         steps in the engine's order, each account a fill touched checked at the batch's end.
contract MarginTest is PerpFixture {
    function test_OpensAPerpWithinMarginAndNoFurther() public {
        // 3 ETH at 2000 would need 600 of margin: alice has 500
        IExchangeTypes.Batch memory tooBig = trade(priced(2000e8), ETH_PERP, bobPk, bobSub, alicePk, aliceSub, true, 2000e18, 3e18);
        expectSettleRevert(tooBig, fillError(0, 10));
        settle(trade(priced(2000e8), ETH_PERP, bobPk, bobSub, alicePk, aliceSub, true, 2000e18, 2.4e18));
        IExchange.Position memory p = ex.positionOf(aliceSub, ETH_PERP);
        assertEq(p.size, 2.4e18, "long");
        assertEq(p.vQuote, -4800e18, "entry");
        assertEq(ex.positionOf(bobSub, ETH_PERP).size, -2.4e18, "short");
        assertEq(bal(aliceSub, USDC), 500e18 - 2.4e18, "taker fee from the quote balance");
        (bool ok, int256 h) = ex.initialHealth(aliceSub);
        assertTrue(ok, "priced");
        assertEq(h, 500e18 - 2.4e18 - 480e18, "health as the engine computes it");
    }

    function test_NamesTheMakerWhenTheMakerIsShort() public {
        IExchangeTypes.Batch memory b = trade(priced(2000e8), ETH_PERP, alicePk, aliceSub, bobPk, bobSub, true, 2000e18, 3e18);
        expectSettleRevert(b, fillError(0, 9));
    }

    function test_FundingIsPerHourAndPaidWhenThePositionIsNextTouched() public {
        settle(trade(priced(2000e8), ETH_PERP, bobPk, bobSub, alicePk, aliceSub, true, 2000e18, 1e18));
        vm.warp(block.timestamp + 3600); // an hour since the perp's funding clock started
        IExchangeTypes.Batch memory b = priced(2000e8);
        settle(b);
        (, int256 before) = ex.initialHealth(aliceSub);
        b = priced(2000e8);
        b.funding = new IExchangeTypes.FundingUpdate[](1);
        b.funding[0] = IExchangeTypes.FundingUpdate({marketId: ETH_PERP, rate: 0.005e18}); // the clamp, per hour
        settle(b);
        assertEq(ex.cumFunding(ETH_PERP), 10e18, "0.005 x 2000 for an hour");
        assertEq(ex.positionOf(aliceSub, ETH_PERP).lastCumFunding, 0, "not settled until touched");
        (, int256 after_) = ex.initialHealth(aliceSub);
        assertEq(after_, before - 10e18, "but owed at once");
        next();
        // alice closes to carol's account... carol has no USDC: bob buys back instead
        settle(trade(priced(2000e8), ETH_PERP, bobPk, bobSub, alicePk, aliceSub, false, 2000e18, 1e18));
        assertEq(ex.positionOf(aliceSub, ETH_PERP).size, 0, "closed");
        // paid: fee 1 + fee 1, funding 10, no price move
        assertEq(bal(aliceSub, USDC), 500e18 - 2e18 - 10e18, "funding realized into USDC");
        assertEq(bal(bobSub, USDC), 100_000e18 + 10e18, "shorts receive");
    }

    function test_AStaleFeedBlocksWhatAddsRiskNotWhatReducesIt() public {
        settle(trade(priced(2000e8), ETH_PERP, bobPk, bobSub, alicePk, aliceSub, true, 2000e18, 1e18));
        vm.warp(block.timestamp + 3601); // the price is now older than maxStaleness
        IExchangeTypes.Batch memory grow = trade(emptyBatch(), ETH_PERP, bobPk, bobSub, alicePk, aliceSub, true, 2000e18, 0.1e18);
        expectSettleRevert(grow, fillError(0, 11)); // bob's short would grow too: the maker is named first
        IExchangeTypes.Batch memory reduce = trade(emptyBatch(), ETH_PERP, bobPk, bobSub, alicePk, aliceSub, false, 2000e18, 0.5e18);
        settle(reduce);
        assertEq(ex.positionOf(aliceSub, ETH_PERP).size, 0.5e18, "reduced on a stale price");
    }

    function test_PriceRoundsAreChecked() public {
        settle(priced(2000e8));
        (uint256 value, uint256 at) = ex.price(ETH_USDC);
        assertEq(value, 2000e18, "normalized to X18");
        assertEq(at, block.timestamp, "published at");
        // a market without a feed
        IExchangeTypes.Batch memory b = emptyBatch();
        b.prices = new IExchangeTypes.PriceRound[](1);
        b.prices[0] = IExchangeTypes.PriceRound({marketId: BTC_USDC, roundId: 1});
        expectSettleRevert(b, batchError(4));
        // a round older than the one already used
        uint80 old = ethFeed.publish(1990e8, block.timestamp - 10);
        b.prices[0] = IExchangeTypes.PriceRound({marketId: ETH_USDC, roundId: old});
        expectSettleRevert(b, batchError(4));
        // funding on a spot market
        b = emptyBatch();
        b.funding = new IExchangeTypes.FundingUpdate[](1);
        b.funding[0] = IExchangeTypes.FundingUpdate({marketId: ETH_USDC, rate: 1});
        expectSettleRevert(b, batchError(5));
    }

    function test_SpendingMoreThanTheBalanceBorrowsWithinMargin() public {
        ex.setLendingCurve(USDC, IExchangeTypes.Curve({baseRate: 0.02e18, slope1: 0.1e18, slope2: 1e18, kink: 0.8e18, reserveFactor: 0.1e18}));
        // 2 WETH for 4000 + 2 fee: a loan of 3502 USDC, health 4000 − 3502 − 400 = 98
        settle(trade(priced(2000e8), ETH_USDC, carolPk, carolSub, alicePk, aliceSub, true, 2000e18, 2e18));
        int256 loan = bal(aliceSub, USDC);
        assertEq(loan, 500e18 - 4000e18 - 2e18, "a negative balance is a loan");
        assertLt(ex.scaledBalanceOf(aliceSub, USDC), 0, "stored against the borrow index");
        // a year later the loan has grown and the insurance fund holds the reserve
        vm.warp(block.timestamp + 365 days);
        settle(priced(2000e8));
        assertLt(bal(aliceSub, USDC), loan, "interest accrued");
        assertGt(bal(insuranceSub, USDC), 0, "reserve to the insurance fund");
        IExchange.PoolState memory p = ex.pool(USDC);
        assertGt(p.borrowIndex, 1e18, "borrow index");
        assertEq(p.lastAccrual, block.timestamp, "accrued to the batch's time");
        // Σ balances never exceed the tokens held
        int256 sum = bal(aliceSub, USDC) + bal(bobSub, USDC) + bal(carolSub, USDC) + bal(feeSub, USDC) + bal(insuranceSub, USDC);
        assertGe(int256(usdc.balanceOf(address(ex)) * 1e12), sum, "conservation");
    }

    function test_AWithdrawalMayNotLeaveHealthBelowZero() public {
        settle(trade(priced(2000e8), ETH_PERP, bobPk, bobSub, alicePk, aliceSub, true, 2000e18, 2e18)); // health 98
        next();
        vm.prank(alice);
        ex.requestWithdrawal(aliceSub, USDC, 99e6);
        vm.prank(alice);
        ex.requestWithdrawal(aliceSub, USDC, 98e6);
        settle(emptyBatch());
        assertEq(bal(aliceSub, USDC), 500e18 - 2e18 - 98e18, "only the second was paid");
        (, int256 h) = ex.initialHealth(aliceSub);
        assertEq(h, 0, "health exactly zero");
    }

    function test_AnAccountUnderWaterMayReduceButNotAdd() public {
        settle(trade(priced(2000e8), ETH_PERP, bobPk, bobSub, alicePk, aliceSub, true, 2000e18, 2e18));
        next();
        settle(priced(1900e8)); // uPnL −200: health 500 − 2 − 200 − 380 < 0
        (, int256 h) = ex.initialHealth(aliceSub);
        assertLt(h, 0, "under water");
        next();
        expectSettleRevert(trade(priced(1900e8), ETH_PERP, bobPk, bobSub, alicePk, aliceSub, true, 1900e18, 0.1e18), fillError(0, 10));
        settle(trade(priced(1900e8), ETH_PERP, bobPk, bobSub, alicePk, aliceSub, false, 1900e18, 1e18));
        assertEq(ex.positionOf(aliceSub, ETH_PERP).size, 1e18, "halved");
    }
}
