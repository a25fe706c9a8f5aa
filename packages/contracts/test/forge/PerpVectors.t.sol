// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "./utils/Test.sol";
import {MathX18} from "../../contracts/lib/MathX18.sol";
import {PerpMath} from "../../contracts/lib/PerpMath.sol";

/// @notice Replays the shared perpetuals and fee vectors (packages/core/test/vectors/perp.json,
///         made from the core package) against PerpMath and MathX18, to the wei.
contract PerpVectorsTest is Test {
    string internal json;

    function setUp() public {
        json = vm.readFile(string.concat(vm.projectRoot(), "/../core/test/vectors/perp.json"));
    }

    function test_Funding() public view {
        uint256 i;
        for (; vm.keyExistsJson(json, _at("funding", i)); ++i) {
            string memory k = _at("funding", i);
            int256 cum = _i(k, ".cum");
            int256 next = PerpMath.nextCumFunding(cum, _i(k, ".rate"), _i(k, ".maxRate"), _i(k, ".index"), _i(k, ".elapsed"));
            assertEq(next, _i(k, ".next"), string.concat("cumulative funding of ", k));
            assertEq(PerpMath.fundingOwed(_i(k, ".size"), cum, next), _i(k, ".owed"), string.concat("owed of ", k));
        }
        assertGe(i, 30, "funding vectors");
    }

    function test_Fees() public view {
        uint256 i;
        for (; vm.keyExistsJson(json, _at("fees", i)); ++i) {
            string memory k = _at("fees", i);
            int256 fee = MathX18.fee(vm.parseJsonUint(json, string.concat(k, ".quote")), int64(_i(k, ".rate")));
            assertEq(fee, _i(k, ".fee"), string.concat("fee of ", k));
        }
        assertGe(i, 35, "fee vectors");
    }

    function test_Pnl() public view {
        uint256 i;
        for (; vm.keyExistsJson(json, _at("pnl", i)); ++i) {
            string memory k = _at("pnl", i);
            int256 upnl = PerpMath.unrealizedPnl(_i(k, ".size"), _i(k, ".vQuote"), _i(k, ".index"));
            assertEq(upnl, _i(k, ".upnl"), string.concat("uPnL of ", k));
        }
        assertGe(i, 30, "PnL vectors");
        for (i = 0; vm.keyExistsJson(json, _at("realizations", i)); ++i) {
            string memory k = _at("realizations", i);
            (int256 vQuote, int256 realized) =
                PerpMath.realize(_i(k, ".s0"), _i(k, ".v0"), _i(k, ".s1"), _i(k, ".v1"));
            assertEq(vQuote, _i(k, ".vQuote"), string.concat("vQuote of ", k));
            assertEq(realized, _i(k, ".realized"), string.concat("realized of ", k));
        }
        assertGe(i, 48, "realization vectors");
    }

    function _i(string memory k, string memory field) internal view returns (int256) {
        return vm.parseJsonInt(json, string.concat(k, field));
    }

    function _at(string memory list, uint256 i) internal pure returns (string memory) {
        return string.concat(".", list, "[", vm.toString(i), "]");
    }
}
