// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Fixture} from "./utils/Fixture.sol";
import {IExchangeTypes} from "../../contracts/interfaces/IExchangeTypes.sol";
import {IExchange} from "../../contracts/interfaces/IExchange.sol";
import {TestToken} from "../../contracts/test/TestToken.sol";
import {Vm} from "./utils/Vm.sol";

/// A token that keeps 1 % of every transfer: the exchange must refuse it at deposit.
contract FeeOnTransferToken is TestToken {
    constructor() TestToken("Fee Token", "FOT", 18) {}

    function _update(address from, address to, uint256 value) internal override {
        if (from != address(0) && to != address(0)) {
            super._update(from, address(0xdead), value / 100);
            value -= value / 100;
        }
        super._update(from, to, value);
    }
}

contract QueueTest is Fixture {
    function test_DepositPullsTokensAtOnceAndCreditsInTheNextBatch() public {
        usdc.mint(alice, 1000e6);
        vm.prank(alice);
        usdc.approve(address(ex), 1000e6);

        vm.expectEmit(address(ex));
        emit IExchangeTypes.RequestQueued(0, IExchangeTypes.RequestKind.Deposit, aliceSub, USDC, 1000e18);
        vm.prank(alice);
        uint64 id = ex.deposit(aliceSub, USDC, 1000e6);

        assertEq(uint256(id), 0, "first request id");
        assertEq(usdc.balanceOf(address(ex)), 1000e6, "tokens moved in");
        assertEq(usdc.balanceOf(alice), 0, "tokens left the wallet");
        assertEq(bal(aliceSub, USDC), 0, "not credited yet");
        assertEq(uint256(ex.requestCount()), 1, "queued");
        IExchangeTypes.Request memory r = ex.getRequest(id);
        assertEq(uint256(r.kind), uint256(IExchangeTypes.RequestKind.Deposit), "kind");
        assertEq(r.subaccount, aliceSub, "subaccount");
        assertEq(uint256(r.assetId), USDC, "asset");
        assertEq(uint256(r.amount), 1000e18, "X18 amount");

        IExchangeTypes.Batch memory b = emptyBatch();
        vm.expectEmit(address(ex));
        emit IExchangeTypes.Deposited(0, aliceSub, USDC, 1000e18);
        settle(b);
        assertEq(bal(aliceSub, USDC), 1000e18, "credited");
        assertEq(uint256(ex.processedRequests()), 1, "processed");
    }

    function test_AnyoneMayDepositIntoAnySubaccount() public {
        deposit(bob, aliceSub, WETH, 2e18);
        settle(emptyBatch());
        assertEq(bal(aliceSub, WETH), 2e18, "alice credited");
        assertEq(bal(bobSub, WETH), 0, "bob not");
    }

    function test_WithdrawsA6DecimalsTokenThroughTheQueue() public {
        fund(alice, aliceSub, USDC, 1000e6);

        vm.prank(alice);
        uint64 id = ex.requestWithdrawal(aliceSub, USDC, 400.5e6);
        assertEq(uint256(ex.getRequest(id).amount), 400.5e18, "X18 amount");
        assertEq(bal(aliceSub, USDC), 1000e18, "not debited before the batch");

        IExchangeTypes.Batch memory b = emptyBatch();
        vm.expectEmit(address(ex));
        emit IExchangeTypes.Withdrawn(id, aliceSub, USDC, 400.5e18);
        settle(b);
        assertEq(bal(aliceSub, USDC), 599.5e18, "debited");
        assertEq(usdc.balanceOf(alice), 400.5e6, "paid in token units");
        assertEq(usdc.balanceOf(address(ex)), 599.5e6, "vault");
    }

    function test_WithdrawsAn8DecimalsToken() public {
        fund(bob, bobSub, WBTC, 3e8);
        vm.prank(bob);
        ex.requestWithdrawal(bobSub, WBTC, 1);
        settle(emptyBatch());
        assertEq(bal(bobSub, WBTC), 3e18 - 1e10, "one satoshi is 1e10 X18");
        assertEq(wbtc.balanceOf(bob), 1, "one satoshi out");
    }

    function test_RejectsAWithdrawalTheBalanceDoesNotCover() public {
        fund(alice, aliceSub, USDC, 100e6);
        vm.prank(alice);
        uint64 id = ex.requestWithdrawal(aliceSub, USDC, 100e6 + 1);
        IExchangeTypes.Batch memory b = emptyBatch();
        vm.expectEmit(address(ex));
        emit IExchangeTypes.WithdrawalRejected(id, aliceSub, USDC, 100e18 + 1e12);
        settle(b);
        assertEq(bal(aliceSub, USDC), 100e18, "unchanged");
        assertEq(usdc.balanceOf(alice), 0, "nothing paid");
        assertEq(uint256(ex.processedRequests()), uint256(id) + 1, "consumed");

        // exactly the balance is fine
        vm.prank(alice);
        ex.requestWithdrawal(aliceSub, USDC, 100e6);
        settle(emptyBatch());
        assertEq(bal(aliceSub, USDC), 0, "emptied");
        assertEq(usdc.balanceOf(alice), 100e6, "paid");
    }

    function test_QueueOrderDecidesWithdrawals() public {
        // withdrawal queued before the deposit that would cover it: rejected
        vm.prank(alice);
        uint64 w = ex.requestWithdrawal(aliceSub, USDC, 10e6);
        deposit(alice, aliceSub, USDC, 10e6);
        vm.recordLogs();
        settle(emptyBatch());
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(logs.length, 3, "rejected, deposited, batch");
        assertEq(logs[0].topics[0], IExchangeTypes.WithdrawalRejected.selector, "first the withdrawal");
        assertEq(uint256(logs[0].topics[1]), w, "its id");
        assertEq(logs[1].topics[0], IExchangeTypes.Deposited.selector, "then the deposit");
        assertEq(bal(aliceSub, USDC), 10e18, "deposit credited");
    }

    function test_WithdrawalsSeeTheBalanceBeforeTheBatchFills() public {
        fund(alice, aliceSub, USDC, 2001e6);
        fund(bob, bobSub, WETH, 1e18);
        vm.prank(alice);
        ex.requestWithdrawal(aliceSub, USDC, 2001e6);
        IExchangeTypes.Order memory ask = order(bobSub, ETH_USDC, false, 2000e18, 1e18);
        IExchangeTypes.Order memory bid = order(aliceSub, ETH_USDC, true, 2000e18, 1e18);
        // requests first: the withdrawal empties alice, so the fill cannot be paid
        expectSettleRevert(withFill(batch2(signed(bobPk, ask), signed(alicePk, bid)), 0, 1, 1e18), fillError(0, 10));
        // without moving the cursor past it, the fill settles and the withdrawal is rejected later
        IExchangeTypes.Batch memory b = withFill(batch2(signed(bobPk, ask), signed(alicePk, bid)), 0, 1, 1e18);
        b.requestCursor = ex.processedRequests();
        settle(b);
        settle(emptyBatch());
        assertEq(bal(aliceSub, USDC), 0, "spent on the fill");
        assertEq(usdc.balanceOf(alice), 0, "withdrawal rejected");
    }

    function test_OnlyTheOwnerRequestsWithdrawals() public {
        fund(alice, aliceSub, USDC, 100e6);
        vm.prank(bob);
        vm.expectRevert(IExchangeTypes.NotOwner.selector);
        ex.requestWithdrawal(aliceSub, USDC, 1e6);
        // the owner of one subaccount does not own another with the same name
        vm.prank(alice);
        vm.expectRevert(IExchangeTypes.NotOwner.selector);
        ex.requestWithdrawal(sub(bob, "main"), USDC, 1e6);
    }

    function test_RejectsBadAmountsAndAssets() public {
        usdc.mint(alice, 10e6);
        vm.startPrank(alice);
        usdc.approve(address(ex), type(uint256).max);
        vm.expectRevert(IExchangeTypes.InvalidAmount.selector);
        ex.deposit(aliceSub, USDC, 0);
        vm.expectRevert(IExchangeTypes.UnknownAsset.selector);
        ex.deposit(aliceSub, 3, 1);
        // more than uint128 in X18
        uint256 tooMuch = uint256(type(uint128).max) / 1e12 + 1;
        vm.expectRevert(IExchangeTypes.InvalidAmount.selector);
        ex.deposit(aliceSub, USDC, tooMuch);
        vm.expectRevert(IExchangeTypes.InvalidAmount.selector);
        ex.requestWithdrawal(aliceSub, USDC, 0);
        vm.expectRevert(IExchangeTypes.InvalidAmount.selector);
        ex.requestWithdrawal(aliceSub, USDC, tooMuch);
        vm.expectRevert(IExchangeTypes.UnknownAsset.selector);
        ex.requestWithdrawal(aliceSub, 7, 1);
        // the largest amount that fits is accepted by the checks (the transfer then fails on funds)
        vm.expectRevert();
        ex.deposit(aliceSub, USDC, tooMuch - 1);
        vm.stopPrank();
        assertEq(uint256(ex.requestCount()), 0, "nothing queued");
    }

    function test_RefusesFeeOnTransferTokens() public {
        FeeOnTransferToken fot = new FeeOnTransferToken();
        uint32 id = ex.assetCount();
        ex.listAsset(address(fot), "FOT");
        fot.mint(alice, 100e18);
        vm.startPrank(alice);
        fot.approve(address(ex), 100e18);
        vm.expectRevert(IExchangeTypes.InvalidAmount.selector);
        ex.deposit(aliceSub, id, 100e18);
        vm.stopPrank();
    }

    function test_CancelUpToIsQueuedForEngines() public {
        vm.prank(alice);
        vm.expectEmit(address(ex));
        emit IExchangeTypes.RequestQueued(0, IExchangeTypes.RequestKind.CancelUpTo, aliceSub, 0, 42);
        ex.cancelUpTo(aliceSub, 42);
        settle(emptyBatch());
        assertEq(uint256(ex.minNonce(aliceSub)), 42, "min nonce");
        assertEq(uint256(ex.processedRequests()), 1, "processed, nothing else");
    }

    function test_GetRequestRejectsUnknownIds() public {
        vm.expectRevert(IExchangeTypes.InvalidParams.selector);
        ex.getRequest(0);
    }

    function test_ConservationThroughAMixedSequence() public {
        fund(alice, aliceSub, USDC, 50_000e6);
        fund(bob, bobSub, WETH, 10e18);
        fund(carol, carolSub, USDC, 20_000e6);
        for (uint256 round; round < 5; ++round) {
            vm.warp(block.timestamp + 7);
            IExchangeTypes.Order memory ask = order(bobSub, ETH_USDC, false, uint128(1990e18 + round * 1e18), 1e18);
            IExchangeTypes.Order memory bid = order(round % 2 == 0 ? aliceSub : carolSub, ETH_USDC, true, 2100e18, 1e18);
            uint256 pk = round % 2 == 0 ? alicePk : carolPk;
            settle(withFill(batch2(signed(bobPk, ask), signed(pk, bid)), 0, 1, 0.3e18 + uint128(round) * 0.1e18));
            vm.prank(bob);
            ex.requestWithdrawal(bobSub, USDC, 100e6);
            assertSolvent(everyone());
        }
        settle(emptyBatch());
        assertSolvent(everyone());
        assertEq(usdc.balanceOf(bob), 500e6, "bob withdrew his proceeds");
    }
}
