// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Fixture} from "./utils/Fixture.sol";
import {IExchangeTypes} from "../../contracts/interfaces/IExchangeTypes.sol";
import {BlockingToken} from "../../contracts/test/BlockingToken.sol";

/// @notice A payout that fails never blocks the request queue or the batch (spec/contracts.md): a token
///         that blacklists the recipient, is paused, or answers false leaves the amount
///         claimable by its owner later, and everything queued behind it goes through.
contract PayoutsTest is Fixture {
    uint32 internal constant BLK = 3;
    BlockingToken internal blk;

    function setUp() public override {
        super.setUp();
        blk = new BlockingToken(6);
        ex.listAsset(address(blk), "BLK");
        blk.mint(alice, 100e6);
        vm.startPrank(alice);
        blk.approve(address(ex), 100e6);
        ex.deposit(aliceSub, BLK, 100e6);
        vm.stopPrank();
        settle(emptyBatch());
    }

    /// alice's withdrawal fails (she is blacklisted); bob's deposit and withdrawal behind it go through.
    function test_AFailedPayoutDoesNotBlockTheQueue() public {
        blk.setBlocked(alice, true);
        vm.prank(alice);
        ex.requestWithdrawal(aliceSub, BLK, 60e6);
        deposit(bob, bobSub, USDC, 50e6);
        vm.prank(bob);
        ex.requestWithdrawal(bobSub, USDC, 10e6);
        settle(emptyBatch());
        assertEq(usdc.balanceOf(bob), 10e6, "bob is paid");
        assertEq(bal(bobSub, USDC), 40e18, "bob's deposit credited");
        assertEq(bal(aliceSub, BLK), 40e18, "alice's balance is debited");
        assertEq(blk.balanceOf(alice), 0, "nothing reached alice");
        // the amount waits for alice: she claims it to another address of hers
        assertEq(ex.claimable(alice, BLK), 60e6, "claimable");
        address other = address(0xA11CE2);
        vm.prank(alice);
        ex.claim(BLK, other);
        assertEq(blk.balanceOf(other), 60e6, "claimed elsewhere");
        assertEq(ex.claimable(alice, BLK), 0, "once");
        vm.prank(alice);
        vm.expectRevert(IExchangeTypes.InvalidAmount.selector);
        ex.claim(BLK, other);
    }

    function test_AFailedPayoutIsClaimableOnceTheTokenAllowsIt() public {
        blk.setBlocked(alice, true);
        vm.prank(alice);
        ex.requestWithdrawal(aliceSub, BLK, 25e6);
        vm.expectEmit(address(ex));
        emit IExchangeTypes.PayoutDeferred(alice, BLK, 25e6);
        settle(emptyBatch());
        vm.prank(alice);
        vm.expectRevert(); // still blocked: the claim itself fails, and stays claimable
        ex.claim(BLK, alice);
        assertEq(ex.claimable(alice, BLK), 25e6, "still there");
        blk.setBlocked(alice, false);
        vm.prank(alice);
        ex.claim(BLK, alice);
        assertEq(blk.balanceOf(alice), 25e6, "paid");
    }

    /// An operator cannot make a payout fail on purpose by starving it of gas.
    function test_TooLittleGasForAPayoutRevertsTheBatch() public {
        vm.prank(alice);
        ex.requestWithdrawal(aliceSub, BLK, 1e6);
        IExchangeTypes.Batch memory b = emptyBatch();
        vm.prank(operator);
        (bool ok, bytes memory data) = address(ex).call{gas: 120_000}(abi.encodeCall(ex.settleBatch, (b)));
        assertTrue(!ok, "refused");
        assertEq(bytes4(data), IExchangeTypes.NotEnoughGas.selector, "for want of gas");
        assertEq(ex.claimable(alice, BLK), 0, "nothing deferred");
    }

    function test_APausedTokenOrAFalseAnswerDoesNotBlockTheBatch() public {
        blk.setPaused(true);
        vm.prank(alice);
        ex.requestWithdrawal(aliceSub, BLK, 10e6);
        settle(emptyBatch());
        blk.setPaused(false);
        blk.setQuiet(true);
        blk.setBlocked(alice, true);
        vm.prank(alice);
        ex.requestWithdrawal(aliceSub, BLK, 10e6);
        settle(emptyBatch());
        assertEq(bal(aliceSub, BLK), 80e18, "both debited");
        assertEq(blk.balanceOf(address(ex)), 100e6, "the tokens stay in the vault");
    }
}
