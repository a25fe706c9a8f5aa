// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Metadata} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Metadata.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IExchange} from "./interfaces/IExchange.sol";
import {MathX18} from "./lib/MathX18.sol";
import {OrderLib} from "./lib/OrderLib.sol";
import {OrderRecords} from "./lib/OrderRecords.sol";

/// @title The Kestrel exchange: token vault, request queue and batch settlement.
/// @notice Balances are X18 and per (subaccount, asset). Chain-side inputs (deposits, withdrawal
///         requests, on-chain cancels) are queued and take effect, in queue order, in the batch
///         that moves the request cursor past them, so the off-chain engine applies them at the
///         same point of the sequence. Every fill of a batch is re-verified here: signatures,
///         markets, nonces, expiry, limit prices, filled amounts and balances.
contract Exchange is IExchange, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    // reason codes of InvalidOrder / InvalidFill / InvalidBatch (see IExchange)
    uint8 internal constant ORDER_BAD_SIGNATURE = 1;
    uint8 internal constant ORDER_UNKNOWN_MARKET = 2;
    uint8 internal constant ORDER_NONCE_CANCELLED = 3;
    uint8 internal constant ORDER_EXPIRED = 4;
    uint8 internal constant FILL_BAD_INDEX = 1;
    uint8 internal constant FILL_MARKET_MISMATCH = 2;
    uint8 internal constant FILL_PRICE = 3;
    uint8 internal constant FILL_OVERFILL = 4;
    uint8 internal constant FILL_BUYER_INSUFFICIENT_BALANCE = 5;
    uint8 internal constant FILL_SELF_TRADE = 6;
    uint8 internal constant FILL_ZERO_AMOUNT = 7;
    uint8 internal constant FILL_SELLER_INSUFFICIENT_BALANCE = 8;
    uint8 internal constant BATCH_ID = 1;
    uint8 internal constant BATCH_TIMESTAMP = 2;
    uint8 internal constant BATCH_CURSOR = 3;

    // field offsets of an order record (see OrderRecords)
    uint256 private constant REC_SIZE = 0x160; // == OrderRecords.SIZE
    uint256 private constant REC_SUBACCOUNT = 0x020;
    uint256 private constant REC_MARKET_ID = 0x040;
    uint256 private constant REC_IS_BUY = 0x060;
    uint256 private constant REC_PRICE = 0x080;
    uint256 private constant REC_AMOUNT = 0x0a0;
    uint256 private constant REC_NONCE = 0x0c0;
    uint256 private constant REC_EXPIRY = 0x0e0;
    uint256 private constant REC_MARKET = 0x140;

    uint8 internal constant MAX_DECIMALS = 18;
    int64 internal constant MAX_TAKER_FEE = 0.1e18;

    /// The EIP-712 type hash of `Order`.
    bytes32 public constant ORDER_TYPEHASH = OrderLib.ORDER_TYPEHASH;

    /// May list assets and markets and set operators (a timelock takes this role later).
    address public immutable admin;
    /// @inheritdoc IExchange
    bytes32 public immutable feeSubaccount;
    /// @inheritdoc IExchange
    uint64 public immutable maxBatchAge;

    bytes32 private immutable _cachedDomainSeparator;
    uint256 private immutable _cachedChainId;
    address private immutable _cachedThis;

    /// The batch cursor and the queue length, packed in one slot: settlement reads and writes it once.
    struct Progress {
        uint64 lastBatchId;
        uint64 lastBatchTimestamp;
        uint64 processedRequests;
        uint64 requestCount;
    }

    /// What settlement needs of a market, packed in one slot. Settlement reads the slot as one
    /// word: baseAssetId bits 0–31, quoteAssetId 32–63, active 64–71, makerFee 72–135,
    /// takerFee 136–199 (Solidity packs members from the low-order end).
    struct MarketCore {
        uint32 baseAssetId;
        uint32 quoteAssetId;
        bool active;
        int64 makerFee;
        int64 takerFee;
    }

    /// A queued request in two slots.
    struct StoredRequest {
        bytes32 subaccount;
        RequestKind kind;
        uint32 assetId;
        uint128 amount;
    }

    Progress private _progress;
    /// @inheritdoc IExchange
    bytes32 public lastStateHash;

    /// @inheritdoc IExchange
    mapping(address account => bool) public isOperator;
    /// @inheritdoc IExchange
    mapping(bytes32 orderHash => uint128) public filled;
    /// @inheritdoc IExchange
    mapping(bytes32 subaccount => uint64) public minNonce;

    mapping(bytes32 subaccount => mapping(uint32 assetId => int256)) private _balances;
    mapping(uint64 requestId => StoredRequest) private _requests;
    /// the `data` word of CancelOrder and LinkedSigner requests
    mapping(uint64 requestId => bytes32) private _requestData;
    /// @inheritdoc IExchange
    mapping(bytes32 subaccount => LinkedSigner) public linkedSigner;

    Asset[] private _assets;
    mapping(address token => bool) private _tokenListed;
    mapping(uint32 marketId => Market) private _markets;
    mapping(uint32 marketId => MarketCore) private _marketCore;
    uint32[] private _marketIds;

    modifier onlyAdmin() {
        if (msg.sender != admin) revert NotAdmin();
        _;
    }

    modifier onlyOwnerOf(bytes32 subaccount) {
        if (OrderLib.owner(subaccount) != msg.sender) revert NotOwner();
        _;
    }

    constructor(address admin_, bytes32 feeSubaccount_, uint64 maxBatchAge_) {
        if (admin_ == address(0)) revert InvalidParams();
        admin = admin_;
        feeSubaccount = feeSubaccount_;
        maxBatchAge = maxBatchAge_;
        _cachedChainId = block.chainid;
        _cachedThis = address(this);
        _cachedDomainSeparator = OrderLib.domainSeparator(block.chainid, address(this));
    }

    // ---------------------------------------------------------------- admin

    /// @inheritdoc IExchange
    function listAsset(address token, string calldata symbol) external onlyAdmin returns (uint32 assetId) {
        if (token == address(0) || _tokenListed[token]) revert InvalidParams();
        uint8 decimals = IERC20Metadata(token).decimals();
        if (decimals > MAX_DECIMALS) revert InvalidParams();
        assetId = uint32(_assets.length);
        _assets.push(Asset({token: token, decimals: decimals, symbol: symbol}));
        _tokenListed[token] = true;
        emit AssetListed(assetId, token, decimals, symbol);
    }

    /// @inheritdoc IExchange
    /// @dev Listing an existing id again updates its parameters (e.g. `active = false` halts it),
    ///      but never its base or quote asset: signed orders name the market by id.
    function listMarket(uint32 marketId, Market calldata market) external onlyAdmin {
        uint256 assetCount_ = _assets.length;
        if (market.baseAssetId >= assetCount_ || market.quoteAssetId >= assetCount_) revert UnknownAsset();
        if (
            marketId == 0 || market.baseAssetId == market.quoteAssetId || market.tickSize == 0
                || market.lotSize == 0 || market.minSize == 0
                || (uint256(market.tickSize) * uint256(market.lotSize)) % MathX18.ONE != 0
                || market.takerFee < 0 || market.takerFee > MAX_TAKER_FEE || market.makerFee > market.takerFee
                || market.makerFee < -market.takerFee
        ) revert InvalidParams();

        Market storage existing = _markets[marketId];
        if (existing.tickSize != 0) {
            if (existing.baseAssetId != market.baseAssetId || existing.quoteAssetId != market.quoteAssetId) {
                revert InvalidParams();
            }
        } else {
            _marketIds.push(marketId);
        }
        _markets[marketId] = market;
        _marketCore[marketId] = MarketCore({
            baseAssetId: market.baseAssetId,
            quoteAssetId: market.quoteAssetId,
            active: market.active,
            makerFee: market.makerFee,
            takerFee: market.takerFee
        });
        emit MarketListed(marketId, market);
    }

    /// @inheritdoc IExchange
    function setOperator(address operator, bool enabled) external onlyAdmin {
        isOperator[operator] = enabled;
        emit OperatorSet(operator, enabled);
    }

    // ---------------------------------------------------------------- users

    /// @inheritdoc IExchange
    function deposit(bytes32 subaccount, uint32 assetId, uint256 tokenAmount)
        external
        nonReentrant
        returns (uint64 requestId)
    {
        Asset storage asset = _asset(assetId);
        IERC20 token = IERC20(asset.token);
        uint128 amount = _toX18(tokenAmount, asset.decimals);
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(msg.sender, address(this), tokenAmount);
        // Credit only what arrived: a token that takes a fee on transfer would break conservation.
        if (token.balanceOf(address(this)) - before != tokenAmount) revert InvalidAmount();
        requestId = _queue(RequestKind.Deposit, subaccount, assetId, amount);
    }

    /// @inheritdoc IExchange
    function requestWithdrawal(bytes32 subaccount, uint32 assetId, uint256 tokenAmount)
        external
        nonReentrant
        onlyOwnerOf(subaccount)
        returns (uint64 requestId)
    {
        uint128 amount = _toX18(tokenAmount, _asset(assetId).decimals);
        requestId = _queue(RequestKind.Withdrawal, subaccount, assetId, amount);
    }

    /// @inheritdoc IExchange
    /// @dev Never lowers the minimum nonce; the queued request carries the resulting minimum.
    function cancelUpTo(bytes32 subaccount, uint64 newMinNonce)
        external
        nonReentrant
        onlyOwnerOf(subaccount)
        returns (uint64 requestId)
    {
        uint64 current = minNonce[subaccount];
        if (newMinNonce > current) minNonce[subaccount] = newMinNonce;
        else newMinNonce = current;
        requestId = _queue(RequestKind.CancelUpTo, subaccount, 0, newMinNonce);
    }

    /// @inheritdoc IExchange
    function cancelOrders(Order[] calldata orders) external nonReentrant returns (uint64 firstRequestId) {
        if (orders.length == 0) revert InvalidParams();
        firstRequestId = _progress.requestCount;
        bytes32 domainSep = domainSeparator();
        for (uint256 i; i < orders.length; ++i) {
            Order calldata o = orders[i];
            if (OrderLib.owner(o.subaccount) != msg.sender) revert NotOwner();
            bytes32 digest = OrderLib.typedDataHash(domainSep, OrderLib.structHash(o));
            if (filled[digest] < o.amount) filled[digest] = o.amount;
            uint64 requestId = _queue(RequestKind.CancelOrder, o.subaccount, 0, 0);
            _requestData[requestId] = digest;
            emit OrderCancelled(requestId, o.subaccount, digest);
        }
    }

    /// @inheritdoc IExchange
    function setLinkedSigner(bytes32 subaccount, address signer, uint64 expiry)
        external
        nonReentrant
        onlyOwnerOf(subaccount)
        returns (uint64 requestId)
    {
        if (signer == address(0)) {
            delete linkedSigner[subaccount];
            expiry = 0;
        } else {
            linkedSigner[subaccount] = LinkedSigner({signer: signer, expiry: expiry});
        }
        requestId = _queue(RequestKind.LinkedSigner, subaccount, 0, expiry);
        _requestData[requestId] = bytes32(uint256(uint160(signer)));
        emit LinkedSignerSet(requestId, subaccount, signer, expiry);
    }

    // ---------------------------------------------------------------- settlement

    /// @inheritdoc IExchange
    /// @dev Effects, in order: queued requests up to the cursor, then every order is validated,
    ///      then fills are applied in array order. Any failure reverts the whole batch with the
    ///      index and reason, so the sequencer can drop the input and rebuild.
    function settleBatch(Batch calldata batch) external nonReentrant {
        if (!isOperator[msg.sender]) revert NotOperator();
        Progress memory p = _progress;
        uint64 batchId = batch.batchId;
        uint64 timestamp = batch.timestamp;
        uint64 cursor = batch.requestCursor;
        unchecked {
            // lastBatchId < 2^64 − 1 for any realistic life of the contract; compare in uint256 anyway.
            if (uint256(batchId) != uint256(p.lastBatchId) + 1) revert InvalidBatch(BATCH_ID);
            if (
                timestamp < p.lastBatchTimestamp || timestamp > block.timestamp
                    || uint256(timestamp) + maxBatchAge < block.timestamp
            ) revert InvalidBatch(BATCH_TIMESTAMP);
        }
        if (cursor < p.processedRequests || cursor > p.requestCount) revert InvalidBatch(BATCH_CURSOR);

        _processRequests(p.processedRequests, cursor);
        SignedOrder[] calldata signed = batch.orders;
        uint256 records = _validateOrders(signed, timestamp);
        Fill[] calldata fills = batch.fills;
        uint256 fillCount = fills.length;
        for (uint256 j; j < fillCount;) {
            _applyFill(j, fills, records, signed.length);
            unchecked {
                ++j;
            }
        }

        // Requests cannot be queued meanwhile (nonReentrant), so p.requestCount is current.
        _progress = Progress({
            lastBatchId: batchId,
            lastBatchTimestamp: timestamp,
            processedRequests: cursor,
            requestCount: p.requestCount
        });
        lastStateHash = batch.stateHash;
        emit BatchSettled(batchId, batch.stateHash, timestamp, cursor, fillCount);
    }

    function _processRequests(uint64 from, uint64 to) private {
        for (uint64 id = from; id < to;) {
            StoredRequest storage r = _requests[id];
            RequestKind kind = r.kind;
            if (kind == RequestKind.Deposit || kind == RequestKind.Withdrawal) {
                bytes32 subaccount = r.subaccount;
                uint32 assetId = r.assetId;
                uint128 amount = r.amount;
                mapping(uint32 => int256) storage bal = _balances[subaccount];
                if (kind == RequestKind.Deposit) {
                    bal[assetId] += int256(uint256(amount));
                    emit Deposited(id, subaccount, assetId, amount);
                } else {
                    int256 balance = bal[assetId];
                    if (balance >= int256(uint256(amount))) {
                        unchecked {
                            bal[assetId] = balance - int256(uint256(amount));
                        }
                        Asset storage asset = _assets[assetId];
                        // exact: the request was made in token units
                        uint256 tokenAmount = uint256(amount) / MathX18.scale(asset.decimals);
                        IERC20(asset.token).safeTransfer(OrderLib.owner(subaccount), tokenAmount);
                        emit Withdrawn(id, subaccount, assetId, amount);
                    } else {
                        emit WithdrawalRejected(id, subaccount, assetId, amount);
                    }
                }
            }
            // CancelUpTo and CancelOrder took effect on chain when they were made; the engine applies them here.
            unchecked {
                ++id;
            }
        }
    }

    /// Checks every order of the batch and caches it in memory (see OrderRecords).
    function _validateOrders(SignedOrder[] calldata signed, uint64 timestamp) private view returns (uint256 records) {
        uint256 n = signed.length;
        records = OrderRecords.alloc(n);
        bytes32 domainSep = domainSeparator();
        for (uint256 i; i < n;) {
            SignedOrder calldata so = signed[i];
            uint256 rec;
            unchecked {
                rec = records + i * REC_SIZE;
            }
            bytes32 digest = OrderRecords.load(rec, so.order, domainSep);
            bytes32 subaccount;
            uint256 marketId;
            uint256 nonce;
            uint256 expiry;
            assembly ("memory-safe") {
                subaccount := mload(add(rec, REC_SUBACCOUNT))
                marketId := mload(add(rec, REC_MARKET_ID))
                nonce := mload(add(rec, REC_NONCE))
                expiry := mload(add(rec, REC_EXPIRY))
            }
            address signer = OrderLib.recover(digest, so.signature);
            if (signer == address(0) || (signer != OrderLib.owner(subaccount) && !_linked(subaccount, signer, timestamp))) {
                revert InvalidOrder(i, ORDER_BAD_SIGNATURE);
            }
            uint256 market = _marketWord(uint32(marketId)); // canonical: checked by load
            if (!_active(market)) revert InvalidOrder(i, ORDER_UNKNOWN_MARKET);
            assembly ("memory-safe") {
                mstore(add(rec, REC_MARKET), market)
            }
            if (nonce < minNonce[subaccount]) revert InvalidOrder(i, ORDER_NONCE_CANCELLED);
            if (expiry != 0 && timestamp >= expiry) revert InvalidOrder(i, ORDER_EXPIRED);
            unchecked {
                ++i;
            }
        }
    }

    /// Checks fill `j` against its two orders and applies it.
    function _applyFill(uint256 j, Fill[] calldata fills, uint256 records, uint256 n) private {
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
        _addFilled(j, maker, amount);
        _addFilled(j, taker, amount);
        _settle(j, maker, taker, takerIsBuy, amount);
    }

    /// Moves the money of one fill at the maker's price.
    /// @dev No balance can overflow: every balance stays ≥ 0 (debits are checked here or at
    ///      withdrawal) and the sum over subaccounts is conserved, so each is bounded by the X18
    ///      total ever deposited. The fee subaccount is credited first so that, if it is the
    ///      buyer, the balance check sees its balance after the whole fill.
    function _settle(uint256 j, uint256 maker, uint256 taker, bool takerIsBuy, uint256 amount) private {
        bytes32 makerSubaccount;
        bytes32 takerSubaccount;
        uint256 market;
        uint256 price;
        assembly ("memory-safe") {
            makerSubaccount := mload(add(maker, REC_SUBACCOUNT))
            takerSubaccount := mload(add(taker, REC_SUBACCOUNT))
            market := mload(add(maker, REC_MARKET))
            price := mload(add(maker, REC_PRICE))
        }
        if (OrderLib.owner(makerSubaccount) == OrderLib.owner(takerSubaccount)) revert InvalidFill(j, FILL_SELF_TRADE);
        uint256 quote = MathX18.mulDown(amount, price); // < 2^197
        int256 makerFee = MathX18.fee(quote, int64(uint64(market >> 72)));
        int256 takerFee = MathX18.fee(quote, int64(uint64(market >> 136)));
        unchecked {
            int256 fees = makerFee + takerFee; // ≥ 0 because |makerFee rate| ≤ takerFee rate
            if (fees != 0) _credit(_balanceSlot(_balanceRoot(feeSubaccount), _quoteId(market)), fees);
        }
        if (takerIsBuy) {
            _buy(j, takerSubaccount, market, amount, quote, takerFee);
            _sell(j, makerSubaccount, market, amount, quote, makerFee);
        } else {
            _buy(j, makerSubaccount, market, amount, quote, makerFee);
            _sell(j, takerSubaccount, market, amount, quote, takerFee);
        }
    }

    /// Buyer: quote −= notional + fee (must stay ≥ 0), base += amount.
    function _buy(uint256 j, bytes32 buyer, uint256 market, uint256 amount, uint256 quote, int256 fee) private {
        uint256 root = _balanceRoot(buyer);
        uint256 slot = _balanceSlot(root, _quoteId(market));
        unchecked {
            int256 balance = _load(slot) - (int256(quote) + fee);
            if (balance < 0) revert InvalidFill(j, FILL_BUYER_INSUFFICIENT_BALANCE);
            _store(slot, balance);
        }
        _credit(_balanceSlot(root, _baseId(market)), int256(amount));
    }

    /// Seller: base −= amount (must stay ≥ 0), quote += notional − fee.
    function _sell(uint256 j, bytes32 seller, uint256 market, uint256 amount, uint256 quote, int256 fee) private {
        uint256 root = _balanceRoot(seller);
        uint256 slot = _balanceSlot(root, _baseId(market));
        unchecked {
            int256 balance = _load(slot) - int256(amount);
            if (balance < 0) revert InvalidFill(j, FILL_SELLER_INSUFFICIENT_BALANCE);
            _store(slot, balance);
            // a charge never exceeds the notional (rate ≤ 0.1), so this is a credit
            _credit(_balanceSlot(root, _quoteId(market)), int256(quote) - fee);
        }
    }

    // Storage access for the fill loop: `_balances[subaccount][assetId]` lives at
    // keccak256(assetId ‖ keccak256(subaccount ‖ _balances.slot)), as Solidity lays out nested
    // mappings; computing the per-subaccount root once saves hashing on every access.

    function _balanceRoot(bytes32 subaccount) private pure returns (uint256 root) {
        assembly ("memory-safe") {
            mstore(0x00, subaccount)
            mstore(0x20, _balances.slot)
            root := keccak256(0x00, 0x40)
        }
    }

    function _balanceSlot(uint256 root, uint32 assetId) private pure returns (uint256 slot) {
        assembly ("memory-safe") {
            mstore(0x00, and(assetId, 0xffffffff)) // a uint32 may carry dirty high bits in assembly
            mstore(0x20, root)
            slot := keccak256(0x00, 0x40)
        }
    }

    function _load(uint256 slot) private view returns (int256 v) {
        assembly ("memory-safe") {
            v := sload(slot)
        }
    }

    function _store(uint256 slot, int256 v) private {
        assembly ("memory-safe") {
            sstore(slot, v)
        }
    }

    /// Adds a credit; see _settle for why it cannot overflow.
    function _credit(uint256 slot, int256 amount) private {
        unchecked {
            _store(slot, _load(slot) + amount);
        }
    }

    /// filled[order] += amount, at most the order's amount. Written through to storage, so a
    /// duplicate of an order at another index shares the same total.
    function _addFilled(uint256 j, uint256 rec, uint256 amount) private {
        uint256 slot;
        uint256 total;
        uint256 limit;
        assembly ("memory-safe") {
            mstore(0x00, mload(rec)) // the digest
            mstore(0x20, filled.slot)
            slot := keccak256(0x00, 0x40)
            total := add(sload(slot), amount) // both < 2^128
            limit := mload(add(rec, REC_AMOUNT))
        }
        if (total > limit) revert InvalidFill(j, FILL_OVERFILL);
        assembly ("memory-safe") {
            sstore(slot, total) // ≤ the order's uint128 amount
        }
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IExchange
    function balanceOf(bytes32 subaccount, uint32 assetId) external view returns (int256) {
        return _balances[subaccount][assetId];
    }

    /// @inheritdoc IExchange
    function requestCount() external view returns (uint64) {
        return _progress.requestCount;
    }

    /// @inheritdoc IExchange
    function processedRequests() external view returns (uint64) {
        return _progress.processedRequests;
    }

    /// @inheritdoc IExchange
    /// @dev Reverts with InvalidParams for an id not yet queued.
    function getRequest(uint64 requestId) external view returns (Request memory) {
        if (requestId >= _progress.requestCount) revert InvalidParams();
        StoredRequest storage r = _requests[requestId];
        return Request({
            kind: r.kind,
            subaccount: r.subaccount,
            assetId: r.assetId,
            amount: r.amount,
            data: _requestData[requestId]
        });
    }

    /// @inheritdoc IExchange
    function lastBatchId() external view returns (uint64) {
        return _progress.lastBatchId;
    }

    /// @inheritdoc IExchange
    function lastBatchTimestamp() external view returns (uint64) {
        return _progress.lastBatchTimestamp;
    }

    /// @inheritdoc IExchange
    function domainSeparator() public view returns (bytes32) {
        if (address(this) == _cachedThis && block.chainid == _cachedChainId) return _cachedDomainSeparator;
        return OrderLib.domainSeparator(block.chainid, address(this));
    }

    /// @inheritdoc IExchange
    function orderHash(Order calldata order) external view returns (bytes32) {
        return OrderLib.typedDataHash(domainSeparator(), OrderLib.structHash(order));
    }

    /// @inheritdoc IExchange
    function assetCount() external view returns (uint32) {
        return uint32(_assets.length);
    }

    /// @inheritdoc IExchange
    function getAsset(uint32 assetId) external view returns (Asset memory) {
        return _asset(assetId);
    }

    /// @inheritdoc IExchange
    function marketIds() external view returns (uint32[] memory) {
        return _marketIds;
    }

    /// @inheritdoc IExchange
    /// @dev An id never listed returns the zero market (inactive, empty symbol).
    function getMarket(uint32 marketId) external view returns (Market memory) {
        return _markets[marketId];
    }

    // ---------------------------------------------------------------- internals

    /// Is `signer` the subaccount's linked signer, unexpired at batch time `t`? Read only for
    /// orders not signed by their owner, so owner-signed orders pay nothing for it.
    function _linked(bytes32 subaccount, address signer, uint64 t) private view returns (bool) {
        LinkedSigner storage l = linkedSigner[subaccount];
        return l.signer == signer && (l.expiry == 0 || t < l.expiry);
    }

    /// The market's MarketCore slot as one word (zero for a market never listed).
    function _marketWord(uint32 marketId) private view returns (uint256 w) {
        MarketCore storage m = _marketCore[marketId];
        assembly ("memory-safe") {
            w := sload(m.slot)
        }
    }

    function _active(uint256 marketWord) private pure returns (bool) {
        return (marketWord >> 64) & 0xff != 0;
    }

    function _baseId(uint256 marketWord) private pure returns (uint32) {
        return uint32(marketWord);
    }

    function _quoteId(uint256 marketWord) private pure returns (uint32) {
        return uint32(marketWord >> 32);
    }

    function _asset(uint32 assetId) private view returns (Asset storage) {
        if (assetId >= _assets.length) revert UnknownAsset();
        return _assets[assetId];
    }

    /// Token units → X18, exact; 0 or more than uint128 is InvalidAmount.
    function _toX18(uint256 tokenAmount, uint8 decimals) private pure returns (uint128) {
        uint256 scale = MathX18.scale(decimals);
        if (tokenAmount == 0 || tokenAmount > type(uint128).max / scale) revert InvalidAmount();
        return uint128(tokenAmount * scale);
    }

    function _queue(RequestKind kind, bytes32 subaccount, uint32 assetId, uint128 amount)
        private
        returns (uint64 requestId)
    {
        requestId = _progress.requestCount;
        _requests[requestId] = StoredRequest({subaccount: subaccount, kind: kind, assetId: assetId, amount: amount});
        _progress.requestCount = requestId + 1;
        emit RequestQueued(requestId, kind, subaccount, assetId, amount);
    }
}
