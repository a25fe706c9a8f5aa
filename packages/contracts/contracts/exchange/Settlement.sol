// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {LendingMath} from "../lib/LendingMath.sol";
import {MathX18} from "../lib/MathX18.sol";
import {Net} from "../lib/Net.sol";
import {OrderLib} from "../lib/OrderLib.sol";
import {OrderRecords} from "../lib/OrderRecords.sol";
import {PerpMath} from "../lib/PerpMath.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {DeRisking} from "./DeRisking.sol";

/// @title Batch settlement (spec/contracts.md): one clock, one price, one order of events.
/// @notice A batch is applied in the engine's order — interest to the batch's time, prices,
///         funding, queued requests, then the orders and their fills — with every move netted in
///         memory (Net), and ends by checking the margin of every account a fill touched and
///         storing each moved position and balance once. Any failure reverts the whole batch with
///         the index of what failed and why, so the sequencer can leave it out and rebuild.
///         Everything the sequencer chooses is checked here: each order's signature, flags, grid
///         and liveness, each fill's prices, sides, amounts and flags, each withdrawal's health
///         at its point of the batch; a payout the token refuses becomes claimable, never a
///         reason for the batch to fail.
abstract contract Settlement is DeRisking, ReentrancyGuardTransient {
    // field offsets of an order record (see OrderRecords)
    uint256 private constant REC_SIZE = 0x200; // == OrderRecords.SIZE
    uint256 private constant REC_SUBACCOUNT = 0x020;
    uint256 private constant REC_MARKET_ID = 0x040;
    uint256 private constant REC_IS_BUY = 0x060;
    uint256 private constant REC_PRICE = 0x080;
    uint256 private constant REC_AMOUNT = 0x0a0;
    uint256 private constant REC_NONCE = 0x0c0;
    uint256 private constant REC_EXPIRY = 0x0e0;
    uint256 private constant REC_FLAGS = 0x100;
    uint256 private constant REC_MARKET = 0x140;
    uint256 private constant REC_ACCOUNT = 0x160;
    uint256 private constant REC_INFO = 0x180;
    uint256 private constant REC_FILLED = 0x1a0;
    uint256 private constant REC_STORED = 0x1c0;
    uint256 private constant REC_PLAN = 0x1e0;

    /// The batch's ledger in memory, sized for everything its inputs can touch (a table that
    /// would fill up reverts with TableFull: see Net).
    function _begin(Batch calldata batch, uint64 requests) internal view returns (Ctx memory) {
        uint256 fills = batch.fills.length;
        uint256 assets = _assets.length;
        uint256 absorbs = batch.absorbs.length;
        // deleveraging closes one position of the account and one per counterparty, each
        // realizing into its quote balance
        uint256 closed;
        for (uint256 i; i < batch.deleverages.length; ++i) {
            closed += 1 + batch.deleverages[i].counterparties.length;
        }
        return _newCtx(
            batch.timestamp,
            // each order's account, a request's two (a liquidation's liquidator and account), each
            // absorbed, flagged or deleveraged account, the fee account and the insurance fund
            batch.orders.length + 2 * requests + absorbs + batch.marginCalls.length + closed + 3,
            // a fill moves four balances and the fee account's; a request at most five (a
            // liquidation: both sides' base and quote, the fund's share); interest reserves one
            // per asset; an absorption two per asset; each closed position its quote
            4 * fills + 5 * requests + assets + 2 * absorbs * assets + closed + 2,
            2 * fills + 2 * requests + closed
        );
    }

    // ------------------------------------------------------------ interest

    /// Accrues every pool with a curve to the batch's time; reserves go to the insurance fund.
    function _accrue(Ctx memory ctx) internal {
        uint256 n = _assets.length;
        uint256 insurance;
        for (uint256 a; a < n; ++a) {
            AssetState storage s = _assetState[uint32(a)];
            if (!s.hasCurve) continue;
            LendingMath.Pool memory p = _pool(ctx, a);
            (uint256 interest, uint256 reserve) = LendingMath.accrue(p, _curve(uint32(a), s.reserveFactor), ctx.t);
            if (p.lastAccrual != s.lastAccrual) ctx.poolsMoved |= 1 << a;
            if (reserve != 0) {
                if (insurance == 0) insurance = _accountAt(ctx, _insuranceSubaccount);
                _credit(ctx, insurance, a, int256(reserve));
            }
            if (interest != 0) emit InterestAccrued(uint32(a), interest, reserve);
        }
    }

    // ------------------------------------------------------------ requests

    function _processRequests(Ctx memory ctx, uint64 from, uint64 to) internal {
        for (uint64 id = from; id < to; ++id) {
            StoredRequest storage r = _requests[id];
            RequestKind kind = r.kind;
            if (kind == RequestKind.Deposit) {
                (bytes32 subaccount, uint32 assetId, uint128 amount) = (r.subaccount, r.assetId, r.amount);
                _credit(ctx, _accountAt(ctx, subaccount), assetId, int256(uint256(amount)));
                ctx.cashMoved[assetId] += int256(uint256(amount));
                ctx.deposited[assetId] += amount;
                emit Deposited(id, subaccount, assetId, amount);
            } else if (kind == RequestKind.Withdrawal) {
                _withdraw(ctx, id, r.subaccount, r.assetId, r.amount);
            } else if (kind == RequestKind.Liquidation) {
                _liquidate(ctx, id, r.subaccount, r.assetId, r.amount);
            }
            // CancelUpTo, CancelOrder and LinkedSigner took effect on chain when they were made;
            // the engine applies them here.
        }
    }

    /// Pays out if the balance covers it, the pool has the cash, and initial health stays ≥ 0 at
    /// this point of the batch (the engine's order of checks).
    function _withdraw(Ctx memory ctx, uint64 id, bytes32 subaccount, uint32 assetId, uint128 amount) private {
        Net.Account memory acc = _account(ctx, subaccount);
        int256 x = int256(uint256(amount));
        bool ok = _balance(ctx, acc, assetId, false) >= x;
        if (ok) {
            LendingMath.Pool memory p = _pool(ctx, assetId);
            ok = int256(LendingMath.totalSupply(p)) - int256(LendingMath.totalBorrow(p)) + ctx.cashMoved[assetId] >= x;
        }
        if (ok) {
            _credit(ctx, Net.ptr(acc), assetId, -x);
            // a fully paid account keeps health ≥ 0; one with a loan or a position — stored, or
            // taken on earlier in this batch (a liquidation) — is checked
            if (_mayNeedMargin(ctx, acc)) {
                (bool priced, int256 h) = _health(ctx, acc, false);
                if (!priced || h < 0) {
                    ok = false;
                    _credit(ctx, Net.ptr(acc), assetId, x);
                }
            }
        }
        if (!ok) {
            emit WithdrawalRejected(id, subaccount, assetId, amount);
            return;
        }
        ctx.cashMoved[assetId] -= x;
        emit Withdrawn(id, subaccount, assetId, amount);
        // in token units, exact: the request was made in token units; a token that refuses
        // leaves it claimable (one recipient cannot hold up the queue)
        _payOrDefer(OrderLib.owner(subaccount), assetId, uint256(amount) / MathX18.scale(_assets[assetId].decimals));
    }

    // ------------------------------------------------------------ orders and fills

    /// Checks every order of the batch and caches it in memory (see OrderRecords).
    function _validateOrders(Ctx memory ctx, SignedOrder[] calldata signed) internal view returns (uint256 records) {
        uint256 n = signed.length;
        records = OrderRecords.alloc(n);
        bytes32 domainSep = _domainSeparator();
        // each order once: fills add up in its record, so a second copy could overfill it
        Net.Table memory seen = Net.table(n);
        for (uint256 i; i < n; ++i) {
            uint256 rec = records + i * REC_SIZE;
            _validateOrder(ctx, i, signed[i], rec, domainSep);
            (uint256 twin, uint256 free) = Net.find(seen, _load32(rec), _load32(rec));
            if (twin != 0) revert InvalidOrder(i, ORDER_DUPLICATE);
            Net.put(seen, free, rec);
        }
    }

    function _load32(uint256 ptr) private pure returns (uint256 v) {
        assembly ("memory-safe") {
            v := mload(ptr)
        }
    }

    function _validateOrder(Ctx memory ctx, uint256 i, SignedOrder calldata so, uint256 rec, bytes32 domainSep)
        private
        view
    {
        bytes32 digest = OrderRecords.load(rec, so.order, domainSep);
        bytes32 subaccount;
        uint256 marketId;
        assembly ("memory-safe") {
            subaccount := mload(add(rec, REC_SUBACCOUNT))
            marketId := mload(add(rec, REC_MARKET_ID))
        }
        // no signature: a plan order, which the protocol sends for a flagged account (DeRisking)
        bool plan = so.signature.length == 0;
        if (!plan) {
            address signer = OrderLib.recover(digest, so.signature);
            if (signer == address(0) || (signer != OrderLib.owner(subaccount) && !_linked(subaccount, signer, ctx.t))) {
                revert InvalidOrder(i, ORDER_BAD_SIGNATURE);
            }
        }
        if (subaccount == _insuranceSubaccount) revert InvalidOrder(i, ORDER_PROTECTED);
        uint256 m = _marketAt(ctx, uint32(marketId)); // canonical: checked by load
        uint256 word;
        assembly ("memory-safe") {
            word := mload(add(m, MKT_WORD))
        }
        if (!_active(word)) revert InvalidOrder(i, ORDER_UNKNOWN_MARKET);
        uint256 acc = _accountAt(ctx, subaccount);
        uint256 stored;
        if (plan) {
            _checkPlanOrder(ctx, i, subaccount, acc, m, rec);
            _checkShape(i, rec, m, _isPerp(word), true);
        } else {
            _checkShape(i, rec, m, _isPerp(word), false);
            _checkLive(ctx.t, i, rec, acc, subaccount);
            stored = _filled[digest];
        }
        assembly ("memory-safe") {
            mstore(add(rec, REC_MARKET), word)
            mstore(add(rec, REC_ACCOUNT), acc)
            mstore(add(rec, REC_INFO), m)
            mstore(add(rec, REC_FILLED), stored)
            mstore(add(rec, REC_STORED), stored)
            mstore(add(rec, REC_PLAN), plan)
        }
    }

    /// The order's flags decode (a plan order is an IOC, reduce-only on a perp), and its price
    /// and amount are on the market's grid. The minimum size keeps dust off the book; a plan order
    /// never rests and reduces only as far as the account needs, so it may be smaller.
    function _checkShape(uint256 i, uint256 rec, uint256 m, bool perp, bool plan) private pure {
        uint256 flags;
        bool offGrid;
        assembly ("memory-safe") {
            flags := mload(add(rec, REC_FLAGS))
            let price := mload(add(rec, REC_PRICE))
            let amount := mload(add(rec, REC_AMOUNT))
            // tick and lot are never 0 for a listed market
            offGrid := or(
                or(iszero(price), mod(price, mload(add(m, MKT_TICK)))),
                or(mod(amount, mload(add(m, MKT_LOT))), and(iszero(plan), lt(amount, mload(add(m, MKT_MIN)))))
            )
        }
        bool badFlags = plan
            ? flags != (perp ? TIF_IOC | REDUCE_ONLY : TIF_IOC)
            : flags & ~KNOWN_FLAGS != 0 || (flags >> 3) & 3 == 3 || (flags & REDUCE_ONLY != 0 && !perp);
        if (badFlags) revert InvalidOrder(i, ORDER_BAD_FLAGS);
        if (offGrid) revert InvalidOrder(i, ORDER_OFF_GRID);
    }

    /// A signed order's nonce is neither below the subaccount's minimum nor spent, it has not
    /// expired, and an IOC or FOK order expires soon (MAX_TAKER_LIFETIME).
    function _checkLive(uint64 t, uint256 i, uint256 rec, uint256 acc, bytes32 subaccount) private view {
        uint256 nonce;
        uint256 expiry;
        uint256 header;
        uint256 tif;
        assembly ("memory-safe") {
            nonce := mload(add(rec, REC_NONCE))
            expiry := mload(add(rec, REC_EXPIRY))
            header := mload(add(acc, ACC_HEADER))
            tif := and(mload(add(rec, REC_FLAGS)), TIF_MASK)
        }
        if (nonce < header & MASK64 || (_spentNonces[subaccount][nonce >> 8] >> (nonce & 0xff)) & 1 != 0) {
            revert InvalidOrder(i, ORDER_NONCE_CANCELLED);
        }
        if (expiry != 0 && t >= expiry) revert InvalidOrder(i, ORDER_EXPIRED);
        if ((tif == TIF_IOC || tif == TIF_FOK) && (expiry == 0 || expiry > t + MAX_TAKER_LIFETIME)) {
            revert InvalidOrder(i, ORDER_TAKER_EXPIRY);
        }
    }

    /// Checks fill `j` against its two orders and adds its moves.
    function _applyFill(Ctx memory ctx, uint256 j, Fill[] calldata fills, uint256 records, uint256 n) internal view {
        uint256 makerIndex;
        uint256 takerIndex;
        uint256 amount;
        assembly ("memory-safe") {
            // Fill is a static 3-word struct; the array was bounds-checked when taken from the batch.
            let f := add(fills.offset, mul(j, 0x60))
            makerIndex := calldataload(f)
            takerIndex := calldataload(add(f, 0x20))
            amount := calldataload(add(f, 0x40))
            // non-canonical encodings revert, as the ABI decoder would
            if or(or(shr(32, makerIndex), shr(32, takerIndex)), shr(128, amount)) { revert(0, 0) }
        }
        if (makerIndex >= n || takerIndex >= n || makerIndex == takerIndex) revert InvalidFill(j, FILL_BAD_INDEX);
        uint256 maker;
        uint256 taker;
        bool takerIsBuy;
        bool mismatch;
        bool worse;
        assembly ("memory-safe") {
            maker := add(records, mul(makerIndex, REC_SIZE))
            taker := add(records, mul(takerIndex, REC_SIZE))
            takerIsBuy := mload(add(taker, REC_IS_BUY)) // 0 or 1: checked by load
            // different markets, or both on the same side
            mismatch := or(
                iszero(eq(mload(add(maker, REC_MARKET_ID)), mload(add(taker, REC_MARKET_ID)))),
                eq(mload(add(maker, REC_IS_BUY)), takerIsBuy)
            )
            // The fill is at the maker's price, so the maker's own limit holds; check the taker's.
            let price := mload(add(maker, REC_PRICE))
            let limit := mload(add(taker, REC_PRICE))
            worse := or(and(takerIsBuy, lt(limit, price)), and(iszero(takerIsBuy), gt(limit, price)))
        }
        if (mismatch) revert InvalidFill(j, FILL_MARKET_MISMATCH);
        if (worse) revert InvalidFill(j, FILL_PRICE);
        if (amount == 0) revert InvalidFill(j, FILL_ZERO_AMOUNT);
        _checkFlags(ctx, j, maker, taker, takerIsBuy, amount);
        _addFilled(j, maker, amount);
        _addFilled(j, taker, amount);
        _settle(ctx, j, maker, taker, takerIsBuy, amount);
    }

    /// The fill is whole lots; a post-only order is never the taker; an IOC, FOK or plan order
    /// (which never rests) never the maker; a reduce-only or plan order only reduces.
    function _checkFlags(Ctx memory ctx, uint256 j, uint256 maker, uint256 taker, bool takerIsBuy, uint256 amount)
        private
        view
    {
        uint256 makerFlags;
        uint256 takerFlags;
        bool offLot;
        bool takerPlan;
        assembly ("memory-safe") {
            makerFlags := mload(add(maker, REC_FLAGS))
            takerFlags := mload(add(taker, REC_FLAGS))
            offLot := mod(amount, mload(add(mload(add(maker, REC_INFO)), MKT_LOT)))
            takerPlan := mload(add(taker, REC_PLAN))
        }
        if (offLot) revert InvalidFill(j, FILL_OFF_LOT);
        if (takerFlags & TIF_MASK == TIF_POST_ONLY) revert InvalidFill(j, FILL_POST_ONLY_TAKER);
        uint256 makerTif = makerFlags & TIF_MASK;
        // a plan order is an IOC (checked with its shape): never the maker either
        if (makerTif == TIF_IOC || makerTif == TIF_FOK) revert InvalidFill(j, FILL_NOT_A_MAKER);
        if (makerFlags & REDUCE_ONLY != 0) _checkReduces(ctx, j, maker, !takerIsBuy, amount);
        if (takerFlags & REDUCE_ONLY != 0 || takerPlan) _checkReduces(ctx, j, taker, takerIsBuy, amount);
    }

    /// The order's side of the fill moves its exposure — a perp's size, or a spot market's base
    /// balance — toward zero and no further, as it stands at this point of the batch.
    function _checkReduces(Ctx memory ctx, uint256 j, uint256 rec, bool isBuy, uint256 amount) private view {
        uint256 acc;
        MarketInfo memory m;
        assembly ("memory-safe") {
            acc := mload(add(rec, REC_ACCOUNT))
            m := mload(add(rec, REC_INFO))
        }
        Net.Account memory a = Net.account(acc);
        int256 x;
        if (_isPerp(m.word)) {
            (StoredPosition memory p, int256 dSize,) = _position(ctx, a, uint32(m.marketId), false);
            x = p.size + dSize;
        } else {
            x = _balance(ctx, a, _baseId(m.word), false);
        }
        int256 q = int256(amount);
        if (isBuy ? x > -q : x < q) revert InvalidFill(j, FILL_REDUCE_ONLY);
    }

    /// Adds the money of one fill at the maker's price.
    function _settle(Ctx memory ctx, uint256 j, uint256 maker, uint256 taker, bool takerIsBuy, uint256 amount)
        private
        view
    {
        uint256 makerAcc;
        uint256 takerAcc;
        uint256 quote;
        assembly ("memory-safe") {
            makerAcc := mload(add(maker, REC_ACCOUNT))
            takerAcc := mload(add(taker, REC_ACCOUNT))
            // amount, price < 2^128: the product fits; the quote is amount·price / 1e18, truncated
            quote := div(mul(amount, mload(add(maker, REC_PRICE))), 1000000000000000000)
        }
        if (OrderLib.owner(_subaccountOf(makerAcc)) == OrderLib.owner(_subaccountOf(takerAcc))) {
            revert InvalidFill(j, FILL_SELF_TRADE);
        }
        (uint256 buyer, uint256 seller) = takerIsBuy ? (takerAcc, makerAcc) : (makerAcc, takerAcc);
        _pay(ctx, j, maker, buyer, seller, !takerIsBuy, amount, quote);
        assembly ("memory-safe") {
            mstore(add(makerAcc, ACC_LAST_FILL), add(j, 1))
            mstore(add(makerAcc, ACC_WAS_MAKER), 1)
            mstore(add(takerAcc, ACC_LAST_FILL), add(j, 1))
            mstore(add(takerAcc, ACC_WAS_MAKER), 0)
        }
    }

    function _subaccountOf(uint256 acc) private pure returns (bytes32 s) {
        assembly ("memory-safe") {
            s := mload(acc)
        }
    }

    /// Fees, the stale-price rule and the moves of one fill; `maker` is the maker's order record.
    function _pay(
        Ctx memory ctx,
        uint256 j,
        uint256 maker,
        uint256 buyer,
        uint256 seller,
        bool makerIsBuyer,
        uint256 amount,
        uint256 quote
    ) private view {
        uint256 m;
        uint256 word;
        assembly ("memory-safe") {
            m := mload(add(maker, REC_INFO))
            word := mload(add(maker, REC_MARKET))
        }
        int256 buyerFee = MathX18.fee(quote, makerIsBuyer ? _makerFeeRate(word) : _takerFeeRate(word));
        int256 sellerFee = MathX18.fee(quote, makerIsBuyer ? _takerFeeRate(word) : _makerFeeRate(word));
        if (_staleMarket(m)) _checkStale(ctx, j, m, buyer, seller, makerIsBuyer, amount, int256(quote) + buyerFee);
        // fees ≥ 0 because |makerFee rate| ≤ takerFee rate
        _move(ctx, _feeAccount(ctx), _quoteId(word), buyerFee + sellerFee);
        _moveFill(ctx, m, word, buyer, seller, amount, quote, buyerFee, sellerFee);
    }

    function _staleMarket(uint256 m) private pure returns (bool stale) {
        assembly ("memory-safe") {
            stale := mload(add(m, MKT_STALE))
        }
    }

    function _moveFill(
        Ctx memory ctx,
        uint256 m,
        uint256 word,
        uint256 buyer,
        uint256 seller,
        uint256 amount,
        uint256 quote,
        int256 buyerFee,
        int256 sellerFee
    ) private pure {
        uint256 quoteId = _quoteId(word);
        if (_isPerp(word)) {
            // a perp moves no base asset: the buyer's position gets size += amount, vQuote −= quote,
            // the seller's the opposite; fees are paid from (rebates into) the quote balance
            uint32 marketId;
            assembly ("memory-safe") {
                marketId := mload(m)
            }
            uint256 k = _perpIndex(word);
            _move(ctx, buyer, quoteId, -buyerFee);
            _move(ctx, seller, quoteId, -sellerFee);
            _movePosition(ctx, buyer, marketId, k, int256(amount), -int256(quote));
            _movePosition(ctx, seller, marketId, k, -int256(amount), int256(quote));
        } else {
            uint256 baseId = _baseId(word);
            _move(ctx, buyer, quoteId, -(int256(quote) + buyerFee));
            _move(ctx, buyer, baseId, int256(amount));
            _move(ctx, seller, baseId, -int256(amount));
            _move(ctx, seller, quoteId, int256(quote) - sellerFee);
        }
    }

    /// With a stale price, a fill that adds risk for a side is refused (spec/perps.md): it grows the
    /// side's perp position, or spends more than the side holds (a loan).
    function _checkStale(
        Ctx memory ctx,
        uint256 j,
        uint256 mp,
        uint256 buyer,
        uint256 seller,
        bool makerIsBuyer,
        uint256 amount,
        int256 buyerCost
    ) private view {
        MarketInfo memory m;
        assembly ("memory-safe") {
            m := mp
        }
        Net.Account memory b = Net.account(buyer);
        Net.Account memory s = Net.account(seller);
        bool buyerAdds;
        bool sellerAdds;
        if (_isPerp(m.word)) {
            uint32 marketId = uint32(m.marketId);
            buyerAdds = _grows(ctx, b, marketId, int256(amount));
            sellerAdds = _grows(ctx, s, marketId, -int256(amount));
        } else {
            buyerAdds = _balance(ctx, b, _quoteId(m.word), false) < buyerCost;
            sellerAdds = _balance(ctx, s, _baseId(m.word), false) < int256(amount);
        }
        if (makerIsBuyer ? buyerAdds : sellerAdds) revert InvalidFill(j, FILL_MAKER_STALE_PRICE);
        if (makerIsBuyer ? sellerAdds : buyerAdds) revert InvalidFill(j, FILL_TAKER_STALE_PRICE);
    }

    function _grows(Ctx memory ctx, Net.Account memory acc, uint32 marketId, int256 d) private view returns (bool) {
        (StoredPosition memory p, int256 dSize,) = _position(ctx, acc, marketId, false);
        int256 before = p.size + dSize;
        int256 next = before + d;
        return (next < 0 ? -next : next) > (before < 0 ? -before : before);
    }

    /// The order's filled amount grows, never past its amount (in memory; see `_recordFills`).
    function _addFilled(uint256 j, uint256 rec, uint256 amount) private pure {
        uint256 total;
        uint256 limit;
        assembly ("memory-safe") {
            total := add(mload(add(rec, REC_FILLED)), amount) // both < 2^128
            limit := mload(add(rec, REC_AMOUNT))
        }
        if (total > limit) revert InvalidFill(j, FILL_OVERFILL);
        assembly ("memory-safe") {
            mstore(add(rec, REC_FILLED), total)
        }
    }

    /// Stores what the batch filled: an order filled in full spends its nonce (a bit), one still
    /// partly filled keeps its amount in `filled`. An IOC or FOK order spends its nonce in the
    /// first batch that names it, however much it filled (a FOK must fill in full): no later
    /// batch can trade it. A plan order leaves nothing: it never rests.
    function _recordFills(uint256 records, uint256 n) internal {
        for (uint256 i; i < n; ++i) {
            uint256 rec = records + i * REC_SIZE;
            uint256 total;
            uint256 stored;
            uint256 limit;
            bytes32 digest;
            bool plan;
            uint256 tif;
            assembly ("memory-safe") {
                total := mload(add(rec, REC_FILLED))
                stored := mload(add(rec, REC_STORED))
                limit := mload(add(rec, REC_AMOUNT))
                digest := mload(rec)
                plan := mload(add(rec, REC_PLAN))
                tif := and(mload(add(rec, REC_FLAGS)), TIF_MASK)
            }
            if (plan) continue;
            bool taker = tif == TIF_IOC || tif == TIF_FOK;
            if (tif == TIF_FOK && total != limit) revert InvalidOrder(i, ORDER_FOK_UNFILLED);
            if (total == stored && !taker) continue;
            if (total < limit && !taker) {
                _filled[digest] = uint128(total);
                continue;
            }
            bytes32 subaccount;
            uint256 nonce;
            assembly ("memory-safe") {
                subaccount := mload(add(rec, REC_SUBACCOUNT))
                nonce := mload(add(rec, REC_NONCE))
            }
            _spentNonces[subaccount][nonce >> 8] |= 1 << (nonce & 0xff);
        }
    }
}
