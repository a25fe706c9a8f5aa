// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title The Kestrel exchange: vault, request queue and batch settlement.
/// @notice Amounts inside the exchange are X18 fixed point (18 decimals) whatever the token's
///         decimals; balances are signed (a negative balance is a loan, from the lending issue on).
interface IExchange {
    /// The EIP-712 order, field for field (DESIGN §4).
    struct Order {
        bytes32 subaccount;
        uint32 marketId;
        bool isBuy;
        uint128 price;
        uint128 amount;
        uint64 nonce;
        uint64 expiry;
        uint32 flags;
        uint64 clientId;
    }

    struct SignedOrder {
        Order order;
        /// 65 bytes r ‖ s ‖ v, v ∈ {27, 28}, s ≤ n/2
        bytes signature;
    }

    /// A fill between two orders of the batch; the price is always the maker's price.
    struct Fill {
        uint32 maker; // index into Batch.orders
        uint32 taker; // index into Batch.orders
        uint128 amount; // base amount, X18
    }

    struct Batch {
        uint64 batchId; // lastBatchId + 1
        uint64 timestamp; // batch clock: non-decreasing, ≤ block.timestamp, ≥ block.timestamp − maxBatchAge
        uint64 requestCursor; // process the request queue up to (excluding) this index
        bytes32 stateHash; // the engine's state hash after the batch (recorded, not checked)
        SignedOrder[] orders;
        Fill[] fills;
    }

    enum RequestKind {
        Deposit,
        Withdrawal,
        CancelUpTo,
        CancelOrder,
        LinkedSigner
    }

    /// A chain-side input, applied by the batch that moves the cursor past it.
    struct Request {
        RequestKind kind;
        bytes32 subaccount;
        uint32 assetId; // 0 for CancelUpTo
        uint128 amount; // X18 for deposits and withdrawals; the new minNonce for CancelUpTo; the expiry for LinkedSigner
        bytes32 data; // CancelOrder: the order's digest; LinkedSigner: the signer's address (low 20 bytes); else 0
    }

    /// A trading key that may sign orders for a subaccount (never withdraw), until `expiry`
    /// (unix seconds, exclusive, at the batch's time; 0 = none).
    struct LinkedSigner {
        address signer;
        uint64 expiry;
    }

    struct Asset {
        address token;
        uint8 decimals;
        string symbol;
    }

    struct Market {
        uint32 baseAssetId;
        uint32 quoteAssetId;
        bool active;
        uint128 tickSize;
        uint128 lotSize;
        uint128 minSize;
        int64 makerFee; // X18 rate; may be negative (rebate), |makerFee| ≤ takerFee
        int64 takerFee; // X18 rate, ≥ 0, ≤ 0.1e18
        string symbol;
    }

    // reasons carried by InvalidOrder
    // 1 BAD_SIGNATURE, 2 UNKNOWN_MARKET, 3 NONCE_CANCELLED, 4 EXPIRED
    error InvalidOrder(uint256 orderIndex, uint8 reason);
    // reasons carried by InvalidFill
    // 1 BAD_INDEX, 2 MARKET_MISMATCH (different markets or same side), 3 PRICE (worse than a limit),
    // 4 OVERFILL, 5 BUYER_INSUFFICIENT_BALANCE, 6 SELF_TRADE, 7 ZERO_AMOUNT,
    // 8 SELLER_INSUFFICIENT_BALANCE (the side is named, so the sequencer can leave out the right order)
    error InvalidFill(uint256 fillIndex, uint8 reason);
    error InvalidBatch(uint8 reason); // 1 BATCH_ID, 2 TIMESTAMP, 3 CURSOR
    error NotOperator();
    error NotOwner();
    error NotAdmin();
    error UnknownAsset();
    error InvalidAmount();
    error InvalidParams();

    event AssetListed(uint32 indexed assetId, address token, uint8 decimals, string symbol);
    event MarketListed(uint32 indexed marketId, Market market);
    event OperatorSet(address indexed operator, bool enabled);
    event RequestQueued(uint64 indexed requestId, RequestKind kind, bytes32 indexed subaccount, uint32 assetId, uint128 amount);
    event Deposited(uint64 indexed requestId, bytes32 indexed subaccount, uint32 assetId, uint128 amount);
    event Withdrawn(uint64 indexed requestId, bytes32 indexed subaccount, uint32 assetId, uint128 amount);
    event WithdrawalRejected(uint64 indexed requestId, bytes32 indexed subaccount, uint32 assetId, uint128 amount);
    event BatchSettled(uint64 indexed batchId, bytes32 stateHash, uint64 timestamp, uint64 requestCursor, uint256 fillCount);

    event OrderCancelled(uint64 indexed requestId, bytes32 indexed subaccount, bytes32 indexed orderHash);
    event LinkedSignerSet(uint64 indexed requestId, bytes32 indexed subaccount, address signer, uint64 expiry);

    // --- admin (the Timelock) ---
    function listAsset(address token, string calldata symbol) external returns (uint32 assetId);
    function listMarket(uint32 marketId, Market calldata market) external;
    function setOperator(address operator, bool enabled) external;

    // --- users ---
    /// Pulls `tokenAmount` (token units) now; the balance is credited by the batch that processes the request.
    function deposit(bytes32 subaccount, uint32 assetId, uint256 tokenAmount) external returns (uint64 requestId);
    /// Owner only. Paid out by the batch that processes it, if the balance then covers it.
    function requestWithdrawal(bytes32 subaccount, uint32 assetId, uint256 tokenAmount) external returns (uint64 requestId);
    /// Owner only. Takes effect for settlement at once; engines apply it through the queue.
    function cancelUpTo(bytes32 subaccount, uint64 newMinNonce) external returns (uint64 requestId);
    /// Cancels orders on chain, for good: each one's `filled` becomes its amount, so no batch can
    /// fill it again, and a CancelOrder request per order tells the engine (which takes it off the
    /// book when a batch processes the request). The whole order is given, not just its hash, so
    /// the contract can check that the caller owns it; only the subaccount's owner may cancel.
    function cancelOrders(Order[] calldata orders) external returns (uint64 firstRequestId);
    /// Names (or, with the zero address, removes) the subaccount's linked signer; only its owner
    /// may. Settlement honours it at once; the engine learns it through the request queue.
    function setLinkedSigner(bytes32 subaccount, address signer, uint64 expiry) external returns (uint64 requestId);
    function linkedSigner(bytes32 subaccount) external view returns (address signer, uint64 expiry);

    // --- operators ---
    function settleBatch(Batch calldata batch) external;

    // --- views ---
    function balanceOf(bytes32 subaccount, uint32 assetId) external view returns (int256);
    function filled(bytes32 orderHash) external view returns (uint128);
    function minNonce(bytes32 subaccount) external view returns (uint64);
    function requestCount() external view returns (uint64);
    function processedRequests() external view returns (uint64);
    function getRequest(uint64 requestId) external view returns (Request memory);
    function lastBatchId() external view returns (uint64);
    function lastBatchTimestamp() external view returns (uint64);
    function lastStateHash() external view returns (bytes32);
    function domainSeparator() external view returns (bytes32);
    function orderHash(Order calldata order) external view returns (bytes32);
    function feeSubaccount() external view returns (bytes32);
    function assetCount() external view returns (uint32);
    function getAsset(uint32 assetId) external view returns (Asset memory);
    function marketIds() external view returns (uint32[] memory);
    function getMarket(uint32 marketId) external view returns (Market memory);
    function isOperator(address account) external view returns (bool);
    function maxBatchAge() external view returns (uint64);
}
