// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {DeRiskFixture} from "./utils/DeRiskFixture.sol";
import {IExchangeTypes} from "../../contracts/interfaces/IExchangeTypes.sol";

/// @notice What the operator chooses in de-risking is bounded on chain (spec/de-risking.md, spec/contracts.md): the
///         grace window counts on the chain's clock however the batch clock is set, a plan order
///         only reduces, only in the plan's markets and in its order, and deleveraging goes to
///         the counterparties the docs rank first, none of them left below maintenance.
contract DeRiskBoundsTest is DeRiskFixture {
    /// A batch at `px` whose clock and feed rounds say `t` (behind the chain's time).
    function pricedAt(int256 px, uint64 t) internal returns (IExchangeTypes.Batch memory b) {
        b = emptyBatch();
        b.timestamp = t;
        b.prices = new IExchangeTypes.PriceRound[](2);
        b.prices[0] = IExchangeTypes.PriceRound({marketId: ETH_USDC, roundId: ethFeed.publish(px, t)});
        b.prices[1] = IExchangeTypes.PriceRound({marketId: ETH_PERP, roundId: perpFeed.publish(px, t)});
    }

    // ------------------------------------------------------------ the grace window

    /// The flag is set by a batch dated as far back as the chain allows; the next batch, dated
    /// now, may not run the plan: the trader has had no grace at all on the chain's clock.
    function test_ABackdatedBatchClockCannotShortenTheGraceWindow() public {
        settle(withPlan(emptyBatch(), signPlan(alicePk, plan(aliceSub, 100, 60, 1))));
        vm.warp(block.timestamp + 1000);
        settle(naming(pricedAt(1800e8, uint64(block.timestamp - MAX_BATCH_AGE)), aliceSub));
        expectSettleRevert(planStep(1790e18, 1782e18, 1.249e18, 1.249e18), orderError(1, 6));
        vm.warp(block.timestamp + 60); // the whole window on the chain's clock
        settle(naming(planStep(1790e18, 1782e18, 1.249e18, 1.249e18), aliceSub));
        assertEq(ex.positionOf(aliceSub, ETH_PERP).size, 0.751e18, "reduced");
    }

    // ------------------------------------------------------------ plan orders

    function test_APlanOrderNeverFlipsThePosition() public {
        settle(withPlan(emptyBatch(), signPlan(alicePk, plan(aliceSub, 100, 60, 1))));
        flagAlice(1800e8);
        vm.warp(block.timestamp + 60 + MAX_BATCH_AGE);
        expectSettleRevert(planStep(1790e18, 1782e18, 3e18, 3e18), fillError(0, 16)); // sells 3 of a 2 long
    }

    function test_APlanOrderStaysInThePlansMarkets() public {
        IExchangeTypes.RiskPlan memory p = plan(aliceSub, 100, 60, 1);
        p.marketOrder[0] = ETH_USDC; // the plan names the spot market only
        settle(withPlan(emptyBatch(), signPlan(alicePk, p)));
        flagAlice(1800e8);
        vm.warp(block.timestamp + 60 + MAX_BATCH_AGE);
        expectSettleRevert(planStep(1790e18, 1782e18, 1.249e18, 1.249e18), orderError(1, 14));
    }

    /// Alice's plan names the spot market first, then the perp: one step's orders follow it.
    function test_PlanOrdersFollowThePlansOrder() public {
        fund(alice, aliceSub, WETH, 0.5e18);
        IExchangeTypes.RiskPlan memory p = plan(aliceSub, 100, 60, 1);
        p.marketOrder = new uint32[](2);
        (p.marketOrder[0], p.marketOrder[1]) = (ETH_USDC, ETH_PERP);
        settle(withPlan(emptyBatch(), signPlan(alicePk, p)));
        settle(naming(priced(1450e8), aliceSub)); // equity 125, maintenance 5% of 3,625
        vm.warp(block.timestamp + 60 + MAX_BATCH_AGE);
        IExchangeTypes.Batch memory b = priced(1450e8);
        b = withOrder(b, signed(bobPk, order(bobSub, ETH_PERP, true, 1445e18, 5e18)));
        b = withOrder(b, signed(bobPk, order(bobSub, ETH_USDC, true, 1445e18, 5e18)));
        b = withOrder(b, planOrder(ETH_PERP, 1436e18, 1e18));
        b = withOrder(b, planOrder(ETH_USDC, 1436e18, 0.5e18));
        b = withFill(withFill(b, 0, 2, 1e18), 1, 3, 0.5e18);
        expectSettleRevert(b, orderError(3, 14)); // the spot market's order after the perp's
    }

    function planOrder(uint32 marketId, uint128 limit, uint128 amount) internal returns (IExchangeTypes.SignedOrder memory) {
        IExchangeTypes.Order memory o = order(aliceSub, marketId, false, limit, amount);
        (o.nonce, o.clientId, o.flags) = (0, 0, marketId == ETH_PERP ? 5 : 1);
        return IExchangeTypes.SignedOrder({order: o, signature: ""});
    }

    // ------------------------------------------------------------ deleveraging

    /// carol short 0.5 and bob short 1.5 against alice's bankrupt long: bob's profit × leverage
    /// ranks him first, so naming carol first is refused.
    function test_DeleveragingFollowsTheRanking() public {
        fund(carol, carolSub, USDC, 1000e6);
        settle(trade(priced(2000e8), ETH_PERP, bobPk, bobSub, carolPk, carolSub, true, 2000e18, 0.5e18));
        next();
        settle(trade(priced(2000e8), ETH_PERP, bobPk, bobSub, carolPk, carolSub, false, 2000e18, 1e18));
        next();
        expectSettleRevert(deleverage(), batchError(9)); // carol, then bob
        IExchangeTypes.Batch memory b = deleverage();
        (b.deleverages[0].counterparties[0], b.deleverages[0].counterparties[1]) = (bobSub, carolSub);
        settle(b);
        assertEq(ex.positionOf(aliceSub, ETH_PERP).size, 0, "closed");
    }

    /// dave is short 3 ETH-PERP against 3 WETH bought on a loan: hedged, highly levered. Taking
    /// over alice's long at her bankruptcy price would leave him below maintenance.
    function test_DeleveragingLeavesNoCounterpartyBelowMaintenance() public {
        uint256 davePk = 0xDA7E;
        bytes32 daveSub = sub(vm.addr(davePk), "main");
        fund(vm.addr(davePk), daveSub, USDC, 300e6);
        IExchangeTypes.Batch memory b = trade(priced(2000e8), ETH_USDC, carolPk, carolSub, davePk, daveSub, true, 2000e18, 3e18);
        b = trade(b, ETH_PERP, bobPk, bobSub, davePk, daveSub, false, 2000e18, 3e18);
        settle(b);
        next();
        b = priced(1500e8);
        b.deleverages = new IExchangeTypes.Deleverage[](1);
        b.deleverages[0].subaccount = aliceSub;
        b.deleverages[0].marketId = ETH_PERP;
        b.deleverages[0].counterparties = new bytes32[](1);
        b.deleverages[0].counterparties[0] = daveSub;
        expectSettleRevert(b, batchError(9));
    }
}
