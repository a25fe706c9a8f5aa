/**
 * Every endpoint of the node API v1 (spec: API), bound once to its method, path, body and
 * answer types: the SDK's client calls `endpoints.placeOrder` and the node's server answers it,
 * so the two cannot disagree on a shape.
 */
import type {
  AccountResponse,
  BatchResponse,
  BookResponse,
  CancelBody,
  CancelResponse,
  HealthResponse,
  InfoResponse,
  MarketsResponse,
  OrderStatusResponse,
  PlaceOrderBody,
  PlaceOrderResponse,
  PlaceOrdersBody,
  PlaceOrdersResponse,
  RiskPlanBody,
  RiskPlanResponse,
  RiskResponse,
} from './messages.js';
import type { FillsResponse, FundingHistoryResponse, OrderHistoryResponse, TradesResponse } from './history.js';

/** An endpoint: its method and path, and (as types only) the body it takes and the answer it gives. */
export interface Endpoint<Method extends 'GET' | 'POST', Path extends string, Body, Answer> {
  readonly method: Method;
  readonly path: Path;
  /** never set: carries the body and answer types for `BodyOf` and `AnswerOf` */
  readonly types?: { body: Body; answer: Answer };
}

const get =
  <Answer>() =>
  <Path extends string>(path: Path): Endpoint<'GET', Path, undefined, Answer> => ({ method: 'GET', path });
const post =
  <Body, Answer>() =>
  <Path extends string>(path: Path): Endpoint<'POST', Path, Body, Answer> => ({ method: 'POST', path });

export const endpoints = {
  info: get<InfoResponse>()('/v1/info'),
  markets: get<MarketsResponse>()('/v1/markets'),
  book: get<BookResponse>()('/v1/markets/:marketId/book'),
  trades: get<TradesResponse>()('/v1/markets/:marketId/trades'),
  funding: get<FundingHistoryResponse>()('/v1/markets/:marketId/funding'),
  placeOrder: post<PlaceOrderBody, PlaceOrderResponse>()('/v1/orders'),
  placeOrders: post<PlaceOrdersBody, PlaceOrdersResponse>()('/v1/orders/batch'),
  order: get<OrderStatusResponse>()('/v1/orders/:orderHash'),
  cancel: post<CancelBody, CancelResponse>()('/v1/cancels'),
  riskPlan: post<RiskPlanBody, RiskPlanResponse>()('/v1/risk-plans'),
  risk: get<RiskResponse>()('/v1/risk'),
  account: get<AccountResponse>()('/v1/accounts/:subaccount'),
  fills: get<FillsResponse>()('/v1/accounts/:subaccount/fills'),
  orderHistory: get<OrderHistoryResponse>()('/v1/accounts/:subaccount/orders'),
  batch: get<BatchResponse>()('/v1/batches/:batchId'),
  health: get<HealthResponse>()('/health'),
} as const;

export type Endpoints = typeof endpoints;
export type EndpointName = keyof Endpoints;
/** The body an endpoint takes (undefined for a GET). */
export type BodyOf<E> = E extends Endpoint<'GET' | 'POST', string, infer B, unknown> ? B : never;
/** The answer an endpoint gives. */
export type AnswerOf<E> = E extends Endpoint<'GET' | 'POST', string, unknown, infer A> ? A : never;
/** The names of a path's parameters: `'/v1/orders/:orderHash'` → `'orderHash'`. */
export type ParamsOf<Path extends string> = Path extends `${string}:${infer P}/${infer Rest}`
  ? P | ParamsOf<`/${Rest}`>
  : Path extends `${string}:${infer P}`
    ? P
    : never;

/** The path with its parameters filled in (each URI-encoded). */
export function pathOf<Path extends string>(path: Path, params: Record<ParamsOf<Path>, string | number | bigint>): string {
  return path.replace(/:([A-Za-z]+)/g, (_m, key: string) => {
    const value = (params as Record<string, string | number | bigint | undefined>)[key];
    if (value === undefined) throw new TypeError(`missing path parameter ${key} for ${path}`);
    return encodeURIComponent(String(value));
  });
}
