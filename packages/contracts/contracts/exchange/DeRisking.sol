// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Net} from "../lib/Net.sol";
import {OrderLib} from "../lib/OrderLib.sol";
import {PerpMath} from "../lib/PerpMath.sol";
import {BatchLedger} from "./BatchLedger.sol";

/// @title Trader-controlled de-risking on chain (DESIGN §9; core engine/de-risk.ts).
/// @notice Risk plans arrive signed in a batch; a batch sets or clears margin-call flags it names
///         after checking maintenance health; an order without a signature is a plan order,
///         accepted only for a flagged account past its grace window, within the plan's slippage
///         of the index, and only if the account's maintenance requirement falls over the batch;
///         liquidations are queued requests (the backstop); the insurance fund absorbs what a
///         bankrupt account still owes, or, when the fund cannot cover it, the account's position
///         is closed against the counterparties the batch names at the price leaving its equity at
///         zero. Every number is the engine's, to the wei.
abstract contract DeRisking is BatchLedger {
    uint256 private constant BPS = 10_000;

    // ------------------------------------------------------------ plans

    function _applyPlans(SignedRiskPlan[] calldata plans) internal {
        bytes32 domainSep = domainSeparator();
        for (uint256 i; i < plans.length; ++i) {
            RiskPlan calldata p = plans[i].plan;
            uint32[] calldata ids = p.marketOrder;
            StoredPlan storage stored = _plans[p.subaccount];
            bool bad = ids.length > MAX_PLAN_MARKETS || p.maxSlippageBps > MAX_PLAN_SLIPPAGE_BPS
                || (stored.set && p.nonce <= stored.nonce)
                || OrderLib.recover(OrderLib.planDigest(domainSep, p), plans[i].signature) != OrderLib.owner(p.subaccount);
            for (uint256 a; a < ids.length && !bad; ++a) {
                if (_markets[ids[a]].tickSize == 0) bad = true;
                for (uint256 b; b < a; ++b) {
                    if (ids[a] == ids[b]) bad = true;
                }
            }
            if (bad) revert InvalidBatch(BATCH_PLAN);
            _plans[p.subaccount] =
                StoredPlan({nonce: p.nonce, maxSlippageBps: p.maxSlippageBps, graceSeconds: p.graceSeconds, set: true});
            emit RiskPlanSet(p.subaccount, p.nonce, p.maxSlippageBps, p.graceSeconds);
        }
    }

    /// When a flagged account's plan may run: the flag's time plus min(plan's grace, maxGrace).
    function _graceEnds(bytes32 subaccount, uint64 flaggedAt) internal view returns (uint256) {
        StoredPlan storage p = _plans[subaccount];
        uint256 grace = p.set ? p.graceSeconds : _deRisk.defaultGraceSeconds;
        uint256 maxGrace = _deRisk.maxGraceSeconds;
        return uint256(flaggedAt) + (grace < maxGrace ? grace : maxGrace);
    }

    // ------------------------------------------------------------ plan orders

    /// Order `i` has no signature: a plan order. Its account must be flagged and past its window,
    /// its market freshly priced and its price within the plan's slippage of the index.
    function _checkPlanOrder(Ctx memory ctx, uint256 i, bytes32 subaccount, uint256 acc, uint256 mp, bool isBuy, uint256 px)
        internal
        view
    {
        uint64 flaggedAt = marginCallAt[subaccount];
        if (flaggedAt == 0 || ctx.t < _graceEnds(subaccount, flaggedAt)) revert InvalidOrder(i, ORDER_NOT_FLAGGED);
        MarketInfo memory m;
        assembly ("memory-safe") {
            m := mp
        }
        StoredPlan storage plan = _plans[subaccount];
        uint256 slip = plan.set ? plan.maxSlippageBps : _deRisk.defaultSlippageBps;
        bool outside = isBuy ? px * BPS > m.price * (BPS + slip) : px * BPS < m.price * (BPS - slip);
        if (m.price == 0 || m.stale || outside) revert InvalidOrder(i, ORDER_PLAN_PRICE);
        assembly ("memory-safe") {
            mstore(add(acc, ACC_PLAN_ORDER), add(i, 1))
        }
    }

    /// Every account a plan order traded for must end the batch with a lower maintenance requirement.
    function _checkPlanOrders(Ctx memory ctx) internal view {
        for (uint256 ptr = ctx.accounts.head; ptr != 0;) {
            Net.Account memory acc = Net.account(ptr);
            ptr = acc.next;
            if (acc.planOrder == 0) continue;
            (bool pricedBefore,, int256 before) = _maintenance(ctx, acc, true);
            (bool priced,, int256 afterwards) = _maintenance(ctx, acc, false);
            if (!pricedBefore || !priced || afterwards >= before) revert InvalidOrder(acc.planOrder - 1, ORDER_NOT_REDUCING);
        }
    }

    // ------------------------------------------------------------ margin calls

    /// Each named account's flag changes: set at the batch's time when its maintenance health is
    /// below zero, cleared when it is at or above zero; a name that changes nothing is refused.
    function _applyMarginCalls(Ctx memory ctx, bytes32[] calldata subaccounts) internal {
        for (uint256 i; i < subaccounts.length; ++i) {
            bytes32 s = subaccounts[i];
            (bool priced, int256 equity, int256 requirement) = _maintenance(ctx, _account(ctx, s), false);
            bool flagged = marginCallAt[s] != 0;
            if (!priced || flagged == (equity < requirement)) revert InvalidBatch(BATCH_MARGIN_CALL);
            if (flagged) {
                delete marginCallAt[s];
                emit MarginCallCleared(s);
            } else {
                marginCallAt[s] = ctx.t;
                emit MarginCall(s, ctx.t);
            }
        }
    }

    // ------------------------------------------------------------ the backstop

    /// A queued liquidation (DESIGN §9.4), in the engine's order of checks.
    function _liquidate(Ctx memory ctx, uint64 id, bytes32 liquidator, uint32 marketId, uint256 amount) internal {
        bytes32 target = _requestData[id];
        uint8 reason = _liquidation(ctx, id, liquidator, target, marketId, amount);
        if (reason != 0) emit LiquidationRejected(id, target, reason);
    }

    function _liquidation(Ctx memory ctx, uint64 id, bytes32 liquidator, bytes32 target, uint32 marketId, uint256 amount)
        private
        returns (uint8 reason)
    {
        Take memory tk;
        tk.marketId = marketId;
        tk.word = _marketWord(marketId);
        if (!_active(tk.word)) return LIQ_UNKNOWN_MARKET; // the engine lists active markets only
        uint256 lot = _markets[marketId].lotSize;
        if (amount == 0 || amount % lot != 0) return LIQ_MALFORMED;
        if (OrderLib.owner(liquidator) == OrderLib.owner(target)) return LIQ_SELF;
        MarketInfo memory m = _market(ctx, marketId);
        if (m.price == 0 || m.stale) return LIQ_STALE_PRICE;
        Net.Account memory acc = _account(ctx, target);
        reason = _size(ctx, acc, tk, amount / lot, lot, m.price);
        if (reason != 0) return reason;
        if (!_take(ctx, Net.ptr(acc), _account(ctx, liquidator), tk)) return LIQ_MARGIN;
        emit Liquidated(id, target, liquidator, marketId, uint256(tk.qty), uint256(tk.quote), uint256(tk.share));
    }

    /// Sizes and prices the step: at most half the exposure (a whole lot at least) while there is
    /// equity to protect, all of it once there is none, at the index less the discount.
    function _size(Ctx memory ctx, Net.Account memory acc, Take memory tk, uint256 wanted, uint256 lot, uint256 px)
        private
        view
        returns (uint8)
    {
        (bool priced, int256 equity, int256 requirement) = _maintenance(ctx, acc, false);
        if (!priced || equity >= PerpMath.mulDivCeil(int256(uint256(_deRisk.backstopRatio)), requirement, int256(ONE))) {
            return LIQ_NOT_LIQUIDATABLE;
        }
        int256 x = _exposure(ctx, acc, tk.marketId, tk.word);
        uint256 held = uint256(x < 0 ? -x : x) / lot;
        if (held == 0) return LIQ_NOTHING;
        uint256 cap = equity < 0 ? held : (held + 1) / 2;
        tk.sells = x > 0;
        tk.qty = int256((wanted < cap ? wanted : cap) * lot);
        int256 notional = (tk.sells ? PerpMath.mulDivFloor : PerpMath.mulDivCeil)(tk.qty, int256(px), int256(ONE));
        int256 discount = PerpMath.mulDivCeil(notional, int256(uint256(_deRisk.liquidationDiscount)), int256(ONE));
        tk.share = PerpMath.mulDivFloor(discount, int256(uint256(_deRisk.insuranceShare)), int256(ONE));
        tk.quote = tk.sells ? notional - discount : notional + discount;
        return 0;
    }

    /// A liquidation step, priced: the market, how much, for what, and the fund's share.
    struct Take {
        uint32 marketId;
        uint256 word;
        int256 qty;
        int256 quote;
        int256 share;
        bool sells;
    }

    /// Moves the step; false (and nothing moved, on net) when it would leave the liquidator's
    /// initial health below zero and lower than before.
    function _take(Ctx memory ctx, uint256 acc, Net.Account memory taker, Take memory tk) private view returns (bool) {
        (bool pricedBefore, int256 before) = _health(ctx, taker, false);
        _transfer(ctx, acc, Net.ptr(taker), tk.marketId, tk.word, !tk.sells, tk.qty, tk.quote);
        _credit(ctx, Net.ptr(taker), 0, -tk.share);
        (bool pricedAfter, int256 h) = _health(ctx, taker, false);
        if (!pricedAfter || (h < 0 && (!pricedBefore || h < before))) {
            // undone the way the engine undoes it: the moves net to zero
            _transfer(ctx, acc, Net.ptr(taker), tk.marketId, tk.word, tk.sells, tk.qty, tk.quote);
            _credit(ctx, Net.ptr(taker), 0, tk.share);
            return false;
        }
        _credit(ctx, _accountAt(ctx, insuranceSubaccount), 0, tk.share);
        return true;
    }

    /// What the account holds in a market: a perp's size, or a spot market's base balance.
    function _exposure(Ctx memory ctx, Net.Account memory acc, uint32 marketId, uint256 word)
        private
        view
        returns (int256)
    {
        if (!_isPerp(word)) return _balance(ctx, acc, _baseId(word), false);
        (StoredPosition memory p, int256 dSize,) = _position(ctx, acc, marketId, false);
        return p.size + dSize;
    }

    /// `amount` changes hands for `quote`: `from` buys when `fromBuys`, `to` takes the other side.
    function _transfer(
        Ctx memory ctx,
        uint256 from,
        uint256 to,
        uint32 marketId,
        uint256 word,
        bool fromBuys,
        int256 amount,
        int256 quote
    ) private pure {
        int256 sign = fromBuys ? int256(1) : -1;
        if (_isPerp(word)) {
            uint256 k = _perpIndex(word);
            _movePositionOutsideFills(ctx, from, marketId, k, sign * amount, -sign * quote);
            _movePositionOutsideFills(ctx, to, marketId, k, -sign * amount, sign * quote);
            return;
        }
        uint256 base = _baseId(word);
        _credit(ctx, from, base, sign * amount);
        _credit(ctx, from, 0, -sign * quote);
        _credit(ctx, to, base, -sign * amount);
        _credit(ctx, to, 0, sign * quote);
    }

    // ------------------------------------------------------------ bad debt

    /// The insurance fund takes over each named account's balances: bankrupt, with no position
    /// and nothing but quote left to sell.
    function _absorb(Ctx memory ctx, bytes32[] calldata subaccounts) internal {
        for (uint256 i; i < subaccounts.length; ++i) {
            bytes32 s = subaccounts[i];
            Net.Account memory acc = _account(ctx, s);
            (bool priced, int256 equity,) = _maintenance(ctx, acc, false);
            bool positions = (acc.header >> PERPS_SHIFT) != 0 || (acc.touched >> 64) != 0;
            if (s == insuranceSubaccount || !priced || equity >= 0 || positions) revert InvalidBatch(BATCH_ABSORB);
            uint256 fund = _accountAt(ctx, insuranceSubaccount);
            uint256 bits = ((acc.header >> HELD_SHIFT) | acc.touched) & MASK64;
            for (uint256 a; bits >> a != 0; ++a) {
                if ((bits >> a) & 1 == 0) continue;
                int256 b = _balance(ctx, acc, a, false);
                if (b > 0 && a != 0) revert InvalidBatch(BATCH_ABSORB);
                if (b == 0) continue;
                _credit(ctx, Net.ptr(acc), a, -b);
                _credit(ctx, fund, a, b);
            }
            emit Absorbed(s, uint256(-equity));
        }
    }

    /// Auto-deleveraging: only when the fund's equity cannot cover the deficit; the whole position
    /// is closed for the amount that leaves the account's equity at zero, shared by the named
    /// counterparties in order (each with an opposite position and positive equity).
    function _deleverage(Ctx memory ctx, Deleverage[] calldata list) internal {
        for (uint256 i; i < list.length; ++i) {
            _deleverageOne(ctx, list[i]);
        }
    }

    function _deleverageOne(Ctx memory ctx, Deleverage calldata d) private {
        {
            uint256 word = _marketWord(d.marketId);
            MarketInfo memory m = _market(ctx, d.marketId);
            Net.Account memory acc = _account(ctx, d.subaccount);
            (bool priced, int256 equity,) = _maintenance(ctx, acc, false);
            (, int256 fundEquity,) = _maintenance(ctx, _account(ctx, insuranceSubaccount), false);
            int256 size = _isPerp(word) ? _exposure(ctx, acc, d.marketId, word) : int256(0);
            if (!priced || equity >= 0 || fundEquity >= -equity || size == 0 || m.price == 0 || m.stale) {
                revert InvalidBatch(BATCH_DELEVERAGE);
            }
            int256 marked = PerpMath.mulDivFloor(size, int256(m.price), int256(ONE));
            int256 total = size > 0 ? marked - equity : -marked + equity;
            Close memory c = Close({
                acc: Net.ptr(acc),
                word: word,
                size: size,
                total: total < 0 ? int256(0) : total,
                whole: size < 0 ? -size : size,
                left: size < 0 ? -size : size,
                paid: 0
            });
            for (uint256 k; k < d.counterparties.length && c.left != 0; ++k) {
                _closeAgainst(ctx, d, c, d.counterparties[k]);
            }
        }
    }

    /// A deleveraging in progress: the bankrupt account, its market and position, what its
    /// counterparties pay in total, and what is left.
    struct Close {
        uint256 acc;
        uint256 word;
        int256 size;
        int256 total;
        int256 whole;
        int256 left;
        int256 paid;
    }

    function _closeAgainst(Ctx memory ctx, Deleverage calldata d, Close memory c, bytes32 counterparty) private {
        Net.Account memory other = _account(ctx, counterparty);
        int256 held = _exposure(ctx, other, d.marketId, c.word);
        (bool priced, int256 equity,) = _maintenance(ctx, other, false);
        if (held == 0 || (held > 0) == (c.size > 0) || !priced || equity <= 0 || counterparty == d.subaccount) {
            revert InvalidBatch(BATCH_DELEVERAGE);
        }
        if (held < 0) held = -held;
        int256 q = held < c.left ? held : c.left;
        c.left -= q;
        int256 quote = c.left == 0 ? c.total - c.paid : PerpMath.mulDivFloor(c.total, q, c.whole);
        c.paid += quote;
        _transfer(ctx, c.acc, Net.ptr(other), d.marketId, c.word, c.size < 0, q, quote);
        emit Deleveraged(d.subaccount, counterparty, d.marketId, uint256(q), uint256(quote));
    }
}
