/** Binds every action to a client: `client.getBook(p)` is `getBook(client, p)`. */
import { buildOrder, type BuildOrderParameters, type BuildOrderReturnType } from './actions/buildOrder.js';
import { cancelAll, type CancelAllParameters, type CancelAllReturnType } from './actions/cancelAll.js';
import { cancelByClientId, type CancelByClientIdParameters, type CancelByClientIdReturnType } from './actions/cancelByClientId.js';
import { cancelOrders, type CancelOrdersParameters, type CancelOrdersReturnType } from './actions/cancelOrders.js';
import { cancelUpTo, type CancelUpToParameters, type CancelUpToReturnType } from './actions/cancelUpTo.js';
import { cancelOrdersOnChain, type CancelOrdersOnChainParameters, type CancelOrdersOnChainReturnType } from './actions/cancelOrdersOnChain.js';
import { setLinkedSigner, type SetLinkedSignerParameters, type SetLinkedSignerReturnType } from './actions/setLinkedSigner.js';
import { setRiskPlan, type SetRiskPlanParameters, type SetRiskPlanReturnType } from './actions/setRiskPlan.js';
import { getRisk, type GetRiskReturnType } from './actions/getRisk.js';
import { liquidate, type LiquidateParameters, type LiquidateReturnType } from './actions/liquidate.js';
import { freezeIfStalled, type FreezeIfStalledReturnType } from './actions/freezeIfStalled.js';
import { exit, type ExitParameters, type ExitReturnType } from './actions/exit.js';
import { claimPayout, type ClaimPayoutParameters, type ClaimPayoutReturnType } from './actions/claimPayout.js';
import { reclaimDeposit, type ReclaimDepositParameters, type ReclaimDepositReturnType } from './actions/reclaimDeposit.js';
import { simulate, type SimulateParameters, type SimulateReturnType } from './actions/simulate.js';
import { deposit, type DepositParameters, type DepositReturnType } from './actions/deposit.js';
import { getAccount, type GetAccountParameters, type GetAccountReturnType } from './actions/getAccount.js';
import { getBook, type GetBookParameters, type GetBookReturnType } from './actions/getBook.js';
import { getFills, type GetFillsParameters, type GetFillsReturnType } from './actions/getFills.js';
import { getFundingHistory, type GetFundingHistoryParameters, type GetFundingHistoryReturnType } from './actions/getFundingHistory.js';
import { getOrderHistory, type GetOrderHistoryParameters, type GetOrderHistoryReturnType } from './actions/getOrderHistory.js';
import { getTrades, type GetTradesParameters, type GetTradesReturnType } from './actions/getTrades.js';
import { getChainBalance, type GetChainBalanceParameters, type GetChainBalanceReturnType } from './actions/getChainBalance.js';
import { getDomain, type GetDomainReturnType } from './actions/getDomain.js';
import { getHealth, type GetHealthReturnType } from './actions/getHealth.js';
import { getInfo, type GetInfoReturnType } from './actions/getInfo.js';
import { getMarkets, type GetMarketsReturnType } from './actions/getMarkets.js';
import { getOrder, type GetOrderParameters, type GetOrderReturnType } from './actions/getOrder.js';
import { mintTestTokens, type MintTestTokensParameters, type MintTestTokensReturnType } from './actions/mintTestTokens.js';
import { placeMarketOrder, type PlaceMarketOrderParameters, type PlaceMarketOrderReturnType } from './actions/placeMarketOrder.js';
import { placeOrder, type PlaceOrderParameters, type PlaceOrderReturnType } from './actions/placeOrder.js';
import { placeOrders, type PlaceOrdersParameters, type PlaceOrdersReturnType } from './actions/placeOrders.js';
import { requestWithdrawal, type RequestWithdrawalParameters, type RequestWithdrawalReturnType } from './actions/requestWithdrawal.js';
import { signOrder, type SignOrderParameters, type SignOrderReturnType } from './actions/signOrder.js';
import { waitForOrder, type WaitForOrderParameters, type WaitForOrderReturnType } from './actions/waitForOrder.js';
import { subscribeAccount, type SubscribeAccountParameters, type SubscribeAccountReturnType } from './actions/subscribeAccount.js';
import { subscribeBatches, type SubscribeBatchesParameters, type SubscribeBatchesReturnType } from './actions/subscribeBatches.js';
import { subscribeBook, type SubscribeBookParameters, type SubscribeBookReturnType } from './actions/subscribeBook.js';
import { subscribeTrades, type SubscribeTradesParameters, type SubscribeTradesReturnType } from './actions/subscribeTrades.js';
import type { KestrelBaseClient } from './client.js';

/** Every action, bound to a client. See each action's own documentation. */
export interface KestrelActions {
  /** `GET /v1/info`: chain id, exchange, node and listed assets. See {@link getInfo}. */
  getInfo(): Promise<GetInfoReturnType>;
  /** `GET /v1/markets`. See {@link getMarkets}. */
  getMarkets(): Promise<GetMarketsReturnType>;
  /** The EIP-712 domain orders are signed under. See {@link getDomain}. */
  getDomain(): Promise<GetDomainReturnType>;
  /** The aggregated book of a market. See {@link getBook}. */
  getBook(parameters: GetBookParameters): Promise<GetBookReturnType>;
  /** A market's trades, newest first, a page at a time. See {@link getTrades}. */
  getTrades(parameters: GetTradesParameters): Promise<GetTradesReturnType>;
  /** A perp's funding after each batch that updated it. See {@link getFundingHistory}. */
  getFundingHistory(parameters: GetFundingHistoryParameters): Promise<GetFundingHistoryReturnType>;
  /** A subaccount's fills, newest first, a page at a time. See {@link getFills}. */
  getFills(parameters?: GetFillsParameters): Promise<GetFillsReturnType>;
  /** Every status change of a subaccount's orders, with its reason. See {@link getOrderHistory}. */
  getOrderHistory(parameters?: GetOrderHistoryParameters): Promise<GetOrderHistoryReturnType>;
  /** Streams a market's book, whole after each change. See {@link subscribeBook}. */
  subscribeBook(parameters: SubscribeBookParameters): SubscribeBookReturnType;
  /** Streams a market's trades, resuming after a reconnect with none missed or repeated. See {@link subscribeTrades}. */
  subscribeTrades(parameters: SubscribeTradesParameters): SubscribeTradesReturnType;
  /** Streams a subaccount and its margin calls. See {@link subscribeAccount}. */
  subscribeAccount(parameters: SubscribeAccountParameters): SubscribeAccountReturnType;
  /** Streams the batches the node commits. See {@link subscribeBatches}. */
  subscribeBatches(parameters: SubscribeBatchesParameters): SubscribeBatchesReturnType;
  /** An order's status, fills and settlement. See {@link getOrder}. */
  getOrder(parameters: GetOrderParameters): Promise<GetOrderReturnType>;
  /** A subaccount's balances and open orders, as the node sees them. See {@link getAccount}. */
  getAccount(parameters?: GetAccountParameters): Promise<GetAccountReturnType>;
  /** The node's role, batch heights and state hash. See {@link getHealth}. */
  getHealth(): Promise<GetHealthReturnType>;
  /** Builds an order from decimal strings, checked against its market. See {@link buildOrder}. */
  buildOrder(parameters: BuildOrderParameters): Promise<BuildOrderReturnType>;
  /** Signs an order (EIP-712). See {@link signOrder}. */
  signOrder(parameters: SignOrderParameters): Promise<SignOrderReturnType>;
  /** Builds, signs and sends an order, or sends a signed one. See {@link placeOrder}. */
  placeOrder(parameters: PlaceOrderParameters): Promise<PlaceOrderReturnType>;
  /** Sends up to 50 orders in one request, each judged on its own. See {@link placeOrders}. */
  placeOrders(parameters: PlaceOrdersParameters): Promise<PlaceOrdersReturnType>;
  /** Signed off-chain cancel of orders by hash. See {@link cancelOrders}. */
  cancelOrders(parameters: CancelOrdersParameters): Promise<CancelOrdersReturnType>;
  /** An IOC order at the best opposite price plus a slippage. See {@link placeMarketOrder}. */
  placeMarketOrder(parameters: PlaceMarketOrderParameters): Promise<PlaceMarketOrderReturnType>;
  /** Cancels open orders by their client ids. See {@link cancelByClientId}. */
  cancelByClientId(parameters: CancelByClientIdParameters): Promise<CancelByClientIdReturnType>;
  /** Signed off-chain cancel of every order in a market, or everywhere. See {@link cancelAll}. */
  cancelAll(parameters?: CancelAllParameters): Promise<CancelAllReturnType>;
  /** The risk parameters and index prices. See {@link getRisk}. */
  getRisk(): Promise<GetRiskReturnType>;
  /** Health before and after hypothetical trades, deposits, withdrawals. See {@link simulate}. */
  simulate(parameters: SimulateParameters): Promise<SimulateReturnType>;
  /** Signs and sends the subaccount's de-risking plan. See {@link setRiskPlan}. */
  setRiskPlan(parameters: SetRiskPlanParameters): Promise<SetRiskPlanReturnType>;
  /** Polls an order until a condition holds. See {@link waitForOrder}. */
  waitForOrder(parameters: WaitForOrderParameters): Promise<WaitForOrderReturnType>;
  /** Deposits tokens into a subaccount on the Exchange. See {@link deposit}. */
  deposit(parameters: DepositParameters): Promise<DepositReturnType>;
  /** Queues a withdrawal on the Exchange. See {@link requestWithdrawal}. */
  requestWithdrawal(parameters: RequestWithdrawalParameters): Promise<RequestWithdrawalReturnType>;
  /** The settled balance on the Exchange, X18. See {@link getChainBalance}. */
  getChainBalance(parameters: GetChainBalanceParameters): Promise<GetChainBalanceReturnType>;
  /** Raises the minimum nonce on chain: the hard cancel. See {@link cancelUpTo}. */
  cancelUpTo(parameters: CancelUpToParameters): Promise<CancelUpToReturnType>;
  /** Cancels given orders on chain, for good. See {@link cancelOrdersOnChain}. */
  cancelOrdersOnChain(parameters: CancelOrdersOnChainParameters): Promise<CancelOrdersOnChainReturnType>;
  /** Names (or removes) a subaccount's trading key. See {@link setLinkedSigner}. */
  setLinkedSigner(parameters: SetLinkedSignerParameters): Promise<SetLinkedSignerReturnType>;
  /** The backstop: take over part of an account's exposure. See {@link liquidate}. */
  liquidate(parameters: LiquidateParameters): Promise<LiquidateReturnType>;
  /** The escape hatch: freeze the Exchange if its operators stopped or censor. See {@link freezeIfStalled}. */
  freezeIfStalled(): Promise<FreezeIfStalledReturnType>;
  /** Leave a frozen Exchange: register the claim, then be paid. See {@link exit}. */
  exit(parameters?: ExitParameters): Promise<ExitReturnType>;
  /** Claim a payout a token refused. See {@link claimPayout}. */
  claimPayout(parameters: ClaimPayoutParameters): Promise<ClaimPayoutReturnType>;
  /** In frozen mode, take back a deposit no batch credited. See {@link reclaimDeposit}. */
  reclaimDeposit(parameters: ReclaimDepositParameters): Promise<ReclaimDepositReturnType>;
  /** Devnet faucet. See {@link mintTestTokens}. */
  mintTestTokens(parameters: MintTestTokensParameters): Promise<MintTestTokensReturnType>;
}

/** The decorator `createKestrelClient` applies; use it with `extend` on a base client. */
export function kestrelActions(client: KestrelBaseClient): KestrelActions {
  return {
    getInfo: () => getInfo(client),
    getMarkets: () => getMarkets(client),
    getDomain: () => getDomain(client),
    getBook: (p) => getBook(client, p),
    getTrades: (p) => getTrades(client, p),
    getFundingHistory: (p) => getFundingHistory(client, p),
    getFills: (p) => getFills(client, p),
    getOrderHistory: (p) => getOrderHistory(client, p),
    subscribeBook: (p) => subscribeBook(client, p),
    subscribeTrades: (p) => subscribeTrades(client, p),
    subscribeAccount: (p) => subscribeAccount(client, p),
    subscribeBatches: (p) => subscribeBatches(client, p),
    getOrder: (p) => getOrder(client, p),
    getAccount: (p) => getAccount(client, p),
    getHealth: () => getHealth(client),
    buildOrder: (p) => buildOrder(client, p),
    signOrder: (p) => signOrder(client, p),
    placeOrder: (p) => placeOrder(client, p),
    placeOrders: (p) => placeOrders(client, p),
    placeMarketOrder: (p) => placeMarketOrder(client, p),
    cancelByClientId: (p) => cancelByClientId(client, p),
    cancelOrders: (p) => cancelOrders(client, p),
    cancelAll: (p) => cancelAll(client, p),
    setRiskPlan: (p) => setRiskPlan(client, p),
    getRisk: () => getRisk(client),
    simulate: (p) => simulate(client, p),
    waitForOrder: (p) => waitForOrder(client, p),
    deposit: (p) => deposit(client, p),
    requestWithdrawal: (p) => requestWithdrawal(client, p),
    getChainBalance: (p) => getChainBalance(client, p),
    cancelUpTo: (p) => cancelUpTo(client, p),
    cancelOrdersOnChain: (p) => cancelOrdersOnChain(client, p),
    setLinkedSigner: (p) => setLinkedSigner(client, p),
    mintTestTokens: (p) => mintTestTokens(client, p),
    liquidate: (p) => liquidate(client, p),
    freezeIfStalled: () => freezeIfStalled(client),
    exit: (p) => exit(client, p),
    claimPayout: (p) => claimPayout(client, p),
    reclaimDeposit: (p) => reclaimDeposit(client, p),
  };
}
