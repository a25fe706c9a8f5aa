/** Binds every action to a client: `client.getBook(p)` is `getBook(client, p)`. */
import { buildOrder, type BuildOrderParameters, type BuildOrderReturnType } from './actions/buildOrder.js';
import { cancelAll, type CancelAllParameters, type CancelAllReturnType } from './actions/cancelAll.js';
import { cancelOrders, type CancelOrdersParameters, type CancelOrdersReturnType } from './actions/cancelOrders.js';
import { cancelUpTo, type CancelUpToParameters, type CancelUpToReturnType } from './actions/cancelUpTo.js';
import { deposit, type DepositParameters, type DepositReturnType } from './actions/deposit.js';
import { getAccount, type GetAccountParameters, type GetAccountReturnType } from './actions/getAccount.js';
import { getBook, type GetBookParameters, type GetBookReturnType } from './actions/getBook.js';
import { getChainBalance, type GetChainBalanceParameters, type GetChainBalanceReturnType } from './actions/getChainBalance.js';
import { getDomain, type GetDomainReturnType } from './actions/getDomain.js';
import { getHealth, type GetHealthReturnType } from './actions/getHealth.js';
import { getInfo, type GetInfoReturnType } from './actions/getInfo.js';
import { getMarkets, type GetMarketsReturnType } from './actions/getMarkets.js';
import { getOrder, type GetOrderParameters, type GetOrderReturnType } from './actions/getOrder.js';
import { mintTestTokens, type MintTestTokensParameters, type MintTestTokensReturnType } from './actions/mintTestTokens.js';
import { placeOrder, type PlaceOrderParameters, type PlaceOrderReturnType } from './actions/placeOrder.js';
import { requestWithdrawal, type RequestWithdrawalParameters, type RequestWithdrawalReturnType } from './actions/requestWithdrawal.js';
import { signOrder, type SignOrderParameters, type SignOrderReturnType } from './actions/signOrder.js';
import { waitForOrder, type WaitForOrderParameters, type WaitForOrderReturnType } from './actions/waitForOrder.js';
import type { KestrelBaseClient } from './client.js';

/** Every action, bound to a client. See each action's own documentation. */
export interface KestrelActions {
  getInfo(): Promise<GetInfoReturnType>;
  getMarkets(): Promise<GetMarketsReturnType>;
  getDomain(): Promise<GetDomainReturnType>;
  getBook(parameters: GetBookParameters): Promise<GetBookReturnType>;
  getOrder(parameters: GetOrderParameters): Promise<GetOrderReturnType>;
  getAccount(parameters?: GetAccountParameters): Promise<GetAccountReturnType>;
  getHealth(): Promise<GetHealthReturnType>;
  buildOrder(parameters: BuildOrderParameters): Promise<BuildOrderReturnType>;
  signOrder(parameters: SignOrderParameters): Promise<SignOrderReturnType>;
  placeOrder(parameters: PlaceOrderParameters): Promise<PlaceOrderReturnType>;
  cancelOrders(parameters: CancelOrdersParameters): Promise<CancelOrdersReturnType>;
  cancelAll(parameters?: CancelAllParameters): Promise<CancelAllReturnType>;
  waitForOrder(parameters: WaitForOrderParameters): Promise<WaitForOrderReturnType>;
  deposit(parameters: DepositParameters): Promise<DepositReturnType>;
  requestWithdrawal(parameters: RequestWithdrawalParameters): Promise<RequestWithdrawalReturnType>;
  getChainBalance(parameters: GetChainBalanceParameters): Promise<GetChainBalanceReturnType>;
  cancelUpTo(parameters: CancelUpToParameters): Promise<CancelUpToReturnType>;
  mintTestTokens(parameters: MintTestTokensParameters): Promise<MintTestTokensReturnType>;
}

/** The decorator `createKestrelClient` applies; use it with `extend` on a base client. */
export function kestrelActions(client: KestrelBaseClient): KestrelActions {
  return {
    getInfo: () => getInfo(client),
    getMarkets: () => getMarkets(client),
    getDomain: () => getDomain(client),
    getBook: (p) => getBook(client, p),
    getOrder: (p) => getOrder(client, p),
    getAccount: (p) => getAccount(client, p),
    getHealth: () => getHealth(client),
    buildOrder: (p) => buildOrder(client, p),
    signOrder: (p) => signOrder(client, p),
    placeOrder: (p) => placeOrder(client, p),
    cancelOrders: (p) => cancelOrders(client, p),
    cancelAll: (p) => cancelAll(client, p),
    waitForOrder: (p) => waitForOrder(client, p),
    deposit: (p) => deposit(client, p),
    requestWithdrawal: (p) => requestWithdrawal(client, p),
    getChainBalance: (p) => getChainBalance(client, p),
    cancelUpTo: (p) => cancelUpTo(client, p),
    mintTestTokens: (p) => mintTestTokens(client, p),
  };
}
