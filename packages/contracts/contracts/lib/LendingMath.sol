// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {MathX18} from "./MathX18.sol";

/// @title Pooled lending arithmetic (spec/lending.md), identical to the core's `lending.ts` to the wei.
/// @notice The kinked utilization curve, per-second accrual into a supply and a borrow index,
///         the reserve share to the insurance fund, and scaled balances. Rounding favours the
///         pool: credits round down, debts round up, and every accrual's rounding dust goes to
///         the reserve, so `totalSupply − totalBorrow + reserve` never changes through accrual.
///         Shared vectors: packages/core/test/vectors/lending.json.
library LendingMath {
    uint256 internal constant ONE = 1e18;
    uint256 internal constant SECONDS_PER_YEAR = 31_536_000;

    /// X18 per year; the reserve factor is a share of interest.
    struct Curve {
        uint256 baseRate;
        uint256 slope1;
        uint256 slope2;
        uint256 kink;
        uint256 reserveFactor;
    }

    struct Pool {
        uint256 supplyScaled;
        uint256 borrowScaled;
        uint256 supplyIndex;
        uint256 borrowIndex;
        uint256 lastAccrual;
    }

    /// Total supplied, X18, rounded down.
    function totalSupply(Pool memory p) internal pure returns (uint256) {
        return MathX18.mulDown(p.supplyScaled, p.supplyIndex);
    }

    /// Total borrowed, X18, rounded up.
    function totalBorrow(Pool memory p) internal pure returns (uint256) {
        return MathX18.mulUp(p.borrowScaled, p.borrowIndex);
    }

    /// borrow / supply, at most 1; 0 when nothing is borrowed, 1 when loans outlive every supply.
    function utilization(uint256 supply, uint256 borrow) internal pure returns (uint256 u) {
        if (borrow == 0) return 0;
        if (supply == 0) return ONE;
        u = (borrow * ONE) / supply;
        if (u > ONE) u = ONE;
    }

    /// The yearly borrow rate at utilization `u` (kink strictly between 0 and 1).
    function borrowRate(Curve memory c, uint256 u) internal pure returns (uint256) {
        if (u <= c.kink) return c.baseRate + (c.slope1 * u) / c.kink;
        return c.baseRate + c.slope1 + (c.slope2 * (u - c.kink)) / (ONE - c.kink);
    }

    /// Accrues `p` to time `t` in place; returns the interest charged and the reserve share.
    function accrue(Pool memory p, Curve memory c, uint256 t) internal pure returns (uint256 interest, uint256 reserve) {
        if (t <= p.lastAccrual) return (0, 0);
        uint256 dt = t - p.lastAccrual;
        uint256 supplyBefore = totalSupply(p);
        uint256 borrowBefore = totalBorrow(p);
        uint256 perSecond = borrowRate(c, utilization(supplyBefore, borrowBefore)) / SECONDS_PER_YEAR;
        p.borrowIndex += MathX18.mulUp(p.borrowIndex, perSecond * dt);
        interest = totalBorrow(p) - borrowBefore;
        if (p.supplyScaled > 0) {
            uint256 toSuppliers = interest - MathX18.mulUp(interest, c.reserveFactor);
            p.supplyIndex += (toSuppliers * ONE) / p.supplyScaled;
        }
        p.lastAccrual = t;
        reserve = interest - (totalSupply(p) - supplyBefore);
    }

    /// The X18 balance of a scaled amount: credits round down, debts round up.
    function balanceOf(int256 s, Pool memory p) internal pure returns (int256) {
        if (s >= 0) return int256(MathX18.mulDown(uint256(s), p.supplyIndex));
        return -int256(MathX18.mulUp(uint256(-s), p.borrowIndex));
    }

    /// The scaled amount of an X18 balance: credits round down, debts round up.
    function scaledOf(int256 b, Pool memory p) internal pure returns (int256) {
        if (b >= 0) return int256((uint256(b) * ONE) / p.supplyIndex);
        uint256 n = uint256(-b) * ONE;
        uint256 q = n / p.borrowIndex;
        if (n % p.borrowIndex != 0) q += 1;
        return -int256(q);
    }

    /// Moves a scaled balance by an X18 delta and keeps the pool's scaled totals in step.
    function move(int256 s, int256 delta, Pool memory p) internal pure returns (int256 next) {
        next = scaledOf(balanceOf(s, p) + delta, p);
        if (s > 0) p.supplyScaled -= uint256(s);
        else p.borrowScaled -= uint256(-s);
        if (next > 0) p.supplyScaled += uint256(next);
        else p.borrowScaled += uint256(-next);
    }
}
