// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title X18 fixed-point helpers (spec/numbers.md).
/// @notice Values are scaled by 1e18. Plain products truncate toward zero; where the direction
///         matters the rounding goes against the trader: charges round up, credits round down.
library MathX18 {
    uint256 internal constant ONE = 1e18;

    /// a·b / 1e18, truncated.
    function mulDown(uint256 a, uint256 b) internal pure returns (uint256) {
        return (a * b) / ONE;
    }

    /// a·b / 1e18, rounded up.
    function mulUp(uint256 a, uint256 b) internal pure returns (uint256 r) {
        uint256 p = a * b;
        unchecked {
            // p / ONE cannot overflow, and adding 1 to a quotient of a uint256 by 1e18 cannot either.
            r = p / ONE;
            if (p % ONE != 0) r += 1;
        }
    }

    /// The fee for a notional `quote` at an X18 `rate`: a charge (rate ≥ 0) rounds up, a rebate
    /// (rate < 0) rounds down in magnitude and comes back negative.
    /// @dev Callers keep `quote < 2^197` (a product of two uint128 over 1e18) and |rate| ≤ 0.1e18,
    ///      so the products stay below 2^253.
    function fee(uint256 quote, int64 rate) internal pure returns (int256) {
        if (rate >= 0) return int256(mulUp(quote, uint256(uint64(rate))));
        return -int256(mulDown(quote, uint256(-int256(rate))));
    }

    /// 10^(18 − decimals): the factor between token units and X18.
    function scale(uint8 decimals) internal pure returns (uint256) {
        return 10 ** (18 - uint256(decimals));
    }
}
