/**
 * @packageDocumentation
 * `@kestrel/sdk` — build, sign and send Kestrel orders, read a node's view of the market, and
 * move tokens in and out of the Exchange contract. Actions are plain functions
 * `(client, parameters)`, one per file, each with its `…Parameters` and `…ReturnType`;
 * `createKestrelClient` binds them all. Prices and amounts go in as exact decimal strings in
 * human units (`'1850.25'`) and are signed as X18 integers; nothing is rounded. Every error is a
 * {@link KestrelSdkError} with a stable `code`; the node's own rejections are
 * {@link KestrelApiError}s carrying the node's code.
 *
 * @example
 * ```ts
 * import { createKestrelClient } from '@kestrel/sdk';
 * import { createPublicClient, createWalletClient, http } from 'viem';
 * import { privateKeyToAccount } from 'viem/accounts';
 * import { foundry } from 'viem/chains';
 *
 * // the first test account `kestrel devnet` prints (a publicly known key: devnet only)
 * const account = privateKeyToAccount('0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6');
 * const transport = http('http://127.0.0.1:8545');
 * const client = createKestrelClient({
 *   nodeUrl: 'http://127.0.0.1:9545',
 *   // the Exchange `kestrel devnet` prints: yours to know, never taken from the node
 *   exchange: '0xb7f8bc63bbcad18155201308c8f3540b07f84f5e',
 *   account,
 *   publicClient: createPublicClient({ chain: foundry, transport }),
 *   walletClient: createWalletClient({ chain: foundry, transport, account }),
 * });
 *
 * await client.mintTestTokens({ symbol: 'USDC', amount: '10000' });
 * await client.deposit({ symbol: 'USDC', amount: '10000' });
 *
 * const { orderHash } = await client.placeOrder({
 *   symbol: 'WETH/USDC',
 *   side: 'buy',
 *   price: '1850.25',
 *   amount: '1.5',
 *   timeInForce: 'POST_ONLY',
 * });
 * const book = await client.getBook({ symbol: 'WETH/USDC', depth: 5 });
 * console.log(book.bids[0]); // ['1850.25', '1.5']
 * await client.cancelOrders({ orderHashes: [orderHash] });
 * ```
 */

// client
export {
  createKestrelBaseClient,
  DEFAULT_POLLING_INTERVAL_MS,
  DEFAULT_TIMEOUT_MS,
  NONCE_LANES,
  type KestrelBaseClient,
  type KestrelClientCache,
  type KestrelClientConfig,
} from './client.js';
export { createKestrelClient, type KestrelClient } from './createKestrelClient.js';
export { kestrelActions, type KestrelActions } from './decorators.js';

// errors
export {
  KestrelApiError,
  KestrelSdkError,
  SdkErrorCode,
  SDK_VERSION,
  isKestrelError,
  type KestrelApiErrorOptions,
  type KestrelErrorCode,
  type KestrelSdkErrorOptions,
} from './errors.js';

// node actions
export { getInfo, type GetInfoErrorType, type GetInfoParameters, type GetInfoReturnType } from './actions/getInfo.js';
export { getMarkets, type GetMarketsErrorType, type GetMarketsParameters, type GetMarketsReturnType } from './actions/getMarkets.js';
export { getDomain, type GetDomainErrorType, type GetDomainParameters, type GetDomainReturnType } from './actions/getDomain.js';
export { getBook, type GetBookErrorType, type GetBookParameters, type GetBookReturnType } from './actions/getBook.js';
export { getTrades, type GetTradesErrorType, type GetTradesParameters, type GetTradesReturnType } from './actions/getTrades.js';
export { getFills, type GetFillsErrorType, type GetFillsParameters, type GetFillsReturnType } from './actions/getFills.js';
export { getOrderHistory, type GetOrderHistoryErrorType, type GetOrderHistoryParameters, type GetOrderHistoryReturnType } from './actions/getOrderHistory.js';
export {
  getFundingHistory,
  type GetFundingHistoryErrorType,
  type GetFundingHistoryParameters,
  type GetFundingHistoryReturnType,
} from './actions/getFundingHistory.js';
export type { PageParameters } from './utils/pages.js';

// streams
export { subscribeBook, type SubscribeBookParameters, type SubscribeBookReturnType } from './actions/subscribeBook.js';
export { subscribeTrades, type SubscribeTradesParameters, type SubscribeTradesReturnType } from './actions/subscribeTrades.js';
export {
  subscribeAccount,
  type AccountStreamUpdate,
  type SubscribeAccountParameters,
  type SubscribeAccountReturnType,
} from './actions/subscribeAccount.js';
export { subscribeBatches, type SubscribeBatchesParameters, type SubscribeBatchesReturnType } from './actions/subscribeBatches.js';
export type { KestrelSubscription, StreamHandlers, StreamStatus } from './streams/subscription.js';
export { DEFAULT_STREAM_BACKOFF, type StreamBackoff } from './streams/connection.js';
export type { WebSocketLike, WebSocketInstance } from './streams/websocket-native.js';
export { getOrder, type GetOrderErrorType, type GetOrderParameters, type GetOrderReturnType } from './actions/getOrder.js';
export { getAccount, type GetAccountErrorType, type GetAccountParameters, type GetAccountReturnType } from './actions/getAccount.js';
export { getHealth, type GetHealthErrorType, type GetHealthParameters, type GetHealthReturnType } from './actions/getHealth.js';
export {
  buildOrder,
  DEFAULT_RESTING_EXPIRY_SECONDS,
  DEFAULT_TAKER_EXPIRY_SECONDS,
  type BuildOrderErrorType,
  type BuildOrderParameters,
  type BuildOrderReturnType,
  type SelfTradeModeName,
  type TimeInForceName,
} from './actions/buildOrder.js';
export { signOrder, type SignedOrder, type SignOrderErrorType, type SignOrderParameters, type SignOrderReturnType } from './actions/signOrder.js';
export { placeOrder, type PlaceOrderErrorType, type PlaceOrderParameters, type PlaceOrderReturnType } from './actions/placeOrder.js';
export {
  placeOrders,
  type PlaceOrdersErrorType,
  type PlaceOrdersParameters,
  type PlaceOrdersResult,
  type PlaceOrdersReturnType,
} from './actions/placeOrders.js';
export { freezeIfStalled, type FreezeIfStalledErrorType, type FreezeIfStalledParameters, type FreezeIfStalledReturnType } from './actions/freezeIfStalled.js';
export { exit, type ExitErrorType, type ExitParameters, type ExitReturnType } from './actions/exit.js';
export { claimPayout, type ClaimPayoutErrorType, type ClaimPayoutParameters, type ClaimPayoutReturnType } from './actions/claimPayout.js';
export { reclaimDeposit, type ReclaimDepositErrorType, type ReclaimDepositParameters, type ReclaimDepositReturnType } from './actions/reclaimDeposit.js';
export { cancelOrders, type CancelOrdersErrorType, type CancelOrdersParameters, type CancelOrdersReturnType } from './actions/cancelOrders.js';
export {
  placeMarketOrder,
  marketOrderLimit,
  DEFAULT_MARKET_SLIPPAGE_BPS,
  MAX_MARKET_SLIPPAGE_BPS,
  type PlaceMarketOrderErrorType,
  type PlaceMarketOrderParameters,
  type PlaceMarketOrderReturnType,
} from './actions/placeMarketOrder.js';
export {
  cancelByClientId,
  type CancelByClientIdErrorType,
  type CancelByClientIdParameters,
  type CancelByClientIdReturnType,
} from './actions/cancelByClientId.js';
export { cancelAll, type CancelAllErrorType, type CancelAllParameters, type CancelAllReturnType } from './actions/cancelAll.js';
export { setRiskPlan, type SetRiskPlanErrorType, type SetRiskPlanParameters, type SetRiskPlanReturnType } from './actions/setRiskPlan.js';
export { getRisk, type GetRiskErrorType, type GetRiskReturnType } from './actions/getRisk.js';
export { simulate, whatIf, type SimulateAction, type SimulateErrorType, type SimulateParameters, type SimulateReturnType } from './actions/simulate.js';
export {
  waitForOrder,
  DEFAULT_WAIT_TIMEOUT_MS,
  type WaitForOrderErrorType,
  type WaitForOrderParameters,
  type WaitForOrderReturnType,
} from './actions/waitForOrder.js';

// contract actions
export { deposit, type DepositErrorType, type DepositParameters, type DepositReturnType } from './actions/deposit.js';
export {
  requestWithdrawal,
  type RequestWithdrawalErrorType,
  type RequestWithdrawalParameters,
  type RequestWithdrawalReturnType,
} from './actions/requestWithdrawal.js';
export {
  getChainBalance,
  type GetChainBalanceErrorType,
  type GetChainBalanceParameters,
  type GetChainBalanceReturnType,
} from './actions/getChainBalance.js';
export { cancelUpTo, type CancelUpToErrorType, type CancelUpToParameters, type CancelUpToReturnType } from './actions/cancelUpTo.js';
export {
  cancelOrdersOnChain,
  type CancelOrdersOnChainErrorType,
  type CancelOrdersOnChainParameters,
  type CancelOrdersOnChainReturnType,
} from './actions/cancelOrdersOnChain.js';
export { setLinkedSigner, type SetLinkedSignerErrorType, type SetLinkedSignerParameters, type SetLinkedSignerReturnType } from './actions/setLinkedSigner.js';
export { liquidate, type LiquidateErrorType, type LiquidateParameters, type LiquidateReturnType } from './actions/liquidate.js';
export {
  mintTestTokens,
  type MintTestTokensErrorType,
  type MintTestTokensParameters,
  type MintTestTokensReturnType,
} from './actions/mintTestTokens.js';

// helpers
export { DEFAULT_SUBACCOUNT_NAME, domainOf, nonceAt, type MarketRef, type SubaccountRef } from './utils/deployment.js';
export { assertTypedData, type KestrelTypedData } from './utils/sign.js';
export { formatUnitsExact, parseUnitsExact } from './utils/units.js';
export type { AssetRef, ChainAsset } from './utils/chain.js';
export { endpointUrl, type EndpointName, type RequestOptions } from './utils/http.js';

// from @kestrel/core: the codes errors carry, the signed message types, subaccount ids, and the
// exact decimal form of X18 values (signed: the node's balances, sizes and healths can be negative)
export { ErrorCode, MAX_TAKER_LIFETIME, formatX18, makeSubaccount, parseX18, type Cancel, type CancelAll, type Eip712Domain, type Order } from '@kestrel/core';

// the node API (from @kestrel/api): its endpoints, message shapes and the signed messages' codecs
export {
  endpoints,
  MAX_BODY_BYTES,
  MAX_CANCEL_HASHES,
  MAX_ORDERS_PER_REQUEST,
  signatureFromWire,
  orderToWire,
  orderFromWire,
  cancelToWire,
  cancelFromWire,
  cancelAllToWire,
  cancelAllFromWire,
  riskPlanToWire,
  riskPlanFromWire,
  type AnswerOf,
  type BodyOf,
  type Endpoint,
  type OrderWire,
  type CancelWire,
  type CancelAllWire,
  type RiskPlanWire,
  type RiskPlanBody,
  type RiskPlanResponse,
  type PlaceOrderBody,
  type CancelBody,
  type PlaceOrderResponse,
  type PlaceOrdersBody,
  type PlaceOrderResult,
  type PlaceOrdersResponse,
  type CancelResponse,
  type OrderStatusName,
  type OrderStatusResponse,
  type AssetWire,
  type MarketWire,
  type MarketsResponse,
  type BookResponse,
  type BalanceWire,
  type OpenOrderWire,
  type PositionWire,
  type LendingWire,
  type GroupRiskWire,
  type HealthWire,
  type MarginCallWire,
  type AccountResponse,
  type RiskResponse,
  type InfoResponse,
  type LimitsWire,
  type HealthResponse,
  type BatchResponse,
  type ErrorBody,
  type Trade,
  type TradesResponse,
  type Fill,
  type FillsResponse,
  type OrderChange,
  type OrderHistoryResponse,
  type FundingPoint,
  type FundingHistoryResponse,
  DEFAULT_HISTORY_LIMIT,
  MAX_HISTORY_LIMIT,
  type BatchUpdate,
  type MarginCallMessage,
  type WsMessage,
  type WsRequest,
} from '@kestrel/api';
