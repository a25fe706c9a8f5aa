// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {LendingMath} from "../lib/LendingMath.sol";
import {Net} from "../lib/Net.sol";
import {PerpMath} from "../lib/PerpMath.sol";
import {ExchangeStorage} from "./ExchangeStorage.sol";

/// @title A batch's view of the ledger: stored state plus the batch's net moves so far.
/// @notice Settlement reads and moves balances and positions only through here. Reads are the
///         stored value plus the batch's net move — what the engine reads at the same point —
///         and `_health` is the engine's `initialHealth` (core margin.ts) over those reads.
abstract contract BatchLedger is ExchangeStorage {
    /// Everything a batch holds in memory.
    struct Ctx {
        uint64 t;
        Net.Table accounts;
        Net.Table balances;
        Net.Table positions;
        /// by asset id: its pool (supplyIndex 0: not read yet) and its AssetState risk word
        LendingMath.Pool[] pools;
        uint256[] assetWords;
        /// by asset id: deposits minus withdrawals in this batch
        int256[] cashMoved;
        /// by asset id: deposits this batch credited (they leave the pending total)
        uint256[] deposited;
        /// bit per asset whose pool moved
        uint256 poolsMoved;
        /// markets read by this batch (a list of MarketInfo)
        uint256 markets;
        /// the fee subaccount's Net.Account, once a fill touched it
        uint256 fee;
        /// scratch for `_health`: per risk group its id, net and gross exposure
        uint256[] groupIds;
        int256[] groupNet;
        int256[] groupGross;
    }

    /// A market as the batch sees it.
    struct MarketInfo {
        uint256 marketId;
        uint256 word;
        /// X18, 0 when the market has no price
        uint256 price;
        uint256 publishedAt;
        /// older than the feed's maxStaleness at the batch's time
        bool stale;
        int256 cumFunding;
        /// riskGroup, concIM, concThreshold (perps)
        uint256 riskGroup;
        int256 concIM;
        int256 concThreshold;
        uint256 next;
        int256 concMM;
        /// the market's grid: price step, amount step, smallest order, X18
        uint256 tickSize;
        uint256 lotSize;
        uint256 minSize;
    }

    function _newCtx(uint64 t, uint256 accounts, uint256 balances, uint256 positions)
        internal
        view
        returns (Ctx memory ctx)
    {
        uint256 n = _assets.length;
        ctx.t = t;
        ctx.accounts = Net.table(accounts);
        ctx.balances = Net.table(balances);
        ctx.positions = Net.table(positions);
        ctx.pools = new LendingMath.Pool[](n);
        ctx.assetWords = new uint256[](n);
        ctx.cashMoved = new int256[](n);
        ctx.deposited = new uint256[](n);
    }

    // ------------------------------------------------------------ accounts and entries

    // Memory layouts the hot path reads by offset (every struct member takes one word):
    // Net.Account: subaccount, balanceRoot, positionRoot, header, touched, lastFill, lastWasMaker, next, planOrder, planPlace
    // Net.Entry:   slot, account, id, position, a, b, next, c, d
    // MarketInfo:  marketId, word, price, publishedAt, stale, cumFunding, riskGroup, concIM, concThreshold, next, concMM,
    //              tickSize, lotSize, minSize
    // The fill path passes pointers, never struct-typed variables: Solidity allocates a fresh
    // struct for each of those (a named return included), and memory grows quadratically in cost.
    uint256 internal constant ACC_ROOT = 0x20;
    uint256 internal constant ACC_HEADER = 0x60;
    uint256 internal constant ACC_TOUCHED = 0x80;
    uint256 internal constant ACC_LAST_FILL = 0xa0;
    uint256 internal constant ACC_WAS_MAKER = 0xc0;
    uint256 internal constant ACC_PLAN_ORDER = 0x100;
    uint256 internal constant ACC_PLAN_PLACE = 0x120;
    uint256 internal constant ACC_SIZE = 0x140;
    uint256 internal constant ENTRY_A = 0x80;
    uint256 internal constant ENTRY_B = 0xa0;
    uint256 internal constant ENTRY_C = 0xe0;
    uint256 internal constant ENTRY_D = 0x100;
    uint256 internal constant ENTRY_SIZE = 0x120;
    uint256 internal constant MKT_WORD = 0x20;
    uint256 internal constant MKT_PRICE = 0x40;
    uint256 internal constant MKT_STALE = 0x80;
    uint256 internal constant MKT_TICK = 0x160;
    uint256 internal constant MKT_LOT = 0x180;
    uint256 internal constant MKT_MIN = 0x1a0;

    /// The batch's record of a subaccount (a pointer), made (and its header read) at first touch.
    function _accountAt(Ctx memory ctx, bytes32 subaccount) internal view returns (uint256 p) {
        uint256 root = _balanceRoot(subaccount);
        (uint256 item, uint256 free) = Net.find(ctx.accounts, uint256(subaccount), root);
        if (item != 0) return item;
        uint256 positionRoot = _positionRoot(subaccount);
        uint256 header = _headers[subaccount];
        assembly ("memory-safe") {
            p := mload(0x40)
            mstore(0x40, add(p, ACC_SIZE))
            mstore(p, subaccount)
            mstore(add(p, 0x20), root)
            mstore(add(p, 0x40), positionRoot)
            mstore(add(p, 0x60), header)
            mstore(add(p, 0x80), 0)
            mstore(add(p, 0xa0), 0)
            mstore(add(p, 0xc0), 0)
            mstore(add(p, 0xe0), 0)
            mstore(add(p, ACC_PLAN_ORDER), 0)
            mstore(add(p, ACC_PLAN_PLACE), 0)
        }
        Net.insert(ctx.accounts, free, p, Net.ACCOUNT_NEXT);
    }

    /// The same record as a struct, for the paths that run once per account, not per fill.
    function _account(Ctx memory ctx, bytes32 subaccount) internal view returns (Net.Account memory) {
        return Net.account(_accountAt(ctx, subaccount));
    }

    /// The entry of `slot` in `t` (a pointer), made at first touch with the account's touched bit.
    function _entryAt(Net.Table memory t, uint256 acc, uint256 slot, uint256 id, uint256 position)
        private
        pure
        returns (uint256 e)
    {
        (uint256 item, uint256 free) = Net.find(t, slot, slot);
        if (item != 0) return item;
        assembly ("memory-safe") {
            e := mload(0x40)
            mstore(0x40, add(e, ENTRY_SIZE))
            mstore(e, slot)
            mstore(add(e, 0x20), acc)
            mstore(add(e, 0x40), id)
            mstore(add(e, 0x60), position)
            mstore(add(e, 0x80), 0)
            mstore(add(e, 0xa0), 0)
            mstore(add(e, 0xc0), 0)
            mstore(add(e, ENTRY_C), 0)
            mstore(add(e, ENTRY_D), 0)
            // balances take bits 0–63 of `touched`, positions 64–127
            let touched := add(acc, ACC_TOUCHED)
            mstore(touched, or(mload(touched), shl(add(id, mul(position, 64)), 1)))
        }
        Net.insert(t, free, e, Net.ENTRY_NEXT);
    }

    function _balanceEntryAt(Ctx memory ctx, uint256 acc, uint256 assetId) internal pure returns (uint256) {
        uint256 root;
        assembly ("memory-safe") {
            root := mload(add(acc, ACC_ROOT))
        }
        return _entryAt(ctx.balances, acc, _slotAt(root, assetId), assetId, 0);
    }

    /// The fee subaccount's record (looked up once per batch: every fill pays it).
    function _feeAccount(Ctx memory ctx) internal view returns (uint256 p) {
        p = ctx.fee;
        if (p == 0) {
            p = _accountAt(ctx, _feeSubaccount);
            ctx.fee = p;
        }
    }

    /// Adds a move that is not a fill's (a deposit, a reserve, realized PnL).
    function _credit(Ctx memory ctx, uint256 acc, uint256 assetId, int256 amount) internal pure {
        uint256 e = _balanceEntryAt(ctx, acc, assetId);
        assembly ("memory-safe") {
            mstore(add(e, ENTRY_A), add(mload(add(e, ENTRY_A)), amount))
        }
    }

    /// Adds a fill's move.
    function _move(Ctx memory ctx, uint256 acc, uint256 assetId, int256 amount) internal pure {
        uint256 e = _balanceEntryAt(ctx, acc, assetId);
        assembly ("memory-safe") {
            mstore(add(e, ENTRY_A), add(mload(add(e, ENTRY_A)), amount))
            mstore(add(e, ENTRY_B), add(mload(add(e, ENTRY_B)), amount))
        }
    }

    /// Adds a fill's move to a perp position: size by `dSize`, vQuote by `dVQuote`.
    function _movePosition(Ctx memory ctx, uint256 acc, uint32 marketId, uint256 perpIndex, int256 dSize, int256 dVQuote)
        internal
        pure
    {
        _addToPosition(ctx, acc, marketId, perpIndex, dSize, dVQuote, false);
    }

    /// Adds a move that is not a fill's (a liquidation's) to a perp position: it counts in the
    /// state before the account's first fill, as it does in the engine.
    function _movePositionOutsideFills(Ctx memory ctx, uint256 acc, uint32 marketId, uint256 perpIndex, int256 dSize, int256 dVQuote)
        internal
        pure
    {
        _addToPosition(ctx, acc, marketId, perpIndex, dSize, dVQuote, true);
    }

    function _addToPosition(Ctx memory ctx, uint256 acc, uint32 marketId, uint256 perpIndex, int256 dSize, int256 dVQuote, bool outside)
        private
        pure
    {
        uint256 root;
        assembly ("memory-safe") {
            root := mload(add(acc, 0x40))
        }
        uint256 e = _entryAt(ctx.positions, acc, _slotAt(root, marketId), perpIndex, 1);
        assembly ("memory-safe") {
            mstore(add(e, ENTRY_A), add(mload(add(e, ENTRY_A)), dSize))
            mstore(add(e, ENTRY_B), add(mload(add(e, ENTRY_B)), dVQuote))
            if outside {
                mstore(add(e, ENTRY_C), add(mload(add(e, ENTRY_C)), dSize))
                mstore(add(e, ENTRY_D), add(mload(add(e, ENTRY_D)), dVQuote))
            }
        }
    }

    /// The balance, X18: stored, plus the batch's net move (without the fills' part when `pre`).
    function _balance(Ctx memory ctx, Net.Account memory acc, uint256 assetId, bool pre)
        internal
        view
        returns (int256 b)
    {
        uint256 slot = _slotAt(acc.balanceRoot, assetId);
        b = LendingMath.balanceOf(int256(_load(slot)), _pool(ctx, assetId));
        (uint256 item,) = Net.find(ctx.balances, slot, slot);
        if (item != 0) {
            Net.Entry memory e = Net.entry(item);
            b += pre ? e.a - e.b : e.a;
        }
    }

    /// A position as stored and the batch's net moves in it (when `pre`, only those made outside
    /// fills: the state before the account's first fill).
    function _position(Ctx memory ctx, Net.Account memory acc, uint32 marketId, bool pre)
        internal
        view
        returns (StoredPosition memory p, int256 dSize, int256 dVQuote)
    {
        uint256 slot = _slotAt(acc.positionRoot, marketId);
        uint256 w = _load(slot);
        p.size = int128(uint128(w));
        p.vQuote = int128(uint128(w >> 128));
        p.lastCumFunding = int256(_load(slot + 1));
        (uint256 item,) = Net.find(ctx.positions, slot, slot);
        if (item != 0) {
            Net.Entry memory e = Net.entry(item);
            (dSize, dVQuote) = pre ? (e.c, e.d) : (e.a, e.b);
        }
    }

    // ------------------------------------------------------------ pools and markets

    /// The asset's pool as of the batch (read at first use).
    function _pool(Ctx memory ctx, uint256 assetId) internal view returns (LendingMath.Pool memory p) {
        p = ctx.pools[assetId];
        if (p.supplyIndex != 0) return p;
        AssetState storage a = _assetState[uint32(assetId)];
        p.supplyScaled = a.supplyScaled;
        p.borrowScaled = a.borrowScaled;
        p.supplyIndex = a.supplyIndex;
        p.borrowIndex = a.borrowIndex;
        p.lastAccrual = a.lastAccrual;
        uint256 w;
        assembly ("memory-safe") {
            w := sload(add(a.slot, 2))
        }
        ctx.assetWords[assetId] = w;
    }

    /// The market as the batch sees it (a pointer; read at first use).
    function _marketAt(Ctx memory ctx, uint32 marketId) internal view returns (uint256 p) {
        for (p = ctx.markets; p != 0;) {
            uint256 id;
            uint256 next;
            assembly ("memory-safe") {
                id := mload(p)
                next := mload(add(p, 0x120))
            }
            if (id == marketId) return p;
            p = next;
        }
        Market storage listed = _markets[marketId];
        MarketInfo memory m = MarketInfo({
            marketId: marketId,
            word: _marketWord(marketId),
            price: _prices[marketId].price,
            publishedAt: _prices[marketId].publishedAt,
            stale: false,
            cumFunding: _cumFunding[marketId],
            riskGroup: _marketRisk[marketId].riskGroup,
            concIM: int256(uint256(_marketRisk[marketId].concIM)),
            concThreshold: int256(uint256(_marketRisk[marketId].concThreshold)),
            next: ctx.markets,
            concMM: int256(uint256(_marketRisk[marketId].concMM)),
            tickSize: listed.tickSize,
            lotSize: listed.lotSize,
            minSize: listed.minSize
        });
        _refreshStale(ctx, m);
        assembly ("memory-safe") {
            p := m
        }
        ctx.markets = p;
    }

    /// The same as a struct, for the paths that run once per market or account, not per fill.
    function _market(Ctx memory ctx, uint32 marketId) internal view returns (MarketInfo memory m) {
        uint256 p = _marketAt(ctx, marketId);
        assembly ("memory-safe") {
            m := p
        }
    }

    /// Stale: published more than the feed's maxStaleness before the batch's time (a market
    /// never priced is not stale: nothing is priced by it).
    function _refreshStale(Ctx memory ctx, MarketInfo memory m) internal view {
        m.stale = m.publishedAt != 0 && ctx.t - m.publishedAt > _feeds[uint32(m.marketId)].maxStaleness;
    }

    /// The asset's lending curve in LendingMath's form.
    function _curve(uint32 assetId, uint64 reserveFactor) internal view returns (LendingMath.Curve memory c) {
        uint256 w = _curves[assetId];
        c.baseRate = w & MASK64;
        c.slope1 = (w >> 64) & MASK64;
        c.slope2 = (w >> 128) & MASK64;
        c.kink = w >> 192;
        c.reserveFactor = reserveFactor;
    }

    // ------------------------------------------------------------ health

    /// The running sums of an account's walk: equity (positive uPnL whole and at pnlWeight), the
    /// concentration charges, and the groups' exposures in ctx's scratch arrays.
    struct HealthSums {
        int256 equityIM;
        int256 equity;
        int256 conc;
        int256 concMM;
        uint256 groups;
        bool unpriced;
    }

    /// Values every holding of the account (core margin.ts), over stored state plus the batch's
    /// net moves (without the fills' part when `pre`). For initial health (`initial`), an asset
    /// held at a stale price is worth nothing and a stale perp's gain counts for nothing.
    function _walk(Ctx memory ctx, Net.Account memory acc, bool pre, bool initial)
        internal
        view
        returns (HealthSums memory sums)
    {
        if (ctx.groupIds.length == 0) {
            ctx.groupIds = new uint256[](MAX_ASSETS + MAX_PERPS);
            ctx.groupNet = new int256[](MAX_ASSETS + MAX_PERPS);
            ctx.groupGross = new int256[](MAX_ASSETS + MAX_PERPS);
        }
        uint256 bits = ((acc.header >> HELD_SHIFT) | acc.touched) & MASK64;
        for (uint256 a; bits >> a != 0; ++a) {
            if ((bits >> a) & 1 != 0) _addAsset(ctx, acc, a, pre, initial, sums);
        }
        bits = ((acc.header >> PERPS_SHIFT) | (acc.touched >> 64)) & MASK64;
        for (uint256 k; bits >> k != 0; ++k) {
            if ((bits >> k) & 1 != 0) _addPerp(ctx, acc, k, pre, sums);
        }
    }

    /// False when the account stands fully paid at this point of the batch — no loan, no position,
    /// stored or moved — so its initial health is ≥ 0 (shock and basis are at most 1) and needs
    /// no computing.
    function _mayNeedMargin(Ctx memory ctx, Net.Account memory acc) internal view returns (bool) {
        uint256 touched = acc.touched;
        if ((acc.header >> PERPS_SHIFT) != 0 || (touched >> 64) != 0) return true;
        if ((acc.header >> OWED_SHIFT) & MASK64 & ~touched != 0) return true;
        for (uint256 a; touched >> a != 0; ++a) {
            if ((touched >> a) & 1 != 0 && _balance(ctx, acc, a, false) < 0) return true;
        }
        return false;
    }

    /// The account's initial health (spec/risk.md; core margin.ts). `priced` is false when a loan or
    /// a position has no price.
    function _health(Ctx memory ctx, Net.Account memory acc, bool pre) internal view returns (bool priced, int256 h) {
        HealthSums memory sums = _walk(ctx, acc, pre, true);
        if (sums.unpriced) return (false, 0);
        h = sums.equityIM - sums.conc;
        for (uint256 i; i < sums.groups; ++i) {
            RiskGroup storage g = _riskGroups[uint32(ctx.groupIds[i])];
            (int256 shock, int256 basis) =
                g.configured ? (int256(uint256(g.shockIM)), int256(uint256(g.basisIM))) : (int256(ONE), int256(ONE));
            h -= _groupCharge(ctx.groupNet[i], ctx.groupGross[i], shock, basis);
        }
        priced = true;
    }

    /// The account's equity and maintenance requirement (spec/risk.md), for the tiers.
    function _maintenance(Ctx memory ctx, Net.Account memory acc, bool pre)
        internal
        view
        returns (bool priced, int256 equity, int256 requirement)
    {
        HealthSums memory sums = _walk(ctx, acc, pre, false);
        if (sums.unpriced) return (false, 0, 0);
        requirement = sums.concMM;
        for (uint256 i; i < sums.groups; ++i) {
            RiskGroup storage g = _riskGroups[uint32(ctx.groupIds[i])];
            (int256 shock, int256 basis) =
                g.configured ? (int256(uint256(g.shockMM)), int256(uint256(g.basisMM))) : (int256(ONE), int256(ONE));
            requirement += _groupCharge(ctx.groupNet[i], ctx.groupGross[i], shock, basis);
        }
        return (true, sums.equity, requirement);
    }

    function _groupCharge(int256 net, int256 gross, int256 shock, int256 basis) private pure returns (int256) {
        int256 n = net < 0 ? -net : net;
        return PerpMath.mulDivCeil(shock, n, int256(ONE)) + PerpMath.mulDivCeil(basis, gross - n, int256(ONE));
    }

    function _addAsset(Ctx memory ctx, Net.Account memory acc, uint256 a, bool pre, bool initial, HealthSums memory sums)
        private
        view
    {
        int256 b = _balance(ctx, acc, a, pre);
        if (b == 0) return;
        if (a == 0) {
            sums.equityIM += b; // the quote asset: the unit of account
            sums.equity += b;
            return;
        }
        uint256 w = ctx.assetWords[a]; // read with the pool by _balance
        uint32 priceMarket = uint32(w >> 160);
        uint256 px;
        if (priceMarket != 0) {
            MarketInfo memory pm = _market(ctx, priceMarket);
            // collateral at a stale price counts for nothing; a loan keeps its last price
            px = initial && pm.stale && b > 0 ? 0 : pm.price;
        }
        if (px == 0) {
            if (b < 0) sums.unpriced = true; // worth nothing without a price; a loan has no health
            return;
        }
        int256 v = PerpMath.mulDivFloor(b, int256(px), int256(ONE));
        sums.equityIM += v;
        sums.equity += v;
        sums.groups = _addExposure(ctx, sums.groups, uint32(w >> 128), v);
    }

    function _addPerp(Ctx memory ctx, Net.Account memory acc, uint256 k, bool pre, HealthSums memory sums) private view {
        MarketInfo memory m = _market(ctx, _perpMarkets[k]);
        (StoredPosition memory p, int256 dSize, int256 dVQuote) = _position(ctx, acc, uint32(m.marketId), pre);
        int256 size = p.size + dSize;
        int256 vq = p.vQuote + dVQuote - PerpMath.fundingOwed(p.size, p.lastCumFunding, m.cumFunding);
        int256 weight = int256(uint256(_pnlWeight));
        if (size == 0) {
            sums.equityIM += vq < 0 ? vq : PerpMath.mulDivFloor(vq, weight, int256(ONE));
            sums.equity += vq;
            return;
        }
        if (m.price == 0) {
            sums.unpriced = true;
            return;
        }
        int256 n = PerpMath.mulDivFloor(size, int256(m.price), int256(ONE));
        int256 upnl = vq + n;
        // initial health (equityIM) counts no gain at a stale price
        sums.equityIM += upnl < 0 ? upnl : m.stale ? int256(0) : PerpMath.mulDivFloor(upnl, weight, int256(ONE));
        sums.equity += upnl;
        sums.groups = _addExposure(ctx, sums.groups, m.riskGroup, n);
        int256 mag = n < 0 ? -n : n;
        if (mag > m.concThreshold) {
            sums.conc += PerpMath.mulDivCeil(m.concIM, mag - m.concThreshold, int256(ONE));
            sums.concMM += PerpMath.mulDivCeil(m.concMM, mag - m.concThreshold, int256(ONE));
        }
    }

    /// Adds an exposure to its group's net and gross; returns the number of groups.
    function _addExposure(Ctx memory ctx, uint256 groups, uint256 groupId, int256 v) private pure returns (uint256) {
        int256 mag = v < 0 ? -v : v;
        for (uint256 i; i < groups; ++i) {
            if (ctx.groupIds[i] == groupId) {
                ctx.groupNet[i] += v;
                ctx.groupGross[i] += mag;
                return groups;
            }
        }
        ctx.groupIds[groups] = groupId;
        ctx.groupNet[groups] = v;
        ctx.groupGross[groups] = mag;
        return groups + 1;
    }
}
