// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title The Kestrel exchange's types, errors and events.
/// @notice Amounts inside the exchange are X18 fixed point (18 decimals) whatever the token's
///         decimals; balances are signed (a negative balance is a loan).
interface IExchangeTypes {
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

    /// The feed round a batch prices a market with (DESIGN §10: one price per batch).
    struct PriceRound {
        uint32 marketId;
        uint80 roundId;
    }

    /// A perp's funding rate for the interval just ended, X18; the contract clamps it.
    struct FundingUpdate {
        uint32 marketId;
        int128 rate;
    }

    /// Applied in this order: interest accrues to `timestamp`; prices; funding; the request queue
    /// up to `requestCursor`; the orders are checked; the fills; then every moved balance and
    /// position is settled once and every account a fill touched is checked for margin.
    struct Batch {
        uint64 batchId; // lastBatchId + 1
        uint64 timestamp; // batch clock: non-decreasing, ≤ block.timestamp, ≥ block.timestamp − maxBatchAge
        uint64 requestCursor; // process the request queue up to (excluding) this index
        bytes32 stateHash; // the engine's state hash after the batch (recorded, not checked)
        PriceRound[] prices;
        FundingUpdate[] funding;
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

    enum MarketKind {
        Spot,
        Perp
    }

    struct Market {
        MarketKind kind; // fixed at listing
        uint32 baseAssetId; // spot: the asset bought and sold; perp: the underlying (informative)
        uint32 quoteAssetId; // 0, the quote stablecoin
        bool active;
        uint128 tickSize;
        uint128 lotSize;
        uint128 minSize;
        int64 makerFee; // X18 rate; may be negative (rebate), |makerFee| ≤ takerFee
        int64 takerFee; // X18 rate, ≥ 0, ≤ 0.1e18
        string symbol;
    }

    /// A market's risk and perp parameters (DESIGN §7, §8).
    struct MarketRisk {
        uint32 riskGroup; // the group the perp's notional counts in
        uint64 concIM; // X18 fraction charged on notional above concThreshold
        uint128 concThreshold; // X18 quote
        uint64 maxFundingRate; // perps: the largest rate one update may post, X18 per interval
    }

    /// A market's price feed: a Chainlink-compatible aggregator, read at the round a batch names.
    struct FeedConfig {
        address aggregator;
        uint32 maxStaleness; // seconds after publication a round stops counting
        uint32 maxRoundLag; // rounds a named round may trail the feed's latest
    }

    /// An asset's lending curve (DESIGN §6), X18 per year; the reserve share goes to the insurance fund.
    struct Curve {
        uint64 baseRate;
        uint64 slope1;
        uint64 slope2;
        uint64 kink;
        uint64 reserveFactor;
    }

    /// An asset's lending pool: scaled totals and indexes, X18.
    struct PoolState {
        uint128 supplyScaled;
        uint128 borrowScaled;
        uint128 supplyIndex;
        uint128 borrowIndex;
        uint64 lastAccrual;
    }

    /// A perp position, X18: uPnL = vQuote + size·index; funding since lastCumFunding is owed.
    struct Position {
        int128 size;
        int128 vQuote;
        int256 lastCumFunding;
    }

    // reasons carried by InvalidOrder
    // 1 BAD_SIGNATURE, 2 UNKNOWN_MARKET, 3 NONCE_CANCELLED (below minNonce, or spent by a filled
    // order), 4 EXPIRED, 5 DUPLICATE (the same order twice in one batch)
    error InvalidOrder(uint256 orderIndex, uint8 reason);
    // reasons carried by InvalidFill
    // 1 BAD_INDEX, 2 MARKET_MISMATCH (different markets or same side), 3 PRICE (worse than a limit),
    // 4 OVERFILL, 6 SELF_TRADE, 7 ZERO_AMOUNT,
    // 9 MAKER_INSUFFICIENT_MARGIN, 10 TAKER_INSUFFICIENT_MARGIN: at the batch's end the account
    //   has initial health < 0 and lower than before its first fill; the fill named is the last one
    //   that touched it, and the side is the account's in that fill,
    // 11 MAKER_STALE_PRICE, 12 TAKER_STALE_PRICE: the market's price is stale and the fill adds
    //   risk for that side (grows a perp position, or spends more than the side holds),
    // 13 POSITION_OVERFLOW (a position past ±2^127)
    // (5 and 8, the per-fill balance checks, gave way to the margin check.)
    // The side is named so the sequencer can leave out the right order.
    error InvalidFill(uint256 fillIndex, uint8 reason);
    // 1 BATCH_ID, 2 TIMESTAMP, 3 CURSOR, 4 PRICE (a round for a market without a feed, or older
    // than the last one used), 5 FUNDING (not a perp, or no price)
    error InvalidBatch(uint8 reason);
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

    event MarketRiskSet(uint32 indexed marketId, MarketRisk risk);
    event FeedSet(uint32 indexed marketId, FeedConfig feed, uint8 decimals);
    event AssetRiskSet(uint32 indexed assetId, uint32 riskGroup, uint32 priceMarketId);
    event LendingCurveSet(uint32 indexed assetId, Curve curve);
    event RiskGroupSet(uint32 indexed groupId, uint64 shockIM, uint64 basisIM);
    event PnlWeightSet(uint64 pnlWeight);
    event PriceUsed(uint32 indexed marketId, uint80 roundId, uint256 price, uint256 publishedAt);
    event FundingUpdated(uint32 indexed marketId, int256 rate, int256 cumFunding);
    event InterestAccrued(uint32 indexed assetId, uint256 interest, uint256 reserve);

    event OrderCancelled(uint64 indexed requestId, bytes32 indexed subaccount, bytes32 indexed orderHash);
    event LinkedSignerSet(uint64 indexed requestId, bytes32 indexed subaccount, address signer, uint64 expiry);
}
