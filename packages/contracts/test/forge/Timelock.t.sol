// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Deploy} from "./utils/Deploy.sol";
import {Test} from "./utils/Test.sol";
import {IExchangeTypes} from "../../contracts/interfaces/IExchangeTypes.sol";
import {Exchange} from "../../contracts/Exchange.sol";
import {IExchange} from "../../contracts/interfaces/IExchange.sol";
import {Timelock} from "../../contracts/Timelock.sol";
import {TestToken} from "../../contracts/test/TestToken.sol";

/// @notice Listings and parameter changes go through the timelock and wait out its delay.
contract TimelockTest is Test {
    uint256 internal constant DELAY = 2 days;
    Timelock internal timelock;
    IExchange internal ex;
    TestToken internal usdc;

    function setUp() public {
        vm.warp(1_700_000_000);
        address[] memory us = new address[](1);
        us[0] = address(this);
        timelock = new Timelock(DELAY, us, us, address(0));
        ex = IExchange(address(Deploy.exchange(Deploy.devnet(address(timelock), bytes32(uint256(1)), bytes32(uint256(2)), 300))));
        usdc = new TestToken("USD Coin", "USDC", 6);
    }

    function test_OnlyTheTimelockAdministers() public {
        vm.expectRevert(IExchangeTypes.NotAdmin.selector);
        ex.listAsset(address(usdc), "USDC");
        vm.expectRevert(IExchangeTypes.NotAdmin.selector);
        ex.setOperator(address(0xB0B), true);
    }

    function test_AChangeWaitsOutTheDelay() public {
        bytes memory data = abi.encodeCall(ex.listAsset, (address(usdc), "USDC"));
        timelock.schedule(address(ex), 0, data, bytes32(0), bytes32("usdc"), DELAY);
        // not before the delay has passed
        vm.warp(block.timestamp + DELAY - 1);
        vm.expectRevert();
        timelock.execute(address(ex), 0, data, bytes32(0), bytes32("usdc"));
        assertEq(ex.assetCount(), 0, "nothing listed yet");
        vm.warp(block.timestamp + 1);
        timelock.execute(address(ex), 0, data, bytes32(0), bytes32("usdc"));
        assertEq(ex.assetCount(), 1, "listed after the delay");
    }

    function test_AShorterDelayCannotBeScheduled() public {
        bytes memory data = abi.encodeCall(ex.setOperator, (address(0xB0B), true));
        vm.expectRevert();
        timelock.schedule(address(ex), 0, data, bytes32(0), bytes32("op"), DELAY - 1);
    }

    function test_OnlyProposersSchedule() public {
        bytes memory data = abi.encodeCall(ex.setOperator, (address(0xB0B), true));
        vm.prank(address(0xBAD));
        vm.expectRevert();
        timelock.schedule(address(ex), 0, data, bytes32(0), bytes32("op"), DELAY);
    }
}
