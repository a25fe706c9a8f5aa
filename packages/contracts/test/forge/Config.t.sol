// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Fixture} from "./utils/Fixture.sol";
import {IExchangeTypes} from "../../contracts/interfaces/IExchangeTypes.sol";
import {TestToken} from "../../contracts/test/TestToken.sol";

/// @notice Listing and parameter changes (spec/contracts.md): before the first batch they take
///         effect at once; after it, each waits in the request queue and takes effect when the
///         batch that moves the cursor past it settles — judged then by its setter's rules — so
///         that every engine switches at the same point of the sequence as the contract.
contract ConfigTest is Fixture {
    function setUp() public override {
        super.setUp();
        settle(emptyBatch());
    }

    function cursorBefore(uint64 requestId) internal view returns (IExchangeTypes.Batch memory b) {
        b = emptyBatch();
        b.requestCursor = requestId;
    }

    function test_BeforeTheFirstBatchAChangeTakesEffectAtOnce() public {
        super.setUp(); // a fresh exchange: no batch yet
        ex.setPnlWeight(0.25e18);
        assertEq(uint256(ex.pnlWeight()), 0.25e18, "applied");
        assertEq(uint256(ex.requestCount()), 0, "nothing queued");
    }

    function test_AChangeWaitsForTheBatchThatPassesIt() public {
        uint64 before = ex.pnlWeight();
        uint64 id = ex.requestCount();
        bytes memory call = abi.encodeCall(ex.setPnlWeight, (0.25e18));
        vm.expectEmit(address(ex));
        emit IExchangeTypes.ConfigQueued(id, call);
        ex.setPnlWeight(0.25e18);
        assertEq(uint256(ex.pnlWeight()), uint256(before), "not yet");
        IExchangeTypes.Request memory r = ex.getRequest(id);
        assertEq(uint8(r.kind), uint8(IExchangeTypes.RequestKind.Config), "a Config request");
        assertEq(r.data, keccak256(call), "naming its change");
        assertEq(keccak256(ex.configChange(id)), keccak256(call), "kept for the nodes");

        settle(cursorBefore(id)); // a batch that stops short of it
        assertEq(uint256(ex.pnlWeight()), uint256(before), "still not");

        IExchangeTypes.Batch memory b = emptyBatch();
        vm.expectEmit(address(ex));
        emit IExchangeTypes.ConfigApplied(id, b.batchId);
        settle(b);
        assertEq(uint256(ex.pnlWeight()), 0.25e18, "applied by the batch that passed it");
        (uint64 head, uint64 tail, uint64 last) = ex.configQueue();
        assertEq(uint256(head), uint256(tail), "none waiting");
        assertEq(uint256(last), uint256(b.batchId), "applied by that batch");
    }

    function test_AChangeIsJudgedWhenItTakesEffect() public {
        // a market on an asset listed by an earlier change of the same batch: judged in order
        TestToken link = new TestToken("Chainlink", "LINK", 18);
        uint32 linkId = ex.assetCount();
        ex.listAsset(address(link), "LINK");
        ex.listMarket(7, market(linkId, 0.001e18, 0.01e18, 0, 0.0005e18, "LINK/USDC"));
        // and one that breaks its rule then: refused, nothing changed
        uint64 bad = ex.requestCount();
        ex.setPnlWeight(1e18 + 1);
        IExchangeTypes.Batch memory b = emptyBatch();
        vm.expectEmit(address(ex));
        emit IExchangeTypes.ConfigRefused(bad, b.batchId, IExchangeTypes.InvalidParams.selector);
        settle(b);
        assertEq(uint256(ex.assetCount()), uint256(linkId) + 1, "asset listed");
        assertEq(keccak256(bytes(ex.getMarket(7).symbol)), keccak256("LINK/USDC"), "market listed on it");
        assertEq(uint256(ex.pnlWeight()), 0, "the refused change changed nothing");
    }

    function test_ReadsDecimalsWhenTheChangeIsMade() public {
        TestToken six = new TestToken("Six", "SIX", 6);
        uint64 id = ex.requestCount();
        ex.listAsset(address(six), "SIX");
        assertEq(keccak256(ex.configChange(id)), keccak256(abi.encodeCall(ex.listAssetWithDecimals, (address(six), "SIX", 6))), "decimals fixed when queued");
    }

    /// An operator may not have a change refused by starving it of gas: whatever gas a batch is
    /// sent with, it either settles with the change applied or does not settle.
    function test_NoGasMakesAChangeRefused() public {
        ex.listMarket(7, market(WETH, 0.01e18, 0.001e18, 0, 0.0005e18, "ETH/USDC 2"));
        IExchangeTypes.Batch memory b = emptyBatch();
        bytes memory call = abi.encodeCall(ex.settleBatch, (b));
        bool settled;
        for (uint256 gas = 60_000; gas < 2_000_000 && !settled; gas += 7_919) {
            uint256 snap = vm.snapshotState();
            vm.prank(operator);
            (bool ok,) = address(ex).call{gas: gas}(call);
            if (ok) {
                settled = true;
                assertEq(keccak256(bytes(ex.getMarket(7).symbol)), keccak256("ETH/USDC 2"), "settled only with the change applied");
            } else {
                vm.revertToState(snap);
            }
        }
        assertTrue(settled, "settles with enough gas");
    }

    function test_OnlyTheAdminChangesAndOnlyTheExchangeApplies() public {
        vm.prank(alice);
        vm.expectRevert(IExchangeTypes.NotAdmin.selector);
        ex.setPnlWeight(0.25e18);
        vm.expectRevert(IExchangeTypes.NotAdmin.selector);
        ex.applyConfigs(type(uint64).max, 1);
        // the apply entry points answer only the Exchange itself, admin included
        vm.expectRevert(IExchangeTypes.NotAdmin.selector);
        ex.listAssetWithDecimals(address(0xdead), "X", 18);
        vm.prank(alice);
        vm.expectRevert(IExchangeTypes.NotAdmin.selector);
        ex.listMarket(7, market(WETH, 0.01e18, 0.001e18, 0, 0.0005e18, "X"));
    }

    function test_NothingIsQueuedOnceFrozen() public {
        ex.setPnlWeight(0.25e18); // a request nobody processes: after forceDelay anyone may freeze
        vm.warp(block.timestamp + 2 days);
        ex.freeze();
        vm.expectRevert(IExchangeTypes.Frozen.selector);
        ex.setPnlWeight(0.25e18);
    }
}
