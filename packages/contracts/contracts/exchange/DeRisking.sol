// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Net} from "../lib/Net.sol";
import {OrderLib} from "../lib/OrderLib.sol";
import {PerpMath} from "../lib/PerpMath.sol";
import {BatchLedger} from "./BatchLedger.sol";

/// @title Trader-controlled de-risking on chain (spec/de-risking.md; core engine/de-risk.ts).
/// @notice Risk plans arrive signed in a batch (stored by the Prelude); a batch sets or clears
///         margin-call flags it names after checking maintenance health; an order without a
///         signature is a plan order, accepted only for a flagged account past its grace window,
///         in its plan's markets and order, within the plan's slippage of the index, reducing
///         only, and only if the account's maintenance requirement falls over the batch;
///         liquidations are queued requests (the backstop); the insurance fund absorbs what a
///         bankrupt account still owes, or, when the fund cannot cover it, the account's position
///         is closed against the counterparties the batch names at the price leaving its equity at
///         zero. Every number is the engine's, to the wei.
abstract contract DeRisking is BatchLedger {
    uint256 private constant BPS = 10_000;

    // ------------------------------------------------------------ plans

    /// When a flagged account's plan may run, on the batch clock: the flag's batch time plus
    /// min(plan's grace, maxGrace) plus maxBatchAge. A batch's clock may trail the chain's by up
    /// to maxBatchAge, so the flag may have reached the chain that much later than its time says;
    /// counting from then, the trader has the whole window on the chain's clock however the
    /// operator dates its batches.
    function _graceEnds(bytes32 subaccount, uint64 flaggedAt) internal view returns (uint256) {
        StoredPlan storage p = _plans[subaccount];
        uint256 grace = p.set ? p.graceSeconds : _deRisk.defaultGraceSeconds;
        uint256 maxGrace = _deRisk.maxGraceSeconds;
        return uint256(flaggedAt) + (grace < maxGrace ? grace : maxGrace) + _maxBatchAge;
    }

    // ------------------------------------------------------------ plan orders

    /// Order `i` (record `rec`) has no signature: a plan order. Its account must be flagged and
    /// past its window; a plan that names markets allows only those, and one step's orders follow
    /// its order; the market is freshly priced and the price within the plan's slippage of the
    /// index. (That it only reduces is checked fill by fill.)
    function _checkPlanOrder(Ctx memory ctx, uint256 i, bytes32 subaccount, uint256 acc, uint256 mp, uint256 rec)
        internal
        view
    {
        uint64 flaggedAt = _marginCallAt[subaccount];
        if (flaggedAt == 0 || ctx.t < _graceEnds(subaccount, flaggedAt)) revert InvalidOrder(i, ORDER_NOT_FLAGGED);
        MarketInfo memory m;
        bool isBuy;
        uint256 px;
        assembly ("memory-safe") {
            m := mp
            isBuy := mload(add(rec, 0x60))
            px := mload(add(rec, 0x80))
        }
        StoredPlan storage plan = _plans[subaccount];
        if (plan.marketCount != 0) _checkPlanPlace(i, subaccount, acc, uint32(m.marketId), plan.marketCount);
        uint256 slip = plan.set ? plan.maxSlippageBps : _deRisk.defaultSlippageBps;
        bool outside = isBuy ? px * BPS > m.price * (BPS + slip) : px * BPS < m.price * (BPS - slip);
        if (m.price == 0 || m.stale || outside) revert InvalidOrder(i, ORDER_PLAN_PRICE);
        assembly ("memory-safe") {
            mstore(add(acc, ACC_PLAN_ORDER), add(i, 1))
        }
    }

    /// The market is one the plan names, later in its order than the account's previous plan
    /// order of this batch.
    function _checkPlanPlace(uint256 i, bytes32 subaccount, uint256 acc, uint32 marketId, uint256 count) private view {
        uint256[2] storage words = _planMarkets[subaccount];
        uint256 place;
        for (uint256 k; k < count; ++k) {
            if (uint32(words[k >> 3] >> ((k & 7) * 32)) == marketId) {
                place = k + 1;
                break;
            }
        }
        uint256 last;
        assembly ("memory-safe") {
            last := mload(add(acc, ACC_PLAN_PLACE))
        }
        if (place == 0 || place <= last) revert InvalidOrder(i, ORDER_PLAN_MARKET);
        assembly ("memory-safe") {
            mstore(add(acc, ACC_PLAN_PLACE), place)
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
            bool flagged = _marginCallAt[s] != 0;
            if (!priced || flagged == (equity < requirement)) revert InvalidBatch(BATCH_MARGIN_CALL);
            if (flagged) {
                delete _marginCallAt[s];
                emit MarginCallCleared(s);
            } else {
                _marginCallAt[s] = ctx.t;
                emit MarginCall(s, ctx.t);
            }
        }
    }

    // ------------------------------------------------------------ the backstop

    /// A queued liquidation (spec/de-risking.md), in the engine's order of checks.
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
        _credit(ctx, _accountAt(ctx, _insuranceSubaccount), 0, tk.share);
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
            if (s == _insuranceSubaccount || !priced || equity >= 0 || positions) revert InvalidBatch(BATCH_ABSORB);
            uint256 fund = _accountAt(ctx, _insuranceSubaccount);
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
        Close memory c = _bankrupt(ctx, d);
        uint256 n = d.counterparties.length;
        for (uint256 k; k < n; ++k) {
            // every name takes part: none after the position is closed
            if (c.left == 0) revert InvalidBatch(BATCH_DELEVERAGE);
            _closeAgainst(ctx, d, c, d.counterparties[k], k);
        }
    }

    /// The position to close: the account is bankrupt, the fund cannot cover it, the market is
    /// freshly priced. Its bankruptcy price is computed here from the account's equity: the
    /// operator names the counterparties, never the price.
    function _bankrupt(Ctx memory ctx, Deleverage calldata d) private view returns (Close memory c) {
        c.word = _marketWord(d.marketId);
        MarketInfo memory m = _market(ctx, d.marketId);
        Net.Account memory acc = _account(ctx, d.subaccount);
        (bool priced, int256 equity,) = _maintenance(ctx, acc, false);
        (, int256 fundEquity,) = _maintenance(ctx, _account(ctx, _insuranceSubaccount), false);
        int256 size = _isPerp(c.word) ? _exposure(ctx, acc, d.marketId, c.word) : int256(0);
        if (!priced || equity >= 0 || fundEquity >= -equity || size == 0 || m.price == 0 || m.stale) {
            revert InvalidBatch(BATCH_DELEVERAGE);
        }
        int256 marked = PerpMath.mulDivFloor(size, int256(m.price), int256(ONE));
        int256 total = size > 0 ? marked - equity : -marked + equity;
        c.acc = Net.ptr(acc);
        c.size = size;
        c.total = total < 0 ? int256(0) : total;
        c.whole = size < 0 ? -size : size;
        c.left = c.whole;
        c.price = int256(m.price);
        c.cumFunding = m.cumFunding;
    }

    /// A deleveraging in progress: the bankrupt account, its market and position, what its
    /// counterparties pay in total, what is left, and the last counterparty's rank.
    struct Close {
        uint256 acc;
        uint256 word;
        int256 size;
        int256 total;
        int256 whole;
        int256 left;
        int256 paid;
        int256 price;
        int256 cumFunding;
        int256 lastScore;
        bytes32 last;
    }

    /// Closes what the counterparty holds opposite, up to what is left. The counterparty holds
    /// the other side with positive equity, ranks after the previous one (profit × leverage
    /// descending, then subaccount ascending, as the docs and the engine rank them), and is at or
    /// above maintenance once it has taken its share.
    function _closeAgainst(Ctx memory ctx, Deleverage calldata d, Close memory c, bytes32 counterparty, uint256 k) private {
        (uint256 other, int256 held) = _counterparty(ctx, d, c, counterparty, k);
        int256 q = held < c.left ? held : c.left;
        c.left -= q;
        int256 quote = c.left == 0 ? c.total - c.paid : PerpMath.mulDivFloor(c.total, q, c.whole);
        c.paid += quote;
        _transfer(ctx, c.acc, other, d.marketId, c.word, c.size < 0, q, quote);
        (, int256 equity, int256 requirement) = _maintenance(ctx, Net.account(other), false);
        if (equity < requirement) revert InvalidBatch(BATCH_DELEVERAGE);
        emit Deleveraged(d.subaccount, counterparty, d.marketId, uint256(q), uint256(quote));
    }

    /// The named counterparty's record and how much it holds opposite (a magnitude), once it is
    /// checked: the other side, positive equity, not the account itself, and ranked after the
    /// previous name.
    function _counterparty(Ctx memory ctx, Deleverage calldata d, Close memory c, bytes32 counterparty, uint256 k)
        private
        view
        returns (uint256 other, int256 held)
    {
        Net.Account memory acc = _account(ctx, counterparty);
        (bool priced, int256 equity,) = _maintenance(ctx, acc, false);
        int256 score;
        (held, score) = _rank(ctx, acc, d.marketId, c, equity);
        bool ranked = k == 0 || score < c.lastScore || (score == c.lastScore && counterparty > c.last);
        if (
            held == 0 || (held > 0) == (c.size > 0) || !priced || equity <= 0 || counterparty == d.subaccount
                || !ranked
        ) revert InvalidBatch(BATCH_DELEVERAGE);
        c.lastScore = score;
        c.last = counterparty;
        other = Net.ptr(acc);
        if (held < 0) held = -held;
    }

    /// The counterparty's position in the market and its rank: uPnL·|notional| / equity.
    function _rank(Ctx memory ctx, Net.Account memory other, uint32 marketId, Close memory c, int256 equity)
        private
        view
        returns (int256 held, int256 score)
    {
        (StoredPosition memory p, int256 dSize, int256 dVQuote) = _position(ctx, other, marketId, false);
        held = p.size + dSize;
        if (held == 0 || equity <= 0) return (held, 0);
        int256 notional = PerpMath.mulDivFloor(held, c.price, int256(ONE));
        int256 upnl = p.vQuote + dVQuote - PerpMath.fundingOwed(p.size, p.lastCumFunding, c.cumFunding) + notional;
        score = PerpMath.mulDivFloor(upnl, notional < 0 ? -notional : notional, equity);
    }
}
