// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {LendingMath} from "./lib/LendingMath.sol";
import {Net} from "./lib/Net.sol";
import {OrderLib} from "./lib/OrderLib.sol";
import {PerpMath} from "./lib/PerpMath.sol";
import {ExchangeStorage} from "./exchange/ExchangeStorage.sol";
import {Prelude} from "./exchange/Prelude.sol";
import {Registry} from "./exchange/Registry.sol";
import {Schedule} from "./exchange/Schedule.sol";
import {Settlement} from "./exchange/Settlement.sol";
import {ExchangeExtension} from "./ExchangeExtension.sol";

/// @title The Kestrel exchange: token vault, request queue, batch settlement, lending and perps.
/// @notice One account per subaccount holds signed per-asset balances (negative: a loan), stored
///         scaled by the asset's lending indexes, and perp positions. Chain-side inputs are
///         queued and take effect, in queue order, in the batch that moves the request cursor past
///         them, so the off-chain engine applies them at the same point of the sequence. Every
///         fill of a batch is re-verified here — signatures, markets, nonces, expiry, limit
///         prices, filled amounts, stale prices — and every account a fill touched must end the
///         batch with initial health ≥ 0, or no lower than before its first fill.
///         Parts: ExchangeStorage (state), Registry (listings and parameters), Requests (what
///         traders do on chain), Prelude (a batch's prices, funding and plans), BatchLedger (the
///         batch's netted view), Settlement (the batch's steps), Escape (frozen mode); here, the
///         batch's end. The other codes run by delegatecall from the fallback: the extension
///         (requests, views, the prelude), then the admin code, then the escape hatch.
contract Exchange is Settlement {
    /// The code of the admin functions and most views (one contract's code is capped at 24 KiB).
    address private immutable _extension;

    /// @param extension_ an ExchangeExtension made with the same configuration (checked), which
    ///        runs ExchangeAdmin's code in turn, which runs ExchangeEscape's
    constructor(Config memory config, ExchangeExtension extension_) ExchangeStorage(config) {
        if (extension_.configHash() != _configHash()) revert InvalidParams();
        _lastSettledAt = uint64(block.timestamp);
        _cachedChainId = block.chainid;
        _cachedThis = address(this);
        _cachedDomainSeparator = OrderLib.domainSeparator(block.chainid, address(this));
        _extension = address(extension_);
    }

    function settleBatch(Batch calldata batch) external nonReentrant {
        // the leader schedule's rule, in the admin code (spec/contracts.md)
        Schedule(address(this)).admitSettler(msg.sender);
        if (_frozenAt != 0) revert Frozen();
        Progress memory p = _progress;
        uint64 batchId = batch.batchId;
        uint64 timestamp = batch.timestamp;
        uint64 cursor = batch.requestCursor;
        unchecked {
            // lastBatchId < 2^64 − 1 for any realistic life of the contract; compare in uint256 anyway.
            if (uint256(batchId) != uint256(p.lastBatchId) + 1) revert InvalidBatch(BATCH_ID);
            if (
                timestamp < p.lastBatchTimestamp || timestamp > block.timestamp
                    || uint256(timestamp) + _maxBatchAge < block.timestamp
            ) revert InvalidBatch(BATCH_TIMESTAMP);
        }
        if (cursor < p.processedRequests || cursor > p.requestCount) revert InvalidBatch(BATCH_CURSOR);

        Ctx memory ctx = _begin(batch, cursor - p.processedRequests);
        _accrue(ctx);
        // nothing of the batch has read a market yet: the prices and funding it stores are the
        // ones every later step reads
        if (batch.prices.length != 0 || batch.funding.length != 0) {
            Prelude(address(this)).applyPrices(timestamp, batch.prices, batch.funding);
        }
        _processRequests(ctx, p.processedRequests, cursor);
        if (batch.plans.length != 0) Prelude(address(this)).applyPlans(batch.plans);
        SignedOrder[] calldata signed = batch.orders;
        uint256 records = _validateOrders(ctx, signed);
        Fill[] calldata fills = batch.fills;
        uint256 fillCount = fills.length;
        for (uint256 j; j < fillCount; ++j) {
            _applyFill(ctx, j, fills, records, signed.length);
        }
        _recordFills(records, signed.length);
        // judged on the fills alone, as the engine judges each fill; the fund's steps come after
        _checkPlanOrders(ctx);
        _checkMargins(ctx);
        _absorb(ctx, batch.absorbs);
        _deleverage(ctx, batch.deleverages);
        _applyMarginCalls(ctx, batch.marginCalls);
        _settlePositions(ctx);
        _storeBalances(ctx);

        // Requests cannot be queued meanwhile (nonReentrant), so p.requestCount is current.
        _progress = Progress({
            lastBatchId: batchId,
            lastBatchTimestamp: timestamp,
            processedRequests: cursor,
            requestCount: p.requestCount
        });
        _lastStateHash = batch.stateHash;
        _lastSettledAt = uint64(block.timestamp);
        emit BatchSettled(batchId, batch.stateHash, timestamp, cursor, fillCount);
        // listing and parameter changes the cursor passed take effect now: the next batch settles by them
        ConfigQueue memory q = _configQueue;
        if (q.head < q.tail && _configIds[q.head] < cursor) Registry(address(this)).applyConfigs(cursor, batchId);
    }

    // ------------------------------------------------------------ the batch's end

    /// Every account a fill touched must have initial health ≥ 0, or no lower than before its
    /// first fill (the stored state plus the batch's moves outside fills: deposits, withdrawals,
    /// reserves, liquidations — all of which come before the fills); a failure names the last
    /// fill that touched the account and its side there.
    function _checkMargins(Ctx memory ctx) private view {
        for (uint256 ptr = ctx.accounts.head; ptr != 0;) {
            Net.Account memory acc = Net.account(ptr);
            ptr = acc.next;
            if (acc.lastFill == 0 || !_mayNeedMargin(ctx, acc)) continue;
            (bool priced, int256 h) = _health(ctx, acc, false);
            if (priced && h >= 0) continue;
            if (priced) {
                (bool pricedBefore, int256 before) = _health(ctx, acc, true);
                if (pricedBefore && h >= before) continue;
            }
            revert InvalidFill(acc.lastFill - 1, acc.lastWasMaker ? FILL_MAKER_MARGIN : FILL_TAKER_MARGIN);
        }
    }

    /// Each moved position pays its funding, takes its net fills and realizes into the quote balance.
    function _settlePositions(Ctx memory ctx) private {
        for (uint256 ptr = ctx.positions.head; ptr != 0;) {
            Net.Entry memory e = Net.entry(ptr);
            ptr = e.next;
            Net.Account memory acc = Net.account(e.account);
            uint32 marketId = _perpMarkets[e.id];
            MarketInfo memory m = _market(ctx, marketId);
            (StoredPosition memory s,,) = _position(ctx, acc, marketId, true);
            int256 funding = PerpMath.fundingOwed(s.size, s.lastCumFunding, m.cumFunding);
            int256 v0 = s.vQuote - funding;
            int256 s1 = s.size + e.a;
            (int256 vQuote, int256 realized) = PerpMath.realize(s.size, v0, s1, v0 + e.b);
            if (s1 != int128(s1) || vQuote != int128(vQuote)) revert InvalidFill(acc.lastFill - 1, FILL_POSITION_OVERFLOW);
            if (realized != 0) _credit(ctx, Net.ptr(acc), _quoteId(m.word), realized);
            uint256 bit = 1 << (PERPS_SHIFT + e.id);
            if (s1 == 0 && vQuote == 0) {
                _store(e.slot, 0);
                if (s.lastCumFunding != 0) _store(e.slot + 1, 0);
                acc.header &= ~bit;
            } else {
                _store(e.slot, uint256(uint128(int128(s1))) | (uint256(uint128(int128(vQuote))) << 128));
                if (s.lastCumFunding != m.cumFunding) _store(e.slot + 1, uint256(m.cumFunding));
                acc.header |= bit;
            }
        }
    }

    /// Each moved balance is stored once at its new scaled value; pools and headers follow.
    function _storeBalances(Ctx memory ctx) private {
        for (uint256 ptr = ctx.balances.head; ptr != 0;) {
            Net.Entry memory e = Net.entry(ptr);
            ptr = e.next;
            if (e.a == 0) continue;
            LendingMath.Pool memory p = _pool(ctx, e.id);
            int256 next = LendingMath.move(int256(_load(e.slot)), e.a, p);
            _store(e.slot, uint256(next));
            ctx.poolsMoved |= 1 << e.id;
            Net.Account memory acc = Net.account(e.account);
            uint256 held = 1 << (HELD_SHIFT + e.id);
            uint256 owed = 1 << (OWED_SHIFT + e.id);
            uint256 h = acc.header & ~(held | owed);
            if (next != 0) h |= held;
            if (next < 0) h |= owed;
            acc.header = h;
        }
        for (uint256 ptr = ctx.accounts.head; ptr != 0;) {
            Net.Account memory acc = Net.account(ptr);
            ptr = acc.next;
            if (acc.touched != 0 && _headers[acc.subaccount] != acc.header) _headers[acc.subaccount] = acc.header;
        }
        for (uint256 a; a < ctx.deposited.length; ++a) {
            if (ctx.deposited[a] != 0) _depositsCredited[uint32(a)] += ctx.deposited[a];
        }
        uint256 moved = ctx.poolsMoved;
        for (uint256 a; moved >> a != 0; ++a) {
            if ((moved >> a) & 1 == 0) continue;
            LendingMath.Pool memory p = ctx.pools[a];
            AssetState storage s = _assetState[uint32(a)];
            s.supplyScaled = uint128(p.supplyScaled);
            s.borrowScaled = uint128(p.borrowScaled);
            s.supplyIndex = uint128(p.supplyIndex);
            s.borrowIndex = uint128(p.borrowIndex);
            s.lastAccrual = uint64(p.lastAccrual);
        }
    }

    /// Everything else — listings, parameters and the other views — is the extension's: calls
    /// to functions this contract does not have run its code against this contract's storage.
    fallback() external {
        address extension = _extension;
        assembly ("memory-safe") {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), extension, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(ok) { revert(0, returndatasize()) }
            return(0, returndatasize())
        }
    }
}
