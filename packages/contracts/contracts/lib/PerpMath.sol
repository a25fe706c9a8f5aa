// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Perpetual-futures arithmetic (spec/perps.md), identical to the core's `perp.ts` to the wei.
/// @notice Funding (clamped rate into a cumulative index, payments rounded against the
///         position), unrealized PnL (rounded down) and realizing: what stays in vQuote is the
///         entry value of the lots still open, rounded toward +∞, so the realized PnL rounds
///         toward −∞ and `vQuote + quote balance` is unchanged.
///         Shared vectors: packages/core/test/vectors/perp.json.
library PerpMath {
    int256 internal constant ONE = 1e18;

    /// ⌊a·b / c⌋ toward −∞, c > 0.
    function mulDivFloor(int256 a, int256 b, int256 c) internal pure returns (int256 q) {
        int256 p = a * b;
        q = p / c;
        if (p % c != 0 && p < 0) q -= 1;
    }

    /// ⌈a·b / c⌉ toward +∞, c > 0.
    function mulDivCeil(int256 a, int256 b, int256 c) internal pure returns (int256 q) {
        int256 p = a * b;
        q = p / c;
        if (p % c != 0 && p > 0) q += 1;
    }

    function clampRate(int256 rate, int256 maxRate) internal pure returns (int256) {
        if (rate > maxRate) return maxRate;
        if (rate < -maxRate) return -maxRate;
        return rate;
    }

    /// Funding rates are per hour: an update applies its rate for the seconds since the last.
    int256 internal constant FUNDING_PERIOD = 3600;

    /// The cumulative funding after one update at `rate` per hour (clamped) and index price
    /// `index`, `elapsed` seconds after the market's last update: cum + rate·index·elapsed / (1e18·3600).
    function nextCumFunding(int256 cum, int256 rate, int256 maxRate, int256 index, int256 elapsed)
        internal
        pure
        returns (int256)
    {
        return cum + (clampRate(rate, maxRate) * index * elapsed) / (ONE * FUNDING_PERIOD);
    }

    /// Funding owed since the last touch (negative: received), toward +∞.
    function fundingOwed(int256 size, int256 lastCum, int256 cum) internal pure returns (int256) {
        return mulDivCeil(size, cum - lastCum, ONE);
    }

    /// vQuote + size·index, toward −∞.
    function unrealizedPnl(int256 size, int256 vQuote, int256 index) internal pure returns (int256) {
        return vQuote + mulDivFloor(size, index, ONE);
    }

    /// What stays in vQuote and what is realized when a position moves from (s0, v0) to (s1, v1).
    function realize(int256 s0, int256 v0, int256 s1, int256 v1) internal pure returns (int256 vQuote, int256 realized) {
        if (s1 == 0) {
            vQuote = 0;
        } else if (s0 == 0 || (s0 > 0) == (s1 > 0)) {
            vQuote = _abs(s1) >= _abs(s0) ? v1 : mulDivCeil(v0, _abs(s1), _abs(s0));
        } else {
            vQuote = mulDivCeil(v1 - v0, _abs(s1), _abs(s1 - s0));
        }
        realized = v1 - vQuote;
    }

    function _abs(int256 v) private pure returns (int256) {
        return v < 0 ? -v : v;
    }
}
