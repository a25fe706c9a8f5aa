// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "./utils/Test.sol";
import {LendingMath} from "../../contracts/lib/LendingMath.sol";

/// @notice Replays the shared lending vectors (packages/core/test/vectors/lending.json, made from
///         the core package) against LendingMath: every number must be equal to the wei.
contract LendingVectorsTest is Test {
    string internal json;

    function setUp() public {
        json = vm.readFile(string.concat(vm.projectRoot(), "/../core/test/vectors/lending.json"));
    }

    function test_Accruals() public view {
        uint256 i;
        for (; vm.keyExistsJson(json, _at("accruals", i, "")); ++i) {
            string memory k = _at("accruals", i, "");
            string memory name = vm.parseJsonString(json, string.concat(k, ".name"));
            LendingMath.Curve memory c = LendingMath.Curve({
                baseRate: _u(k, ".curve.baseRate"),
                slope1: _u(k, ".curve.slope1"),
                slope2: _u(k, ".curve.slope2"),
                kink: _u(k, ".curve.kink"),
                reserveFactor: _u(k, ".curve.reserveFactor")
            });
            LendingMath.Pool memory p = _pool(string.concat(k, ".pool"));
            uint256 u = LendingMath.utilization(LendingMath.totalSupply(p), LendingMath.totalBorrow(p));
            assertEq(u, _u(k, ".expect.utilization"), string.concat(name, ": utilization"));
            assertEq(LendingMath.borrowRate(c, u), _u(k, ".expect.borrowRate"), string.concat(name, ": rate"));
            (uint256 interest, uint256 reserve) = LendingMath.accrue(p, c, _u(k, ".t"));
            assertEq(interest, _u(k, ".expect.interest"), string.concat(name, ": interest"));
            assertEq(reserve, _u(k, ".expect.reserve"), string.concat(name, ": reserve"));
            LendingMath.Pool memory want = _pool(string.concat(k, ".expect.pool"));
            assertEq(p.supplyIndex, want.supplyIndex, string.concat(name, ": supplyIndex"));
            assertEq(p.borrowIndex, want.borrowIndex, string.concat(name, ": borrowIndex"));
            assertEq(p.supplyScaled, want.supplyScaled, string.concat(name, ": supplyScaled"));
            assertEq(p.borrowScaled, want.borrowScaled, string.concat(name, ": borrowScaled"));
            assertEq(p.lastAccrual, want.lastAccrual, string.concat(name, ": lastAccrual"));
        }
        assertGe(i, 40, "accrual vectors");
    }

    function test_Conversions() public view {
        uint256 i;
        for (; vm.keyExistsJson(json, _at("conversions", i, "")); ++i) {
            string memory k = _at("conversions", i, "");
            LendingMath.Pool memory p;
            p.supplyIndex = _u(k, ".supplyIndex");
            p.borrowIndex = _u(k, ".borrowIndex");
            int256 scaled = LendingMath.scaledOf(_i(k, ".balance"), p);
            assertEq(scaled, _i(k, ".scaled"), string.concat("scaled of ", k));
            assertEq(LendingMath.balanceOf(scaled, p), _i(k, ".back"), string.concat("balance of ", k));
        }
        assertGe(i, 40, "conversion vectors");
    }

    function test_Moves() public view {
        uint256 i;
        for (; vm.keyExistsJson(json, _at("moves", i, "")); ++i) {
            string memory k = _at("moves", i, "");
            LendingMath.Pool memory p = _pool(string.concat(k, ".pool"));
            int256 next = LendingMath.move(_i(k, ".scaled"), _i(k, ".delta"), p);
            assertEq(next, _i(k, ".expect.scaled"), string.concat("scaled after ", k));
            assertEq(p.supplyScaled, _u(k, ".expect.supplyScaled"), string.concat("supplyScaled after ", k));
            assertEq(p.borrowScaled, _u(k, ".expect.borrowScaled"), string.concat("borrowScaled after ", k));
        }
        assertGe(i, 30, "move vectors");
    }

    function _pool(string memory k) internal view returns (LendingMath.Pool memory) {
        return LendingMath.Pool({
            supplyScaled: _u(k, ".supplyScaled"),
            borrowScaled: _u(k, ".borrowScaled"),
            supplyIndex: _u(k, ".supplyIndex"),
            borrowIndex: _u(k, ".borrowIndex"),
            lastAccrual: _u(k, ".lastAccrual")
        });
    }

    function _u(string memory k, string memory field) internal view returns (uint256) {
        return vm.parseJsonUint(json, string.concat(k, field));
    }

    function _i(string memory k, string memory field) internal view returns (int256) {
        return vm.parseJsonInt(json, string.concat(k, field));
    }

    function _at(string memory list, uint256 i, string memory path) internal pure returns (string memory) {
        return string.concat(".", list, "[", vm.toString(i), "]", path);
    }
}
