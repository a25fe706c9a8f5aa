// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IExchangeTypes} from "../interfaces/IExchangeTypes.sol";
import {PriceFeeds} from "../lib/PriceFeeds.sol";
import {OrderLib} from "../lib/OrderLib.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";

/// @title The Exchange's state, its packed layouts and the reads every part shares.
abstract contract ExchangeStorage is IExchangeTypes {
    // reason codes of InvalidOrder / InvalidFill / InvalidBatch (see IExchange)
    uint8 internal constant ORDER_BAD_SIGNATURE = 1;
    uint8 internal constant ORDER_UNKNOWN_MARKET = 2;
    uint8 internal constant ORDER_NONCE_CANCELLED = 3;
    uint8 internal constant ORDER_EXPIRED = 4;
    uint8 internal constant ORDER_DUPLICATE = 5;
    uint8 internal constant ORDER_NOT_FLAGGED = 6;
    uint8 internal constant ORDER_PLAN_PRICE = 7;
    uint8 internal constant ORDER_NOT_REDUCING = 8;
    uint8 internal constant ORDER_OFF_GRID = 9;
    uint8 internal constant ORDER_BAD_FLAGS = 10;
    uint8 internal constant ORDER_TAKER_EXPIRY = 11;
    uint8 internal constant ORDER_FOK_UNFILLED = 12;
    uint8 internal constant ORDER_PROTECTED = 13;
    uint8 internal constant ORDER_PLAN_MARKET = 14;
    uint8 internal constant FILL_BAD_INDEX = 1;
    uint8 internal constant FILL_MARKET_MISMATCH = 2;
    uint8 internal constant FILL_PRICE = 3;
    uint8 internal constant FILL_OVERFILL = 4;
    uint8 internal constant FILL_SELF_TRADE = 6;
    uint8 internal constant FILL_ZERO_AMOUNT = 7;
    uint8 internal constant FILL_MAKER_MARGIN = 9;
    uint8 internal constant FILL_TAKER_MARGIN = 10;
    uint8 internal constant FILL_MAKER_STALE_PRICE = 11;
    uint8 internal constant FILL_TAKER_STALE_PRICE = 12;
    uint8 internal constant FILL_POSITION_OVERFLOW = 13;
    uint8 internal constant FILL_POST_ONLY_TAKER = 14;
    uint8 internal constant FILL_NOT_A_MAKER = 15;
    uint8 internal constant FILL_REDUCE_ONLY = 16;
    uint8 internal constant FILL_OFF_LOT = 17;
    uint8 internal constant BATCH_ID = 1;
    uint8 internal constant BATCH_TIMESTAMP = 2;
    uint8 internal constant BATCH_CURSOR = 3;
    uint8 internal constant BATCH_PRICE = 4;
    uint8 internal constant BATCH_FUNDING = 5;
    uint8 internal constant BATCH_PLAN = 6;
    uint8 internal constant BATCH_MARGIN_CALL = 7;
    uint8 internal constant BATCH_ABSORB = 8;
    uint8 internal constant BATCH_DELEVERAGE = 9;
    // reasons carried by LiquidationRejected (the engine's codes in brackets)
    uint8 internal constant LIQ_UNKNOWN_MARKET = 1; // UNKNOWN_MARKET
    uint8 internal constant LIQ_MALFORMED = 2; // MALFORMED: zero, or not a whole number of lots
    uint8 internal constant LIQ_SELF = 3; // SELF_LIQUIDATION
    uint8 internal constant LIQ_STALE_PRICE = 4; // STALE_PRICE
    uint8 internal constant LIQ_NOT_LIQUIDATABLE = 5; // NOT_LIQUIDATABLE
    uint8 internal constant LIQ_NOTHING = 6; // NOTHING_TO_REDUCE
    uint8 internal constant LIQ_MARGIN = 7; // INSUFFICIENT_MARGIN: the liquidator's own

    // order flags (spec/orders.md): bits 0–1 time in force, bit 2 reduce-only, bits 3–4 self-trade mode
    uint256 internal constant TIF_MASK = 3;
    uint256 internal constant TIF_IOC = 1;
    uint256 internal constant TIF_FOK = 2;
    uint256 internal constant TIF_POST_ONLY = 3;
    uint256 internal constant REDUCE_ONLY = 4;
    uint256 internal constant KNOWN_FLAGS = 0x1f;
    /// An IOC or FOK order must expire at most this long after the batch that trades it: it can
    /// only ever trade in the batch that first names it (its nonce is spent there), and an
    /// operator cannot hold it back for long before that batch.
    uint256 internal constant MAX_TAKER_LIFETIME = 120;

    /// A risk plan may name at most this many markets and allow at most this slippage (50%).
    uint256 internal constant MAX_PLAN_MARKETS = 16;
    uint256 internal constant MAX_PLAN_SLIPPAGE_BPS = 5000;

    /// Assets and perp markets are bits of an account's header word: at most 64 of each.
    uint256 internal constant MAX_ASSETS = 64;
    uint256 internal constant MAX_PERPS = 64;
    uint8 internal constant MAX_DECIMALS = 18;
    int64 internal constant MAX_TAKER_FEE = 0.01e18;
    uint256 internal constant ONE = 1e18;

    /// What every code of the Exchange is made with (each checks the next was made with the same).
    struct Config {
        /// may list assets and markets, set parameters and operators: a timelock
        address admin;
        /// receives trading fees
        bytes32 feeSubaccount;
        /// the insurance fund: receives lending reserves and liquidation shares, absorbs bad debt;
        /// it never trades nor withdraws
        bytes32 insuranceSubaccount;
        /// how far behind the chain's clock a batch's clock may be, seconds
        uint64 maxBatchAge;
        /// a queued request unprocessed this long, or no batch for this long: anyone may freeze
        uint64 forceDelay;
        /// after a freeze, how long accounts register their claims before payouts begin
        uint64 claimWindow;
        /// the leader schedule (Schedule): epoch `floor(block.timestamp / epochSeconds)` is led by
        /// operators[epoch % n]
        uint64 epochSeconds;
        /// no batch for this long and the next operator in the schedule may take the epoch over
        /// (the one after it twice as long, and so on)
        uint64 takeoverSeconds;
        /// a local development chain (chain id 31337) only: the timelock's delay is not checked
        bool devnet;
    }

    /// The admin's timelock must delay every change at least forceDelay plus this, so that users
    /// can always freeze the Exchange and leave before a change takes effect.
    uint256 internal constant ADMIN_DELAY_MARGIN = 1 days;

    address internal immutable _admin;
    bytes32 internal immutable _feeSubaccount;
    bytes32 internal immutable _insuranceSubaccount;
    uint64 internal immutable _maxBatchAge;
    uint64 internal immutable _forceDelay;
    uint64 internal immutable _claimWindow;
    uint64 internal immutable _epochSeconds;
    uint64 internal immutable _takeoverSeconds;
    bool internal immutable _devnet;

    bytes32 internal immutable _cachedDomainSeparator;
    uint256 internal immutable _cachedChainId;
    address internal immutable _cachedThis;

    /// The batch cursor and the queue length, packed in one slot: settlement reads and writes it once.
    struct Progress {
        uint64 lastBatchId;
        uint64 lastBatchTimestamp;
        uint64 processedRequests;
        uint64 requestCount;
    }

    /// What settlement needs of a market, in one slot, read as one word: baseAssetId bits 0–31,
    /// quoteAssetId 32–63, active 64–71, makerFee 72–135, takerFee 136–199, kind 200–207,
    /// perpIndex 208–215 (Solidity packs members from the low-order end).
    struct MarketCore {
        uint32 baseAssetId;
        uint32 quoteAssetId;
        bool active;
        int64 makerFee;
        int64 takerFee;
        MarketKind kind;
        uint8 perpIndex;
    }

    /// A queued request in two slots.
    struct StoredRequest {
        bytes32 subaccount;
        RequestKind kind;
        uint32 assetId;
        uint128 amount;
        /// when it was queued (block time): a head older than forceDelay lets anyone freeze
        uint64 queuedAt;
    }

    /// An asset's pool, curve and risk settings, in three slots.
    struct AssetState {
        uint128 supplyScaled;
        uint128 borrowScaled;
        uint128 supplyIndex; // 0 until the asset is listed, then ≥ 1e18
        uint128 borrowIndex;
        uint64 lastAccrual;
        uint64 reserveFactor;
        uint32 riskGroup;
        uint32 priceMarketId; // 0: no price
        bool hasCurve;
    }

    /// The initial charges and the flag share the first slot (what the pre-trade check reads).
    struct RiskGroup {
        uint64 shockIM;
        uint64 basisIM;
        bool configured;
        uint64 shockMM;
        uint64 basisMM;
    }

    /// A subaccount's risk plan: its bounds, and how many markets it names (`_planMarkets`).
    struct StoredPlan {
        uint64 nonce;
        uint16 maxSlippageBps;
        uint32 graceSeconds;
        bool set;
        uint8 marketCount;
    }

    /// The price a batch last used for a market, and (perps) when its funding was last posted.
    struct MarketPrice {
        uint128 price;
        uint64 publishedAt;
        /// a perp's funding clock: starts at the first batch that prices the market
        uint64 fundingAt;
    }

    /// A position in two slots (see IExchangeTypes.Position).
    struct StoredPosition {
        int128 size;
        int128 vQuote;
        int256 lastCumFunding;
    }

    Progress internal _progress;
    bytes32 internal _lastStateHash;
    /// The share of positive uPnL that counts toward initial health, X18.
    uint64 internal _pnlWeight;

    /// The operators in the order they were registered: the leader schedule (Schedule).
    address[] internal _operators;
    /// an operator's place in `_operators` plus one (0: not an operator)
    mapping(address account => uint256) internal _operatorSlot;
    /// An operator that took the epoch `_actingEpoch` over from its scheduled leader: it alone
    /// may settle in that epoch until it stalls in turn.
    address internal _actingLeader;
    uint64 internal _actingEpoch;
    /// How much of an order is filled, while it is partly filled (or its amount once cancelled on
    /// chain); an order filled in full is recorded by its nonce instead (`_spentNonces`).
    mapping(bytes32 orderHash => uint128) internal _filled;
    /// Per subaccount, a bit per nonce (256 to a word) of its orders filled in full: the nonce is
    /// spent, and no order with it may trade again. Consecutive nonces share a word, so a market
    /// maker's orders cost one storage write between them.
    mapping(bytes32 subaccount => mapping(uint256 word => uint256)) internal _spentNonces;
    /// Per subaccount, one word: minNonce bits 0–63, assets held (non-zero balance) 64–127,
    /// assets owed (negative balance) 128–191, perps held (by perp index) 192–255.
    mapping(bytes32 subaccount => uint256) internal _headers;
    /// balances scaled by the asset's supply index (≥ 0) or borrow index (< 0)
    mapping(bytes32 subaccount => mapping(uint32 assetId => int256)) internal _balances;
    mapping(bytes32 subaccount => mapping(uint32 marketId => StoredPosition)) internal _positions;
    mapping(uint64 requestId => StoredRequest) internal _requests;
    /// the `data` word of CancelOrder and LinkedSigner requests
    mapping(uint64 requestId => bytes32) internal _requestData;
    mapping(bytes32 subaccount => LinkedSigner) internal _linkedSigner;
    /// When the batch that flagged the subaccount's margin call ran (0: not flagged).
    mapping(bytes32 subaccount => uint64) internal _marginCallAt;
    mapping(bytes32 subaccount => StoredPlan) internal _plans;
    /// a plan's markets in its order, eight uint32 to a word (at most 16: two words)
    mapping(bytes32 subaccount => uint256[2]) internal _planMarkets;
    DeRiskParams internal _deRisk;

    Asset[] internal _assets;
    mapping(uint32 assetId => AssetState) internal _assetState;
    /// base rate, slope1, slope2, kink: one slot per asset
    mapping(uint32 assetId => uint256) internal _curves;
    mapping(address token => bool) internal _tokenListed;
    mapping(uint32 marketId => Market) internal _markets;
    mapping(uint32 marketId => MarketCore) internal _marketCore;
    mapping(uint32 marketId => MarketRisk) internal _marketRisk;
    mapping(uint32 marketId => PriceFeeds.Feed) internal _feeds;
    mapping(uint32 marketId => MarketPrice) internal _prices;
    mapping(uint32 marketId => int256) internal _cumFunding;
    mapping(uint32 groupId => RiskGroup) internal _riskGroups;
    /// configured risk groups, in the order first configured
    uint32[] internal _riskGroupIds;
    uint32[] internal _marketIds;
    /// perp index → marketId
    uint32[] internal _perpMarkets;

    /// block time of the last batch (of the deployment before the first): no batch for
    /// forceDelay lets anyone freeze
    uint64 internal _lastSettledAt;
    /// when the Exchange was frozen (block time; 0 while live). A freeze is for good: no batch
    /// settles again, no admin change takes effect, and every account leaves on its own.
    uint64 internal _frozenAt;
    /// deposits queued and credited by a batch since deployment, X18 per asset (both only grow:
    /// their difference is what deposits wait uncredited; in frozen mode their depositors take
    /// them back, and they are no one else's)
    mapping(uint32 assetId => uint256) internal _depositsQueued;
    mapping(uint32 assetId => uint256) internal _depositsCredited;
    /// payouts that failed (a token that refused the transfer), token units per owner and asset:
    /// the owner claims them later
    mapping(address owner => mapping(uint32 assetId => uint256)) internal _claimable;
    mapping(uint32 assetId => uint256) internal _claimableTotal;

    // ------------------------------------------------------------ frozen mode (Escape)

    /// An account's exit: registered within the claim window (senior), after it (late), paid.
    uint8 internal constant EXIT_NONE = 0;
    uint8 internal constant EXIT_SENIOR = 1;
    uint8 internal constant EXIT_LATE = 2;
    uint8 internal constant EXIT_PAID = 3;

    /// Per asset, fixed by the first payout after the claim window: the tokens held for the
    /// accounts, the senior claims on them, the value the seniors are short of in this asset, the
    /// surplus it offers them, and what is still set aside for seniors not yet paid.
    struct AssetPayout {
        uint256 held;
        uint256 claimed;
        uint256 shortValue;
        uint256 surplus;
        uint256 reserved;
    }

    /// per market: its price at the freeze, X18 (0: none)
    mapping(uint32 marketId => uint256) internal _freezePrices;
    mapping(bytes32 subaccount => uint8) internal _exitState;
    /// per account and asset: what its exit claims, token units
    mapping(bytes32 subaccount => mapping(uint32 assetId => uint256)) internal _exitClaims;
    /// per asset: the senior claims, token units
    mapping(uint32 assetId => uint256) internal _seniorClaims;
    mapping(uint32 assetId => AssetPayout) internal _payouts;
    /// senior accounts registered and not yet paid
    uint64 internal _seniorsUnpaid;
    /// the payouts are fixed (the first payout after the window)
    bool internal _payoutsFixed;
    /// Σ shortValue and Σ surplus value over assets, X18 quote
    uint256 internal _shortValue;
    uint256 internal _surplusValue;
    /// deposits their depositors took back in frozen mode
    mapping(uint64 requestId => bool) internal _reclaimed;

    /// Listing and parameter changes queued after the first batch (spec/contracts.md, "Listing and
    /// parameter changes"): queue positions head..tail−1 of _configIds wait for a batch; one slot,
    /// read once by every settleBatch.
    struct ConfigQueue {
        uint64 head;
        uint64 tail;
        /// the batch that last applied (or refused) a change; 0: none since the first batch
        uint64 lastAppliedBatch;
    }

    ConfigQueue internal _configQueue;
    mapping(uint64 position => uint64 requestId) internal _configIds;
    /// each change as the call that applies it (kept: a node replaying the queue reads it)
    mapping(uint64 requestId => bytes) internal _configCalls;

    constructor(Config memory c) {
        if (c.admin == address(0) || c.feeSubaccount == c.insuranceSubaccount) revert InvalidParams();
        if (c.maxBatchAge == 0 || c.maxBatchAge > 1 hours || c.forceDelay <= c.maxBatchAge || c.forceDelay > 30 days) {
            revert InvalidParams();
        }
        if (c.claimWindow == 0 || c.claimWindow > 30 days) revert InvalidParams();
        // an operator may take over well before anyone may freeze
        if (c.epochSeconds == 0 || c.epochSeconds > 1 days || c.takeoverSeconds == 0 || c.takeoverSeconds >= c.forceDelay) {
            revert InvalidParams();
        }
        // outside a local chain the escape hatch keeps real-world delays
        if (c.devnet ? block.chainid != 31337 : c.forceDelay < 1 hours || c.claimWindow < 1 days) revert InvalidParams();
        _admin = c.admin;
        _feeSubaccount = c.feeSubaccount;
        _insuranceSubaccount = c.insuranceSubaccount;
        _maxBatchAge = c.maxBatchAge;
        _forceDelay = c.forceDelay;
        _claimWindow = c.claimWindow;
        _epochSeconds = c.epochSeconds;
        _takeoverSeconds = c.takeoverSeconds;
        _devnet = c.devnet;
    }

    /// The values this code was made with, hashed: the codes of one Exchange agree on them.
    function _configHash() internal view returns (bytes32) {
        return keccak256(
            abi.encode(
                _admin,
                _feeSubaccount,
                _insuranceSubaccount,
                _maxBatchAge,
                _forceDelay,
                _claimWindow,
                _epochSeconds,
                _takeoverSeconds,
                _devnet
            )
        );
    }

    // ------------------------------------------------------------ header words

    uint256 internal constant HELD_SHIFT = 64;
    uint256 internal constant OWED_SHIFT = 128;
    uint256 internal constant PERPS_SHIFT = 192;
    uint256 internal constant MASK64 = 0xffffffffffffffff;

    // ------------------------------------------------------------ storage slots

    // `_balances[subaccount][assetId]` lives at keccak256(assetId ‖ keccak256(subaccount ‖
    // _balances.slot)), as Solidity lays out nested mappings; computing the per-subaccount root
    // once per account saves hashing on every access. Positions likewise.

    function _balanceRoot(bytes32 subaccount) internal pure returns (uint256 root) {
        assembly ("memory-safe") {
            mstore(0x00, subaccount)
            mstore(0x20, _balances.slot)
            root := keccak256(0x00, 0x40)
        }
    }

    function _positionRoot(bytes32 subaccount) internal pure returns (uint256 root) {
        assembly ("memory-safe") {
            mstore(0x00, subaccount)
            mstore(0x20, _positions.slot)
            root := keccak256(0x00, 0x40)
        }
    }

    /// The slot of a key under a mapping root (a balance's, or a position's first word).
    function _slotAt(uint256 root, uint256 key) internal pure returns (uint256 slot) {
        assembly ("memory-safe") {
            mstore(0x00, key)
            mstore(0x20, root)
            slot := keccak256(0x00, 0x40)
        }
    }

    function _load(uint256 slot) internal view returns (uint256 v) {
        assembly ("memory-safe") {
            v := sload(slot)
        }
    }

    function _store(uint256 slot, uint256 v) internal {
        assembly ("memory-safe") {
            sstore(slot, v)
        }
    }

    // ------------------------------------------------------------ market words

    /// The market's MarketCore slot as one word (zero for a market never listed).
    function _marketWord(uint32 marketId) internal view returns (uint256 w) {
        MarketCore storage m = _marketCore[marketId];
        assembly ("memory-safe") {
            w := sload(m.slot)
        }
    }

    function _active(uint256 w) internal pure returns (bool) {
        return (w >> 64) & 0xff != 0;
    }

    function _baseId(uint256 w) internal pure returns (uint32) {
        return uint32(w);
    }

    function _quoteId(uint256 w) internal pure returns (uint32) {
        return uint32(w >> 32);
    }

    function _isPerp(uint256 w) internal pure returns (bool) {
        return (w >> 200) & 0xff == uint256(uint8(MarketKind.Perp));
    }

    function _perpIndex(uint256 w) internal pure returns (uint256) {
        return (w >> 208) & 0xff;
    }

    function _makerFeeRate(uint256 w) internal pure returns (int64) {
        return int64(uint64(w >> 72));
    }

    function _takerFeeRate(uint256 w) internal pure returns (int64) {
        return int64(uint64(w >> 136));
    }

    // ------------------------------------------------------------ misc

    function _domainSeparator() internal view returns (bytes32) {
        if (address(this) == _cachedThis && block.chainid == _cachedChainId) return _cachedDomainSeparator;
        return OrderLib.domainSeparator(block.chainid, address(this));
    }

    function _queue(RequestKind kind, bytes32 subaccount, uint32 assetId, uint128 amount)
        internal
        returns (uint64 requestId)
    {
        if (_frozenAt != 0) revert Frozen();
        requestId = _progress.requestCount;
        _requests[requestId] = StoredRequest({
            subaccount: subaccount,
            kind: kind,
            assetId: assetId,
            amount: amount,
            queuedAt: uint64(block.timestamp)
        });
        _progress.requestCount = requestId + 1;
        emit RequestQueued(requestId, kind, subaccount, assetId, amount);
    }

    function _asset(uint32 assetId) internal view returns (Asset storage) {
        if (assetId >= _assets.length) revert UnknownAsset();
        return _assets[assetId];
    }

    /// A payout's token call gets this much gas: enough for any ERC-20, too little for a token to
    /// make the caller fail by burning it.
    uint256 internal constant PAYOUT_GAS = 100_000;

    /// Pays `units` of the asset's token to `to`. A token that refuses — reverts, answers false,
    /// or needs more than PAYOUT_GAS — leaves them claimable by `to` (`claim`) instead: no
    /// recipient can block a batch or an exit.
    function _payOrDefer(address to, uint32 assetId, uint256 units) internal {
        if (units == 0) return;
        // nobody may starve the call of gas to defer a payout on purpose
        if (gasleft() < PAYOUT_GAS + PAYOUT_GAS / 63 + 5000) revert NotEnoughGas();
        bytes memory data = abi.encodeCall(IERC20.transfer, (to, units));
        address token = _assets[assetId].token;
        bool ok;
        assembly ("memory-safe") {
            mstore(0x00, 0)
            let success := call(PAYOUT_GAS, token, 0, add(data, 0x20), mload(data), 0x00, 0x20)
            let size := returndatasize()
            // no answer, or one word that is true (at most one word of the answer is read)
            ok := and(success, or(iszero(size), and(gt(size, 31), eq(mload(0x00), 1))))
        }
        if (ok) return;
        _claimable[to][assetId] += units;
        _claimableTotal[assetId] += units;
        emit PayoutDeferred(to, assetId, units);
    }

    /// Is `signer` the subaccount's linked signer, unexpired at batch time `t`?
    function _linked(bytes32 subaccount, address signer, uint64 t) internal view returns (bool) {
        LinkedSigner storage l = _linkedSigner[subaccount];
        return l.signer == signer && (l.expiry == 0 || t < l.expiry);
    }
}
