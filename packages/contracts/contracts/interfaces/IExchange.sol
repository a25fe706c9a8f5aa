// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IExchangeTypes} from "./IExchangeTypes.sol";

/// @title The Kestrel exchange: vault, request queue, batch settlement, lending and perps.
/// @notice Every function of the Exchange and of its extension, as one interface: call the
///         Exchange's address through it.
interface IExchange is IExchangeTypes {
    /// A risk group's charges, X18 fractions.
    struct RiskGroupView {
        uint64 shockIM;
        uint64 basisIM;
        bool configured;
        uint64 shockMM;
        uint64 basisMM;
    }

    /// A subaccount's risk plan bounds.
    struct PlanView {
        uint64 nonce;
        uint16 maxSlippageBps;
        uint32 graceSeconds;
        bool set;
        /// how many markets the plan names (`riskPlanMarkets`)
        uint8 marketCount;
    }

    // --- admin (the Timelock) ---
    function listAsset(address token, string calldata symbol) external;
    function listAssetWithDecimals(address token, string calldata symbol, uint8 decimals) external;
    function listMarket(uint32 marketId, Market calldata market) external;
    function setOperator(address operator, bool enabled) external;
    /// Risk and perp parameters of a listed market.
    function setMarketRisk(uint32 marketId, MarketRisk calldata risk) external;
    /// The market's price feed (decimals are read from it); the zero address removes it.
    function setPriceFeed(uint32 marketId, FeedConfig calldata feed) external;
    function setPriceFeedWithDecimals(uint32 marketId, FeedConfig calldata feed, uint8 decimals) external;
    /// Only the Exchange itself, at the end of settleBatch.
    function applyConfigs(uint64 cursor, uint64 batchId) external;
    function configChange(uint64 requestId) external view returns (bytes memory);
    function configQueue() external view returns (uint64 head, uint64 tail, uint64 lastAppliedBatch);
    /// The risk group an asset counts in and the market whose price values it (0: none).
    function setAssetRisk(uint32 assetId, uint32 riskGroup, uint32 priceMarketId) external;
    /// The asset's lending curve; interest accrues from the next batch.
    function setLendingCurve(uint32 assetId, Curve calldata curve) external;
    /// A risk group's shock and basis charges, X18 fractions in [0, 1], maintenance ≤ initial.
    function setRiskGroup(uint32 groupId, uint64 shockIM, uint64 basisIM, uint64 shockMM, uint64 basisMM) external;
    /// The backstop, liquidation discount, insurance share and the defaults of accounts without a plan.
    function setDeRiskParams(DeRiskParams calldata params) external;
    /// The share of positive uPnL that counts toward initial health, X18 in [0, 1].
    function setPnlWeight(uint64 pnlWeight) external;

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
    /// The backstop (spec/de-risking.md): queues the take-over of up to `amount` (X18 base) of `subaccount`'s
    /// exposure in `marketId` by `liquidator` (a subaccount of the caller). The batch that
    /// processes it checks the tier, caps the amount (half per step unless bankrupt), prices it at
    /// the index less the discount and checks the liquidator's initial health.
    function liquidate(bytes32 liquidator, bytes32 subaccount, uint32 marketId, uint128 amount) external returns (uint64 requestId);
    function linkedSigner(bytes32 subaccount) external view returns (address signer, uint64 expiry);
    /// Pays the caller what a withdrawal or an exit could not pay it (the token refused), to `to`.
    function claim(uint32 assetId, address to) external returns (uint256 amount);

    // --- the escape hatch (frozen mode) ---
    /// Whether anyone may freeze: the queue's head has waited longer than forceDelay, or no batch
    /// has landed for forceDelay.
    function stalled() external view returns (bool);
    /// Freezes the Exchange for good (anyone, once stalled): no batch settles, no admin change is
    /// made, prices are fixed at each feed's latest valid round.
    function freeze() external;
    /// Registers the account's claim (within the claim window: with the others; after: late) and,
    /// once the window is over, pays it to the account's owner. Anyone may call it for anyone.
    function exitFrozen(bytes32 subaccount) external returns (uint256[] memory paid);
    /// After a second window, pays the insurance fund's owner what no claim reserves.
    function takeResidual() external returns (uint256[] memory amounts);
    /// In frozen mode, sends a deposit no batch credited back to its subaccount's owner.
    function reclaimDeposit(uint64 requestId) external;

    // --- operators ---
    /// Only the epoch's leader, or after a stall the next operators in turn (spec/contracts.md).
    function settleBatch(Batch calldata batch) external;
    /// The leader schedule's check, which settleBatch runs on its own Exchange: callable by the
    /// Exchange alone.
    function admitSettler(address sender) external;
    /// The operators in schedule order: epoch e is led by operators()[e % n].
    function operators() external view returns (address[] memory);
    /// The operator leading at block time `t`, counting a takeover of `t`'s epoch (0: no operators).
    function leaderAt(uint64 t) external view returns (address);
    /// Epoch length and takeover delay (seconds), block time of the last batch, and the last
    /// takeover (operator and epoch; address(0) before any).
    function schedule()
        external
        view
        returns (uint64 epochSeconds, uint64 takeoverSeconds, uint64 lastSettledAt, address actingLeader, uint64 actingEpoch);

    // --- views ---
    /// The balance, X18 (negative: borrowed), at the asset's indexes as of the last batch.
    function balanceOf(bytes32 subaccount, uint32 assetId) external view returns (int256);
    /// The balance as stored: scaled by the supply index (≥ 0) or the borrow index (< 0).
    function scaledBalanceOf(bytes32 subaccount, uint32 assetId) external view returns (int256);
    function positionOf(bytes32 subaccount, uint32 marketId) external view returns (Position memory);
    function cumFunding(uint32 marketId) external view returns (int256);
    function pool(uint32 assetId) external view returns (PoolState memory);
    /// The price a batch last used for the market, X18, and when its round was published.
    function price(uint32 marketId) external view returns (uint256 value, uint256 publishedAt);
    function insuranceSubaccount() external view returns (bytes32);
    /// How much of a partly filled order is filled (its amount once cancelled on chain); 0 for an
    /// order filled in full within one batch — `nonceSpent` records those.
    function filled(bytes32 orderHash) external view returns (uint128);
    /// Whether an order of the subaccount with this nonce was filled in full.
    function nonceSpent(bytes32 subaccount, uint64 nonce) external view returns (bool);
    function minNonce(bytes32 subaccount) external view returns (uint64);
    function pnlWeight() external view returns (uint64);
    function admin() external view returns (address);
    function requestCount() external view returns (uint64);
    function processedRequests() external view returns (uint64);
    function getRequest(uint64 requestId) external view returns (Request memory);
    function lastBatchId() external view returns (uint64);
    function lastBatchTimestamp() external view returns (uint64);
    function lastStateHash() external view returns (bytes32);
    function domainSeparator() external view returns (bytes32);
    /// The EIP-712 type hash of `Order`.
    function ORDER_TYPEHASH() external view returns (bytes32);
    function orderHash(Order calldata order) external view returns (bytes32);
    function riskPlanHash(RiskPlan calldata plan) external view returns (bytes32);
    function feeSubaccount() external view returns (bytes32);
    function assetCount() external view returns (uint32);
    function getAsset(uint32 assetId) external view returns (Asset memory);
    function marketIds() external view returns (uint32[] memory);
    function getMarket(uint32 marketId) external view returns (Market memory);
    function getMarketRisk(uint32 marketId) external view returns (MarketRisk memory);
    function initialHealth(bytes32 subaccount) external view returns (bool priced, int256 health);
    /// The market's feed settings and the feed's decimals (zero address: none).
    function priceFeed(uint32 marketId) external view returns (FeedConfig memory feed, uint8 decimals);
    /// The risk group an asset counts in and the market that prices it (0: none).
    function assetRisk(uint32 assetId) external view returns (uint32 riskGroup, uint32 priceMarketId);
    /// The asset's lending curve, if it has one.
    function lendingCurve(uint32 assetId) external view returns (bool set, Curve memory curve);
    /// Every configured risk group, in the order first configured.
    function riskGroupIds() external view returns (uint32[] memory);
    function riskGroup(uint32 groupId) external view returns (RiskGroupView memory);
    function deRiskParams() external view returns (DeRiskParams memory);
    function riskPlanOf(bytes32 subaccount) external view returns (PlanView memory);
    /// Equity and the maintenance requirement at the last batch's prices.
    function maintenance(bytes32 subaccount) external view returns (bool priced, int256 equity, int256 requirement);
    /// When the batch that flagged the subaccount's margin call ran (0: not flagged).
    function marginCallAt(bytes32 subaccount) external view returns (uint64);
    function isOperator(address account) external view returns (bool);
    function maxBatchAge() external view returns (uint64);
    function forceDelay() external view returns (uint64);
    function claimWindow() external view returns (uint64);
    function devnet() external view returns (bool);
    function configHash() external view returns (bytes32);
    /// The markets the subaccount's risk plan names, in its order.
    function riskPlanMarkets(bytes32 subaccount) external view returns (uint32[] memory);
    /// Block time of the last batch (the deployment's before the first).
    function lastSettledAt() external view returns (uint64);
    /// When the Exchange was frozen (0 while live).
    function frozenAt() external view returns (uint64);
    /// Token units a refused payout left for `owner` to claim.
    function claimable(address owner, uint32 assetId) external view returns (uint256);
    /// The market's price at the freeze, X18.
    function freezePrice(uint32 marketId) external view returns (uint256);
    /// 0 not registered, 1 registered within the window, 2 after it, 3 paid.
    function exitState(bytes32 subaccount) external view returns (uint8);
    /// The account's claim per asset (token units) and its equity at the freeze prices (X18).
    function exitClaim(bytes32 subaccount) external view returns (uint256[] memory claim, int256 equity);
    /// True once `reclaimDeposit` sent the deposit back.
    function depositReclaimed(uint64 requestId) external view returns (bool);
}
