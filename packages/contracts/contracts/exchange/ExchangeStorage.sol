// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IExchangeTypes} from "../interfaces/IExchangeTypes.sol";
import {PriceFeeds} from "../lib/PriceFeeds.sol";
import {OrderLib} from "../lib/OrderLib.sol";

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

    /// A risk plan may name at most this many markets and allow at most this slippage (50%).
    uint256 internal constant MAX_PLAN_MARKETS = 16;
    uint256 internal constant MAX_PLAN_SLIPPAGE_BPS = 5000;

    /// Assets and perp markets are bits of an account's header word: at most 64 of each.
    uint256 internal constant MAX_ASSETS = 64;
    uint256 internal constant MAX_PERPS = 64;
    uint8 internal constant MAX_DECIMALS = 18;
    int64 internal constant MAX_TAKER_FEE = 0.1e18;
    uint256 internal constant ONE = 1e18;

    /// May list assets and markets, set parameters and operators: the Timelock.
    address public immutable admin;
    bytes32 public immutable feeSubaccount;
    bytes32 public immutable insuranceSubaccount;
    uint64 public immutable maxBatchAge;

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

    /// A subaccount's risk plan as settlement needs it: its bounds, not its market order.
    struct StoredPlan {
        uint64 nonce;
        uint16 maxSlippageBps;
        uint32 graceSeconds;
        bool set;
    }

    /// The price a batch last used for a market.
    struct MarketPrice {
        uint128 price;
        uint64 publishedAt;
    }

    /// A position in two slots (see IExchangeTypes.Position).
    struct StoredPosition {
        int128 size;
        int128 vQuote;
        int256 lastCumFunding;
    }

    Progress internal _progress;
    bytes32 public lastStateHash;
    /// The share of positive uPnL that counts toward initial health, X18.
    uint64 public pnlWeight;

    mapping(address account => bool) public isOperator;
    /// How much of an order is filled, while it is partly filled (or its amount once cancelled on
    /// chain); an order filled in full is recorded by its nonce instead (`_spentNonces`).
    mapping(bytes32 orderHash => uint128) public filled;
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
    mapping(bytes32 subaccount => LinkedSigner) public linkedSigner;
    /// When the batch that flagged the subaccount's margin call ran (0: not flagged).
    mapping(bytes32 subaccount => uint64) public marginCallAt;
    mapping(bytes32 subaccount => StoredPlan) internal _plans;
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

    function domainSeparator() public view returns (bytes32) {
        if (address(this) == _cachedThis && block.chainid == _cachedChainId) return _cachedDomainSeparator;
        return OrderLib.domainSeparator(block.chainid, address(this));
    }

    function _asset(uint32 assetId) internal view returns (Asset storage) {
        if (assetId >= _assets.length) revert UnknownAsset();
        return _assets[assetId];
    }

    /// Is `signer` the subaccount's linked signer, unexpired at batch time `t`?
    function _linked(bytes32 subaccount, address signer, uint64 t) internal view returns (bool) {
        LinkedSigner storage l = linkedSigner[subaccount];
        return l.signer == signer && (l.expiry == 0 || t < l.expiry);
    }
}
