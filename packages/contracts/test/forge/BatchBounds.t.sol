// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {DeRiskFixture} from "./utils/DeRiskFixture.sol";
import {IExchangeTypes} from "../../contracts/interfaces/IExchangeTypes.sol";

/// @notice What a batch may not do whatever the operator puts in it: pay a withdrawal its
///         account cannot afford at that point of the batch, post funding beyond the clamp over
///         the time elapsed, count a stale price as collateral, overrun its memory tables, or
///         store a plan no owner signed.
contract BatchBoundsTest is DeRiskFixture {
    // ------------------------------------------------------------ withdrawals

    /// A liquidation earlier in the batch gives carol a position and a loan: her withdrawal right
    /// behind it is judged on that, not on her stored (fully paid) state.
    function test_AWithdrawalIsJudgedAfterALiquidationInTheSameBatch() public {
        vm.startPrank(carol);
        ex.liquidate(carolSub, aliceSub, ETH_PERP, 2e18);
        uint64 id = ex.requestWithdrawal(carolSub, WETH, 10e18);
        vm.stopPrank();
        IExchangeTypes.Batch memory b = priced(1775e8);
        vm.expectEmit(address(ex));
        emit IExchangeTypes.WithdrawalRejected(id, carolSub, WETH, 10e18);
        settle(b);
        assertEq(ex.positionOf(carolSub, ETH_PERP).size, 1e18, "the liquidation went through");
        assertEq(bal(carolSub, WETH), 10e18, "the WETH stays as collateral");
        assertEq(weth.balanceOf(carol), 0, "nothing paid");
        (, int256 health) = ex.initialHealth(carolSub);
        assertGe(health, 0, "carol's initial health holds");
    }

    // ------------------------------------------------------------ funding

    /// A rate is per hour: an update a minute after the market's last one moves cumFunding by a
    /// sixtieth of the rate times the index.
    function test_FundingScalesWithTheTimeSinceTheLastUpdate() public {
        settle(withFunding(priced(2000e8), 0.005e18)); // starts the market's funding clock
        vm.warp(block.timestamp + 60);
        int256 before = ex.cumFunding(ETH_PERP);
        settle(withFunding(priced(2000e8), 0.005e18));
        assertEq(ex.cumFunding(ETH_PERP) - before, int256(10e18) * 60 / 3600, "0.5% of 2,000, for one minute");
    }

    function test_ASecondFundingUpdateInOneBatchIsRefused() public {
        vm.warp(block.timestamp + 3600);
        IExchangeTypes.Batch memory b = withFunding(priced(2000e8), 0.005e18);
        IExchangeTypes.FundingUpdate[] memory twice = new IExchangeTypes.FundingUpdate[](2);
        (twice[0], twice[1]) = (b.funding[0], b.funding[0]);
        b.funding = twice;
        expectSettleRevert(b, batchError(5));
    }

    function test_AFundingRateBeyondTheClampIsRefused() public {
        vm.warp(block.timestamp + 3600);
        expectSettleRevert(withFunding(priced(2000e8), 0.005e18 + 1), batchError(5));
        expectSettleRevert(withFunding(priced(2000e8), -0.005e18 - 1), batchError(5));
    }

    /// Fifty updates in one batch cannot bankrupt a healthy long (they are refused at the second).
    function test_RepeatedFundingCannotBankruptAHealthyLong() public {
        vm.warp(block.timestamp + 3600);
        IExchangeTypes.Batch memory b = priced(2000e8);
        b.funding = new IExchangeTypes.FundingUpdate[](50);
        for (uint256 i; i < 50; ++i) b.funding[i] = IExchangeTypes.FundingUpdate({marketId: ETH_PERP, rate: 0.005e18});
        expectSettleRevert(b, batchError(5));
        (, int256 equity,) = ex.maintenance(aliceSub);
        assertGt(equity, 0, "alice still solvent");
    }

    // ------------------------------------------------------------ stale prices

    /// With the WETH price stale, carol's 10 WETH are worth nothing as collateral: her perp long
    /// no longer lets her take USDC out.
    function test_AStalePricedAssetIsNoCollateralForAWithdrawal() public {
        fund(carol, carolSub, USDC, 200e6);
        settle(trade(priced(2000e8), ETH_PERP, bobPk, bobSub, carolPk, carolSub, true, 2000e18, 1e18));
        vm.warp(block.timestamp + 3601); // both ETH feeds stale
        vm.prank(carol);
        uint64 id = ex.requestWithdrawal(carolSub, USDC, 100e6);
        vm.expectEmit(address(ex));
        emit IExchangeTypes.WithdrawalRejected(id, carolSub, USDC, 100e18);
        settle(emptyBatch());
        assertEq(usdc.balanceOf(carol), 0, "nothing paid");
    }

    // ------------------------------------------------------------ memory tables

    /// Twenty counterparties in one deleveraging: every account and balance the batch touches
    /// has room in its tables.
    function test_ADeleveragingWithManyCounterpartiesFitsItsTables() public {
        uint256 n = 20;
        bytes32[] memory shorts = new bytes32[](n);
        for (uint256 i; i < n; ++i) {
            uint256 pk = 0xD000 + i;
            shorts[i] = sub(vm.addr(pk), "main");
            deposit(vm.addr(pk), shorts[i], USDC, 1000e6);
        }
        settle(emptyBatch());
        next();
        IExchangeTypes.Batch memory b = priced(2000e8);
        for (uint256 i; i < n; ++i) {
            b = trade(b, ETH_PERP, bobPk, bobSub, 0xD000 + i, shorts[i], false, 2000e18, 0.1e18);
        }
        settle(b);
        next();
        sortAscending(shorts); // equal scores: by subaccount
        b = priced(1700e8);
        b.deleverages = new IExchangeTypes.Deleverage[](1);
        b.deleverages[0] = IExchangeTypes.Deleverage({subaccount: aliceSub, marketId: ETH_PERP, counterparties: shorts});
        settle(b);
        assertEq(ex.positionOf(aliceSub, ETH_PERP).size, 0, "closed against all twenty");
    }

    // ------------------------------------------------------------ signatures

    function test_APlanForASubaccountWithoutAnOwnerIsRefused() public {
        IExchangeTypes.RiskPlan memory p = plan(bytes32(uint256(uint96(bytes12("nobody")))), 100, 60, 1);
        expectSettleRevert(withPlan(emptyBatch(), IExchangeTypes.SignedRiskPlan({plan: p, signature: ""})), batchError(6));
    }

    // ------------------------------------------------------------ helpers

    function withFunding(IExchangeTypes.Batch memory b, int128 rate) internal pure returns (IExchangeTypes.Batch memory) {
        b.funding = new IExchangeTypes.FundingUpdate[](1);
        b.funding[0] = IExchangeTypes.FundingUpdate({marketId: ETH_PERP, rate: rate});
        return b;
    }

    function sortAscending(bytes32[] memory a) internal pure {
        for (uint256 i = 1; i < a.length; ++i) {
            bytes32 v = a[i];
            uint256 j = i;
            while (j > 0 && a[j - 1] > v) {
                a[j] = a[j - 1];
                --j;
            }
            a[j] = v;
        }
    }
}
