// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Fixture} from "./utils/Fixture.sol";
import {Deploy} from "./utils/Deploy.sol";
import {ExchangeEscape} from "../../contracts/ExchangeEscape.sol";
import {ExchangeStorage} from "../../contracts/exchange/ExchangeStorage.sol";
import {IExchangeTypes} from "../../contracts/interfaces/IExchangeTypes.sol";

/// @notice The leader schedule (spec/contracts.md): operators take turns by epoch, the next in
///         turn takes over a stalled epoch, a revoked operator is refused at once.
contract ScheduleTest is Fixture {
    uint64 internal constant EPOCH = 1 hours; // Deploy's configuration
    uint64 internal constant TAKEOVER = 30;

    address internal op0 = address(0xA0);
    address internal op1 = address(0xA1);
    address internal op2 = address(0xA2);

    function setUp() public override {
        super.setUp();
        ex.setOperator(operator, false);
        ex.setOperator(op0, true);
        ex.setOperator(op1, true);
        ex.setOperator(op2, true);
        // the start of an epoch led by op0, which settles: until then, with no batch since the
        // deployment, any operator may take over
        vm.warp(_epochStart(0));
        _settleAs(op0);
    }

    /// The first block time of the next epoch whose scheduled leader is operators[i] (of three).
    function _epochStart(uint256 i) internal view returns (uint256) {
        uint256 e = block.timestamp / EPOCH + 1;
        while (e % 3 != i) ++e;
        return e * EPOCH;
    }

    function _settleAs(address who) internal {
        IExchangeTypes.Batch memory b = emptyBatch();
        vm.prank(who);
        ex.settleBatch(b);
    }

    function _refused(address who, bytes4 err) internal {
        IExchangeTypes.Batch memory b = emptyBatch();
        vm.expectRevert(err);
        vm.prank(who);
        ex.settleBatch(b);
    }

    function test_OperatorsTakeTurnsByEpoch() public {
        address[] memory ops = ex.operators();
        assertEq(ops.length, 3, "ops.length");
        for (uint256 k; k < 6; ++k) {
            uint256 e = block.timestamp / EPOCH;
            address leader = ops[e % 3];
            assertEq(ex.leaderAt(uint64(block.timestamp)), leader, "leaderAt");
            for (uint256 i; i < 3; ++i) {
                if (ops[i] != leader) _refused(ops[i], IExchangeTypes.NotLeader.selector);
            }
            _settleAs(leader);
            // the last second of the epoch is still its leader's
            vm.warp((e + 1) * EPOCH - 1);
            _settleAs(leader);
            vm.warp((e + 1) * EPOCH);
        }
        _refused(alice, IExchangeTypes.NotOperator.selector);
        _refused(operator, IExchangeTypes.NotOperator.selector); // revoked in setUp
    }

    function test_TheNextInTurnTakesOverAStalledEpoch() public {
        _settleAs(op0);
        uint256 last = block.timestamp;
        // op1 stands one place after op0, op2 two
        vm.warp(last + TAKEOVER - 1);
        _refused(op1, IExchangeTypes.NotLeader.selector);
        _refused(op2, IExchangeTypes.NotLeader.selector);
        vm.warp(last + TAKEOVER);
        _refused(op2, IExchangeTypes.NotLeader.selector);
        vm.expectEmit(address(ex));
        emit IExchangeTypes.LeaderTookOver(uint64(block.timestamp / EPOCH), op1);
        _settleAs(op1);
        (,,, address acting, uint64 actingEpoch) = ex.schedule();
        assertEq(acting, op1, "acting");
        assertEq(actingEpoch, block.timestamp / EPOCH, "actingEpoch");
        assertEq(ex.leaderAt(uint64(block.timestamp)), op1, "leader");

        // op1 leads the rest of the epoch: the leader it replaced may not settle in it
        vm.warp(block.timestamp + 1);
        _refused(op0, IExchangeTypes.NotLeader.selector);
        _settleAs(op1);
        _settleAs(op1);

        // op1 stalls in turn: op2 is next after it, op0 after op2
        last = block.timestamp;
        vm.warp(last + 2 * TAKEOVER - 1);
        _refused(op0, IExchangeTypes.NotLeader.selector);
        vm.warp(last + 2 * TAKEOVER);
        _settleAs(op0);
        assertEq(ex.leaderAt(uint64(block.timestamp)), op0, "leader");

        // the next epoch is its scheduled leader's again
        vm.warp((block.timestamp / EPOCH + 1) * EPOCH);
        assertEq(ex.leaderAt(uint64(block.timestamp)), op1, "leader");
        _settleAs(op1);
        _refused(op0, IExchangeTypes.NotLeader.selector);
    }

    function test_FartherOperatorsWaitLonger() public {
        _settleAs(op0);
        uint256 last = block.timestamp;
        vm.warp(last + 2 * TAKEOVER - 1);
        _refused(op2, IExchangeTypes.NotLeader.selector);
        vm.warp(last + 2 * TAKEOVER);
        _settleAs(op2); // op1 too was silent
        _refused(op1, IExchangeTypes.NotLeader.selector);
        _refused(op0, IExchangeTypes.NotLeader.selector);
    }

    function test_ARevokedOperatorIsRefusedAtOnce() public {
        _settleAs(op0);
        ex.setOperator(op0, false);
        _refused(op0, IExchangeTypes.NotOperator.selector);
        // the schedule closes up: [op1, op2]
        address[] memory ops = ex.operators();
        assertEq(ops.length, 2, "ops.length");
        assertEq(ops[0], op1, "ops[0]");
        assertEq(ops[1], op2, "ops[1]");
        uint256 e = block.timestamp / EPOCH;
        address leader = ops[e % 2];
        assertEq(ex.leaderAt(uint64(block.timestamp)), leader, "leader");
        _settleAs(leader);

        // a taker that is revoked hands its epoch back to the schedule
        vm.warp(block.timestamp + TAKEOVER);
        address other = leader == op1 ? op2 : op1;
        _settleAs(other);
        assertEq(ex.leaderAt(uint64(block.timestamp)), other, "leader");
        ex.setOperator(other, false);
        assertEq(ex.leaderAt(uint64(block.timestamp)), leader, "leader");
        _settleAs(leader);
    }

    function test_TheOperatorListKeepsItsOrder() public {
        ex.setOperator(op1, true); // again: no change
        ex.setOperator(address(0xBEEF), false); // not one: no change
        address[] memory ops = ex.operators();
        assertEq(ops.length, 3, "ops.length");
        assertEq(ops[0], op0, "ops[0]");
        assertEq(ops[1], op1, "ops[1]");
        assertEq(ops[2], op2, "ops[2]");
        ex.setOperator(op1, false);
        ex.setOperator(op1, true);
        ops = ex.operators();
        assertEq(ops[0], op0, "ops[0]");
        assertEq(ops[1], op2, "ops[1]");
        assertEq(ops[2], op1, "ops[2]");
        assertTrue(ex.isOperator(op1), "ex.isOperator(op1)");
        assertTrue(!ex.isOperator(operator), "!ex.isOperator(operator)");

        vm.expectRevert(IExchangeTypes.InvalidParams.selector);
        ex.setOperator(address(0), true);
        for (uint160 i = 3; i < 16; ++i) ex.setOperator(address(0x100 + i), true);
        vm.expectRevert(IExchangeTypes.InvalidParams.selector);
        ex.setOperator(address(0x200), true);
    }

    function test_OnlyTheExchangeAsksTheSchedule() public {
        vm.expectRevert(IExchangeTypes.NotOperator.selector);
        vm.prank(op0);
        ex.admitSettler(op0);
        // a takeover cannot be recorded from outside
        vm.warp(block.timestamp + 10 * TAKEOVER);
        vm.expectRevert(IExchangeTypes.NotOperator.selector);
        vm.prank(op1);
        ex.admitSettler(op1);
        (,,, address acting,) = ex.schedule();
        assertEq(acting, address(0), "acting");
    }

    function test_TheScheduleIsPartOfTheConfiguration() public {
        (uint64 epochSeconds, uint64 takeoverSeconds, uint64 lastSettledAt,,) = ex.schedule();
        assertEq(epochSeconds, EPOCH, "epochSeconds");
        assertEq(takeoverSeconds, TAKEOVER, "takeoverSeconds");
        assertEq(lastSettledAt, block.timestamp, "lastSettledAt"); // setUp's batch

        ExchangeStorage.Config memory c = Deploy.network(address(this), feeSub, insuranceSub, 60);
        c.epochSeconds = 0;
        vm.expectRevert(IExchangeTypes.InvalidParams.selector);
        new ExchangeEscape(c);
        c.epochSeconds = 1 days + 1;
        vm.expectRevert(IExchangeTypes.InvalidParams.selector);
        new ExchangeEscape(c);
        c.epochSeconds = 1 days;
        c.takeoverSeconds = 0;
        vm.expectRevert(IExchangeTypes.InvalidParams.selector);
        new ExchangeEscape(c);
        // an operator must be able to take over before anyone may freeze
        c.takeoverSeconds = c.forceDelay;
        vm.expectRevert(IExchangeTypes.InvalidParams.selector);
        new ExchangeEscape(c);
        c.takeoverSeconds = c.forceDelay - 1;
        new ExchangeEscape(c);
    }
}
