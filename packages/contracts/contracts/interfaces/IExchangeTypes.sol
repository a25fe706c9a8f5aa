// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title The Kestrel exchange's types, errors and events.
/// @notice Amounts inside the exchange are X18 fixed point (18 decimals) whatever the token's
///         decimals; balances are signed (a negative balance is a loan).
interface IExchangeTypes {
    /// The EIP-712 order, field for field (spec/orders.md).
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

    /// The feed round a batch prices a market with (spec/contracts.md: one price per batch).
    struct PriceRound {
        uint32 marketId;
        uint80 roundId;
    }

    /// A perp's funding rate for the interval just ended, X18; the contract clamps it.
    struct FundingUpdate {
        uint32 marketId;
        int128 rate;
    }

    /// A trader's de-risking plan (spec/orders.md, spec/de-risking.md), signed by the subaccount's owner.
    struct RiskPlan {
        bytes32 subaccount;
        uint32[] marketOrder; // reduced first to last (the engine follows it; the chain stores its bounds)
        uint16 maxSlippageBps; // the worst price a plan order accepts, from the index
        uint32 graceSeconds; // after a margin call, before the plan runs (capped by maxGraceSeconds)
        uint64 nonce; // a higher nonce replaces
    }

    struct SignedRiskPlan {
        RiskPlan plan;
        bytes signature;
    }

    /// Auto-deleveraging of a bankrupt account's perp position against `counterparties`, in the
    /// engine's ranking (profit × leverage), at the price that leaves its equity at zero.
    struct Deleverage {
        bytes32 subaccount;
        uint32 marketId;
        bytes32[] counterparties;
    }

    /// Applied in this order: interest accrues to `timestamp`; prices; funding; the request queue
    /// up to `requestCursor` (liquidations included); risk plans; the orders are checked (an
    /// order without a signature is a plan order for a flagged account past its grace window);
    /// the fills; then each plan order's account is checked for a lower maintenance requirement
    /// and every account a fill touched for margin; absorptions; deleveraging; each named margin
    /// call is set or cleared, and every moved balance and position is settled once.
    struct Batch {
        uint64 batchId; // lastBatchId + 1
        uint64 timestamp; // batch clock: non-decreasing, ≤ block.timestamp, ≥ block.timestamp − maxBatchAge
        uint64 requestCursor; // process the request queue up to (excluding) this index
        bytes32 stateHash; // the engine's state hash after the batch (recorded, not checked)
        PriceRound[] prices;
        FundingUpdate[] funding;
        SignedRiskPlan[] plans;
        SignedOrder[] orders;
        Fill[] fills;
        bytes32[] absorbs; // bankrupt accounts whose balances the insurance fund takes over
        Deleverage[] deleverages;
        bytes32[] marginCalls; // accounts whose margin-call flag the batch sets (H_MM < 0) or clears (H_MM ≥ 0)
    }

    enum RequestKind {
        Deposit,
        Withdrawal,
        CancelUpTo,
        CancelOrder,
        LinkedSigner,
        Liquidation,
        Config
    }

    /// A chain-side input, applied by the batch that moves the cursor past it.
    struct Request {
        RequestKind kind;
        bytes32 subaccount;
        uint32 assetId; // 0 for CancelUpTo and Config; the market for Liquidation (subaccount: the liquidator)
        uint128 amount; // X18 for deposits, withdrawals and liquidations; the new minNonce for CancelUpTo; the expiry for LinkedSigner
        bytes32 data; // CancelOrder: the order's digest; LinkedSigner: the signer's address (low 20 bytes); Liquidation: the account liquidated; Config: keccak256 of the change (configChange); else 0
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
        int64 takerFee; // X18 rate, ≥ 0, ≤ 0.01e18 (1%)
        string symbol;
    }

    /// A market's risk and perp parameters (spec/perps.md, spec/risk.md).
    struct MarketRisk {
        uint32 riskGroup; // the group the perp's notional counts in
        uint64 concIM; // X18 fraction charged on notional above concThreshold
        uint128 concThreshold; // X18 quote
        uint64 maxFundingRate; // perps: the largest rate one update may post, X18 per interval
        uint64 concMM; // the concentration charge for maintenance, ≤ concIM
    }

    /// De-risking parameters (spec/de-risking.md), X18 fractions unless named otherwise.
    struct DeRiskParams {
        uint64 backstopRatio; // equity below backstopRatio·R_MM: the backstop tier
        uint64 liquidationDiscount; // the liquidator's price concession, of the notional taken over
        uint64 insuranceShare; // the insurance fund's share of that concession
        uint32 maxGraceSeconds;
        uint32 defaultGraceSeconds; // for an account without a plan
        uint16 defaultSlippageBps; // for an account without a plan
    }

    /// A market's price feed: a Chainlink-compatible aggregator, read at the round a batch names.
    struct FeedConfig {
        address aggregator;
        uint32 maxStaleness; // seconds after publication a round stops counting
        uint32 maxRoundLag; // rounds a named round may trail the feed's latest
    }

    /// An asset's lending curve (spec/lending.md), X18 per year; the reserve share goes to the insurance fund.
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
    // 1 BAD_SIGNATURE (no signer, the zero address, or neither the owner nor its linked signer),
    // 2 UNKNOWN_MARKET, 3 NONCE_CANCELLED (below minNonce, or spent: by an order filled in full,
    // or by an IOC or FOK order that traded), 4 EXPIRED, 5 DUPLICATE (the same order twice in one
    // batch), 9 OFF_GRID (price off the tick or 0, amount off the lot or below the minimum size),
    // 10 BAD_FLAGS (unknown bits, self-trade mode 3, reduce-only on spot, a plan order not IOC),
    // 11 TAKER_EXPIRY (an IOC or FOK order without an expiry, or expiring more than
    // MAX_TAKER_LIFETIME after the batch), 12 FOK_UNFILLED (a FOK order not filled in full by its
    // batch), 13 PROTECTED (an order of the insurance fund's subaccount),
    // 14 PLAN_MARKET (a plan order in a market its plan does not name, or out of the plan's order)
    error InvalidOrder(uint256 orderIndex, uint8 reason);
    // reasons carried by InvalidFill
    // 1 BAD_INDEX, 2 MARKET_MISMATCH (different markets or same side), 3 PRICE (worse than a limit),
    // 4 OVERFILL, 6 SELF_TRADE, 7 ZERO_AMOUNT,
    // 9 MAKER_INSUFFICIENT_MARGIN, 10 TAKER_INSUFFICIENT_MARGIN: at the batch's end the account
    //   has initial health < 0 and lower than before its first fill; the fill named is the last one
    //   that touched it, and the side is the account's in that fill,
    // 11 MAKER_STALE_PRICE, 12 TAKER_STALE_PRICE: the market's price is stale and the fill adds
    //   risk for that side (grows a perp position, or spends more than the side holds),
    // 13 POSITION_OVERFLOW (a position past ±2^127), 14 POST_ONLY_TAKER (a post-only order as the
    // taker), 15 NOT_A_MAKER (an IOC or FOK order, or a plan order, as the maker: it never rests),
    // 16 REDUCE_ONLY (a reduce-only or plan order's fill would grow its exposure or flip it),
    // 17 OFF_LOT (a fill amount off the market's lot)
    // (5 and 8, the per-fill balance checks, gave way to the margin check.)
    // InvalidOrder for a plan order (no signature): 6 NOT_FLAGGED (not in margin call, or within
    // its grace window), 7 PLAN_PRICE (no fresh price, or beyond the plan's slippage bound),
    // 8 NOT_REDUCING (its account's maintenance requirement did not fall over the batch)
    // The side is named so the sequencer can leave out the right order.
    error InvalidFill(uint256 fillIndex, uint8 reason);
    // 1 BATCH_ID, 2 TIMESTAMP, 3 CURSOR, 4 PRICE (a round for a market without a feed, or older
    // than the last one used), 5 FUNDING (not a perp, or no price), 6 PLAN (a bad signature or
    // nonce, an unknown or repeated market, too many markets, slippage too wide), 7 MARGIN_CALL (a
    // named account whose flag would not change), 8 ABSORB (not bankrupt, or positions or
    // collateral left), 9 DELEVERAGE (not bankrupt, the fund could cover it, or a counterparty
    // without an opposite position or equity)
    error InvalidBatch(uint8 reason);
    /// A memory table of the batch is full: the batch touches more than it declared room for.
    error TableFull();
    /// Too little gas left for a payout's token call (PAYOUT_GAS).
    error NotEnoughGas();
    /// The Exchange is frozen (spec/contracts.md): no batch settles and no admin change is made.
    error Frozen();
    error NotFrozen();
    /// Neither the queue's head has waited forceDelay nor has the Exchange gone forceDelay without a batch.
    error NotStalled();
    /// The account's exit was paid already.
    error AlreadyExited();
    /// The second claim window (for the insurance fund's residual) is not over.
    error TooEarly();
    error NotOperator();
    /// an operator settling out of its turn (spec/contracts.md, the leader schedule)
    error NotLeader();
    error NotOwner();
    error NotAdmin();
    error UnknownAsset();
    error InvalidAmount();
    error InvalidParams();
    /// A queued change failed other than by breaking its setter's rules (e.g. starved of gas): the batch may not settle so.
    error ConfigFailed(uint64 requestId);

    event AssetListed(uint32 indexed assetId, address token, uint8 decimals, string symbol);
    event MarketListed(uint32 indexed marketId, Market market);
    event OperatorSet(address indexed operator, bool enabled);
    event LeaderTookOver(uint64 indexed epoch, address indexed operator);
    event RequestQueued(uint64 indexed requestId, RequestKind kind, bytes32 indexed subaccount, uint32 assetId, uint128 amount);
    event Deposited(uint64 indexed requestId, bytes32 indexed subaccount, uint32 assetId, uint128 amount);
    event Withdrawn(uint64 indexed requestId, bytes32 indexed subaccount, uint32 assetId, uint128 amount);
    event WithdrawalRejected(uint64 indexed requestId, bytes32 indexed subaccount, uint32 assetId, uint128 amount);
    event BatchSettled(uint64 indexed batchId, bytes32 stateHash, uint64 timestamp, uint64 requestCursor, uint256 fillCount);

    event MarketRiskSet(uint32 indexed marketId, MarketRisk risk);
    event FeedSet(uint32 indexed marketId, FeedConfig feed, uint8 decimals);
    event AssetRiskSet(uint32 indexed assetId, uint32 riskGroup, uint32 priceMarketId);
    event LendingCurveSet(uint32 indexed assetId, Curve curve);
    event RiskGroupSet(uint32 indexed groupId, uint64 shockIM, uint64 basisIM, uint64 shockMM, uint64 basisMM);
    event DeRiskParamsSet(DeRiskParams params);
    event RiskPlanSet(bytes32 indexed subaccount, uint64 nonce, uint16 maxSlippageBps, uint32 graceSeconds);
    event MarginCall(bytes32 indexed subaccount, uint64 flaggedAt);
    event MarginCallCleared(bytes32 indexed subaccount);
    event Liquidated(
        uint64 indexed requestId, bytes32 indexed subaccount, bytes32 liquidator, uint32 marketId, uint256 amount, uint256 quote, uint256 insuranceShare
    );
    event LiquidationRejected(uint64 indexed requestId, bytes32 indexed subaccount, uint8 reason);
    event Absorbed(bytes32 indexed subaccount, uint256 deficit);
    event Deleveraged(bytes32 indexed subaccount, bytes32 indexed counterparty, uint32 marketId, uint256 amount, uint256 quote);
    event PnlWeightSet(uint64 pnlWeight);
    /// A listing or parameter change queued by the admin: the setter's call, applied by the batch
    /// that moves the request cursor past it (spec/contracts.md, "Listing and parameter changes").
    event ConfigQueued(uint64 indexed requestId, bytes change);
    event ConfigApplied(uint64 indexed requestId, uint64 indexed batchId);
    /// The change broke a rule of its setter when its batch applied it (`reason`: the error's selector); nothing changed.
    event ConfigRefused(uint64 indexed requestId, uint64 indexed batchId, bytes4 reason);
    event PriceUsed(uint32 indexed marketId, uint80 roundId, uint256 price, uint256 publishedAt);
    event FundingUpdated(uint32 indexed marketId, int256 rate, int256 cumFunding);
    event InterestAccrued(uint32 indexed assetId, uint256 interest, uint256 reserve);

    /// A payout the token refused (the owner blacklisted, the token paused…): claimable by `owner`.
    event PayoutDeferred(address indexed owner, uint32 assetId, uint256 amount);
    event Claimed(address indexed owner, uint32 assetId, address to, uint256 amount);

    event ExchangeFrozen(uint64 frozenAt);
    event FreezePrice(uint32 indexed marketId, uint256 price);
    event ExitRegistered(bytes32 indexed subaccount, int256 equity, bool late);
    event ExitPaid(bytes32 indexed subaccount, address owner, uint256[] amounts);
    event DepositReclaimed(uint64 indexed requestId, bytes32 indexed subaccount, uint32 assetId, uint256 amount);
    event ResidualTaken(address owner, uint256[] amounts);

    event OrderCancelled(uint64 indexed requestId, bytes32 indexed subaccount, bytes32 indexed orderHash);
    event LinkedSignerSet(uint64 indexed requestId, bytes32 indexed subaccount, address signer, uint64 expiry);
}
