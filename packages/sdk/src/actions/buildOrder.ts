import { ErrorCode, MAX_TAKER_LIFETIME, SelfTradeMode, TimeInForce, UINT128_MAX, UINT64_MAX, encodeFlags, parseX18, type Hex, type Order } from '@kestrel/core';
import type { MarketWire } from '@kestrel/api';
import type { KestrelBaseClient } from '../client.js';
import { KestrelSdkError, SdkErrorCode, type KestrelApiError } from '../errors.js';
import { nextNonce, nowSeconds, resolveMarket, resolveSubaccount, type MarketRef, type SubaccountRef } from '../utils/deployment.js';
import { parseDecimalX18, toUint } from '../utils/units.js';

export type TimeInForceName = keyof typeof TimeInForce;
export type SelfTradeModeName = keyof typeof SelfTradeMode;

export type BuildOrderParameters = MarketRef &
  SubaccountRef & {
    side: 'buy' | 'sell';
    /** limit price in quote per base, human units: `'1850.25'` */
    price: string;
    /** base amount, human units: `'1.5'` */
    amount: string;
    /** default `'GTC'`; a market order is `'IOC'` with a worst acceptable price */
    timeInForce?: TimeInForceName | undefined;
    /** what happens when the order would trade with its owner's own resting order; default `'CANCEL_MAKER'` */
    selfTrade?: SelfTradeModeName | undefined;
    /** perps only: never increase the position */
    reduceOnly?: boolean | undefined;
    /** your own id (uint64), echoed in every event; default 0 */
    clientId?: bigint | number | string | undefined;
    /** uint64; default: strictly increasing, derived from the client's ms clock */
    nonce?: bigint | undefined;
    /**
     * unix seconds; default {@link DEFAULT_RESTING_EXPIRY_SECONDS} from now for GTC and
     * POST_ONLY (0: never — an order forgotten by its owner rests until cancelled), and
     * {@link DEFAULT_TAKER_EXPIRY_SECONDS} from now for IOC and FOK, which the chain requires to
     * expire within {@link MAX_TAKER_LIFETIME} seconds of the batch that trades them
     */
    expiry?: bigint | number | undefined;
  };

/**
 * An IOC or FOK order's default expiry, seconds from now: long enough to reach the sequencer, well
 * inside the chain's {@link MAX_TAKER_LIFETIME}.
 */
export const DEFAULT_TAKER_EXPIRY_SECONDS = 30n;

/**
 * A GTC or POST_ONLY order's default expiry, seconds from now (30 days): a quote its owner forgot —
 * a crashed bot, a lost key — stops resting by itself. Give `expiry: 0` for an order that rests
 * until cancelled.
 */
export const DEFAULT_RESTING_EXPIRY_SECONDS = 30n * 86_400n;

/** The order as it will be signed: X18 integers, flags encoded. */
export type BuildOrderReturnType = Order;
export type BuildOrderErrorType = KestrelSdkError | KestrelApiError;

/**
 * Builds an order from human-unit decimal strings, exactly (no rounding), and checks it against
 * the market before anything is signed: `OFF_TICK`, `OFF_LOT`, `BELOW_MIN_SIZE`,
 * `UNKNOWN_MARKET`, `PRICE_OUT_OF_RANGE`, `SIZE_TOO_LARGE`, `TOO_MANY_DECIMALS`,
 * `INVALID_FLAGS`, `UNSUPPORTED_ORDER_TYPE` (reduce-only on a spot market), `EXPIRED`,
 * `TAKER_EXPIRY` (an IOC or FOK order expiring never, or more than {@link MAX_TAKER_LIFETIME}
 * seconds from now) or `MALFORMED`, each with the offending values in `details`. The node makes the same checks; doing
 * them here names the problem before anything is signed.
 *
 * @example
 * ```ts
 * const order = await client.buildOrder({
 *   symbol: 'WETH/USDC', side: 'buy', price: '1850.25', amount: '1.5', timeInForce: 'POST_ONLY',
 * });
 * order.price; // 1850250000000000000000n
 * ```
 */
export async function buildOrder(client: KestrelBaseClient, parameters: BuildOrderParameters): Promise<BuildOrderReturnType> {
  const market = await resolveMarket(client, parameters);
  const subaccount = resolveSubaccount(client, parameters, 'buildOrder');
  return buildOrderFor(client, market, subaccount, parameters);
}

function fail(code: string, message: string, details: Record<string, unknown>): never {
  throw new KestrelSdkError(code, message, { details });
}

function marketStep(market: MarketWire, field: 'tickSize' | 'lotSize' | 'minSize'): bigint {
  let v: bigint;
  try {
    v = parseX18(market[field]);
  } catch (cause) {
    throw new KestrelSdkError(SdkErrorCode.INVALID_RESPONSE, `market ${market.marketId} has an unreadable ${field}`, {
      details: { marketId: market.marketId, [field]: market[field] },
      cause,
    });
  }
  if (v < 0n || (v === 0n && field !== 'minSize')) {
    fail(SdkErrorCode.INVALID_RESPONSE, `market ${market.marketId} has ${field} ${market[field]}`, { marketId: market.marketId, [field]: market[field] });
  }
  return v;
}

/** The checks of `buildOrder` once the market and subaccount are known. */
function buildOrderFor(client: KestrelBaseClient, market: MarketWire, subaccount: Hex, p: BuildOrderParameters): Order {
  if (p.side !== 'buy' && p.side !== 'sell') fail(ErrorCode.MALFORMED, `side must be 'buy' or 'sell'`, { side: p.side });
  const price = parseDecimalX18(p.price, 'price');
  const amount = parseDecimalX18(p.amount, 'amount');
  const tickSize = marketStep(market, 'tickSize');
  const lotSize = marketStep(market, 'lotSize');
  const minSize = marketStep(market, 'minSize');
  const ctx = { marketId: market.marketId, symbol: market.symbol };

  if (price <= 0n || price > UINT128_MAX) {
    fail(ErrorCode.PRICE_OUT_OF_RANGE, `price ${p.price} must be greater than 0 and fit in uint128`, { ...ctx, price: p.price });
  }
  if (price % tickSize !== 0n) {
    fail(ErrorCode.OFF_TICK, `price ${p.price} is not a multiple of the tick size ${market.tickSize} of ${market.symbol}`, {
      ...ctx,
      price: p.price,
      tickSize: market.tickSize,
    });
  }
  if (amount < 0n) fail(ErrorCode.MALFORMED, `amount ${p.amount} must not be negative; the side says which way`, { ...ctx, amount: p.amount });
  if (amount > UINT128_MAX) fail(ErrorCode.SIZE_TOO_LARGE, `amount ${p.amount} does not fit in uint128`, { ...ctx, amount: p.amount });
  if (amount % lotSize !== 0n) {
    fail(ErrorCode.OFF_LOT, `amount ${p.amount} is not a multiple of the lot size ${market.lotSize} of ${market.symbol}`, {
      ...ctx,
      amount: p.amount,
      lotSize: market.lotSize,
    });
  }
  if (amount === 0n || amount < minSize) {
    fail(ErrorCode.BELOW_MIN_SIZE, `amount ${p.amount} is below the minimum size ${market.minSize} of ${market.symbol}`, {
      ...ctx,
      amount: p.amount,
      minSize: market.minSize,
    });
  }

  const tif = p.timeInForce ?? 'GTC';
  if (!Object.hasOwn(TimeInForce, tif))
    fail(ErrorCode.INVALID_FLAGS, `timeInForce must be one of ${Object.keys(TimeInForce).join(', ')}`, { timeInForce: tif });
  const stp = p.selfTrade ?? 'CANCEL_MAKER';
  if (!Object.hasOwn(SelfTradeMode, stp))
    fail(ErrorCode.INVALID_FLAGS, `selfTrade must be one of ${Object.keys(SelfTradeMode).join(', ')}`, { selfTrade: stp });
  if (p.reduceOnly && market.kind !== 'PERP') {
    fail(ErrorCode.UNSUPPORTED_ORDER_TYPE, `reduceOnly applies to perpetual markets only; ${market.symbol} is ${market.kind}`, { ...ctx, kind: market.kind });
  }

  const now = nowSeconds(client);
  const taker = tif === 'IOC' || tif === 'FOK';
  const expiry =
    p.expiry === undefined ? now + (taker ? DEFAULT_TAKER_EXPIRY_SECONDS : DEFAULT_RESTING_EXPIRY_SECONDS) : toUint(p.expiry, 'expiry', UINT64_MAX);
  if (expiry !== 0n && expiry <= now) {
    fail(ErrorCode.EXPIRED, `expiry ${expiry} is not in the future (unix seconds)`, { expiry: expiry.toString(), now: now.toString() });
  }
  if (taker && (expiry === 0n || expiry > now + MAX_TAKER_LIFETIME)) {
    fail(ErrorCode.TAKER_EXPIRY, `an ${tif} order must expire within ${MAX_TAKER_LIFETIME} s (unix seconds; got ${expiry})`, {
      expiry: expiry.toString(),
      now: now.toString(),
    });
  }

  return {
    subaccount,
    marketId: market.marketId,
    isBuy: p.side === 'buy',
    price,
    amount,
    nonce: p.nonce === undefined ? nextNonce(client) : toUint(p.nonce, 'nonce', UINT64_MAX),
    expiry,
    flags: encodeFlags({ timeInForce: TimeInForce[tif], reduceOnly: p.reduceOnly === true, selfTrade: SelfTradeMode[stp] }),
    clientId: p.clientId === undefined ? 0n : toUint(p.clientId, 'clientId', UINT64_MAX),
  };
}
