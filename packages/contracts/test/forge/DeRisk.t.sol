// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {DeRiskFixture} from "./utils/DeRiskFixture.sol";
import {IExchange} from "../../contracts/interfaces/IExchange.sol";
import {IExchangeTypes} from "../../contracts/interfaces/IExchangeTypes.sol";

/// @notice De-risking on chain (spec/de-risking.md), with the numbers of the engine's own tests
///         (core test/engine/de-risk.test.ts): alice long 2 ETH-PERP at 2,000 with 500 USDC.
contract DeRiskTest is DeRiskFixture {
    // ------------------------------------------------------------ plans

    function test_StoresASignedPlanAndRefusesABadOne() public {
        settle(withPlan(emptyBatch(), signPlan(alicePk, plan(aliceSub, 100, 60, 1))));
        IExchange.PlanView memory stored = IExchange(address(ex)).riskPlanOf(aliceSub);
        assertEq(stored.nonce, 1, "nonce");
        assertEq(stored.graceSeconds, 60, "grace");
        expectSettleRevert(withPlan(emptyBatch(), signPlan(alicePk, plan(aliceSub, 100, 60, 1))), batchError(6)); // replay
        expectSettleRevert(withPlan(emptyBatch(), signPlan(bobPk, plan(aliceSub, 100, 60, 2))), batchError(6)); // not the owner
        expectSettleRevert(withPlan(emptyBatch(), signPlan(alicePk, plan(aliceSub, 5001, 60, 2))), batchError(6)); // too wide
        IExchangeTypes.RiskPlan memory unknown = plan(aliceSub, 100, 60, 2);
        unknown.marketOrder[0] = 99;
        expectSettleRevert(withPlan(emptyBatch(), signPlan(alicePk, unknown)), batchError(6));
    }

    // ------------------------------------------------------------ margin calls

    function test_FlagsAndClearsOnlyWhatChanges() public {
        expectSettleRevert(naming(priced(1850e8), aliceSub), batchError(7)); // maintenance health still ≥ 0
        flagAlice(1800e8);
        expectSettleRevert(naming(priced(1800e8), aliceSub), batchError(7)); // already flagged
        deposit(alice, aliceSub, USDC, 100e6);
        settle(naming(priced(1800e8), aliceSub)); // 100 more: back above
        assertEq(ex.marginCallAt(aliceSub), 0, "cleared");
        (bool priced_, int256 equity, int256 requirement) = ex.maintenance(aliceSub);
        assertTrue(priced_, "priced");
        assertEq(equity, 198e18, "498 + 100 - 400");
        assertEq(requirement, 180e18, "5% of 3,600");
    }

    // ------------------------------------------------------------ plan orders

    function test_APlanOrderWaitsForTheWindowThenReducesWithinTheSlippage() public {
        settle(withPlan(emptyBatch(), signPlan(alicePk, plan(aliceSub, 100, 60, 1))));
        flagAlice(1800e8);
        expectSettleRevert(planStep(1790e18, 1782e18, 1.249e18, 1.249e18), orderError(1, 6)); // within the window
        vm.warp(block.timestamp + 60 + MAX_BATCH_AGE); // the plan's 60 s, counted from the latest the flag can have landed
        expectSettleRevert(planStep(1790e18, 1781.99e18, 1.249e18, 1.249e18), orderError(1, 7)); // past 1%
        settle(naming(planStep(1790e18, 1782e18, 1.249e18, 1.249e18), aliceSub));
        assertEq(ex.positionOf(aliceSub, ETH_PERP).size, 0.751e18, "reduced only that far");
        assertEq(ex.marginCallAt(aliceSub), 0, "and healthy again");
    }

    /// The market's minimum size keeps dust off the book; a plan order never rests, and reduces
    /// only as far as the account needs, so it may be smaller.
    function test_APlanOrderMayBeSmallerThanTheMarketsMinimumSize() public {
        settle(withPlan(emptyBatch(), signPlan(alicePk, plan(aliceSub, 100, 60, 1))));
        flagAlice(1800e8);
        vm.warp(block.timestamp + 60 + MAX_BATCH_AGE);
        IExchangeTypes.Market memory perp = market(WETH, 0.01e18, 0.001e18, 0, 0.0005e18, "ETH-PERP");
        perp.kind = IExchangeTypes.MarketKind.Perp;
        perp.minSize = 2e18; // above the 1.249 the plan needs
        ex.listMarket(ETH_PERP, perp);
        settle(naming(planStep(1790e18, 1782e18, 1.249e18, 1.249e18), aliceSub));
        assertEq(ex.positionOf(aliceSub, ETH_PERP).size, 0.751e18, "reduced only that far");
        // a trader's own order below the minimum is still refused
        IExchangeTypes.Batch memory b = planStep(1790e18, 1782e18, 0.1e18, 0.1e18);
        b.orders[1] = signed(alicePk, order(aliceSub, ETH_PERP, false, 1782e18, 1.249e18));
        expectSettleRevert(b, orderError(1, 9));
    }

    function test_APlanOrderMustLowerTheRequirement() public {
        flagAlice(1800e8);
        vm.warp(block.timestamp + 300 + MAX_BATCH_AGE); // no plan: the default window
        IExchangeTypes.Batch memory b = priced(1800e8);
        b = withOrder(b, signed(bobPk, order(bobSub, ETH_PERP, false, 1810e18, 1e18)));
        IExchangeTypes.Order memory o = order(aliceSub, ETH_PERP, true, 1818e18, 0.1e18);
        (o.nonce, o.flags) = (0, 5);
        b = withOrder(b, IExchangeTypes.SignedOrder({order: o, signature: ""}));
        expectSettleRevert(withFill(b, 0, 1, 0.1e18), fillError(0, 16)); // buying adds to a long
    }

    // ------------------------------------------------------------ the backstop

    function test_ALiquidatorTakesHalfAtTheDiscount() public {
        vm.prank(carol);
        ex.liquidate(carolSub, aliceSub, ETH_PERP, 2e18);
        IExchangeTypes.Batch memory b = priced(1775e8);
        vm.expectEmit(address(ex));
        emit IExchangeTypes.Liquidated(ex.requestCount() - 1, aliceSub, carolSub, ETH_PERP, 1e18, 1757.25e18, 8.875e18);
        settle(b);
        assertEq(ex.positionOf(aliceSub, ETH_PERP).size, 1e18, "half taken");
        assertEq(ex.positionOf(carolSub, ETH_PERP).size, 1e18, "by carol");
        assertEq(ex.positionOf(carolSub, ETH_PERP).vQuote, -1757.25e18, "at 1% under the index");
        assertEq(bal(carolSub, USDC), -8.875e18, "carol pays the fund's share (a loan against her WETH)");
        assertEq(bal(insuranceSub, USDC), 8.875e18, "the fund's share");
    }

    function test_ALiquidationAboveTheBackstopIsRefused() public {
        vm.prank(carol);
        uint64 id = ex.liquidate(carolSub, aliceSub, ETH_PERP, 2e18);
        IExchangeTypes.Batch memory b = priced(1850e8);
        vm.expectEmit(address(ex));
        emit IExchangeTypes.LiquidationRejected(id, aliceSub, 5);
        settle(b);
        vm.prank(alice);
        vm.expectRevert(IExchangeTypes.NotOwner.selector);
        ex.liquidate(carolSub, aliceSub, ETH_PERP, 1e18);
    }

    function test_TheFundAbsorbsWhatABankruptAccountStillOwes() public {
        fund(bob, insuranceSub, USDC, 1000e6);
        vm.prank(carol);
        ex.liquidate(carolSub, aliceSub, ETH_PERP, 2e18);
        settle(priced(1700e8)); // bankrupt: the whole position at 1,683
        assertEq(bal(aliceSub, USDC), -136e18, "what is left: a loan");
        next();
        IExchangeTypes.Batch memory b = priced(1700e8);
        b.absorbs = new bytes32[](1);
        b.absorbs[0] = bobSub;
        expectSettleRevert(b, batchError(8)); // bob is not bankrupt
        b.absorbs[0] = aliceSub;
        settle(b);
        assertEq(bal(aliceSub, USDC), 0, "nothing owed");
        assertEq(bal(insuranceSub, USDC), 1000e18 + 17e18 - 136e18, "the fund paid the deficit");
    }

    function test_DeleveragesAgainstTheNamedCounterpartiesWhenTheFundCannotCover() public {
        // carol holds 1,000 USDC and is short 0.5; bob short 1.5 (he bought 0.5 back from carol... at 2,000)
        fund(carol, carolSub, USDC, 1000e6);
        settle(trade(priced(2000e8), ETH_PERP, bobPk, bobSub, carolPk, carolSub, true, 2000e18, 0.5e18));
        next();
        expectSettleRevert(deleverage(), batchError(9)); // carol is long: not a counterparty
        // carol sells 1 to bob: she is short 0.5, bob short 1.5
        settle(trade(priced(2000e8), ETH_PERP, bobPk, bobSub, carolPk, carolSub, false, 2000e18, 1e18));
        next();
        IExchangeTypes.Batch memory b = deleverage();
        // ranked by profit × leverage: bob (450 on 2,550 of notional, equity ~100,450) before carol
        // (150 on 850, equity ~18,150)
        (b.deleverages[0].counterparties[0], b.deleverages[0].counterparties[1]) = (bobSub, carolSub);
        vm.expectEmit(address(ex));
        emit IExchangeTypes.Deleveraged(aliceSub, bobSub, ETH_PERP, 1.5e18, 2626.5e18);
        vm.expectEmit(address(ex));
        emit IExchangeTypes.Deleveraged(aliceSub, carolSub, ETH_PERP, 0.5e18, 875.5e18);
        settle(b);
        assertEq(ex.positionOf(aliceSub, ETH_PERP).size, 0, "closed");
        assertEq(bal(aliceSub, USDC), 0, "at the price that leaves nothing");
    }
}
