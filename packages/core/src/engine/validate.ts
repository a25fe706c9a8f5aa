/**
 * Order validation before acceptance. Checks run in this order and the first failure wins:
 *
 * | # | check | code |
 * |---|---|---|
 * | 1 | hash and fields well-formed: 32-byte hashes, uint32 marketId and flags, boolean side, uint64 nonce/expiry/clientId, non-negative price and amount | MALFORMED (not recorded) |
 * | 2 | hash never seen before, whatever became of it | DUPLICATE_ORDER (not recorded again) |
 * | 3 | market listed | UNKNOWN_MARKET |
 * | 3b | not the insurance fund's subaccount (it never trades) | PROTECTED_ACCOUNT |
 * | 4 | flags decode | INVALID_FLAGS |
 * | 5 | order type supported: reduce-only on perps only | UNSUPPORTED_ORDER_TYPE |
 * | 6 | 0 < price ≤ uint128 and price/tickSize ≤ {@link MAX_TICKS} | PRICE_OUT_OF_RANGE (not recorded above uint128) |
 * | 7 | price on tick | OFF_TICK |
 * | 8 | amount ≤ uint128 and amount/lotSize ≤ {@link MAX_LOTS} | SIZE_TOO_LARGE (not recorded above uint128) |
 * | 9 | amount on lot | OFF_LOT |
 * | 10 | amount > 0 and ≥ minSize | BELOW_MIN_SIZE |
 * | 11 | nonce ≥ the subaccount's minNonce, and no order of the subaccount with this nonce filled | NONCE_USED |
 * | 12 | not expired: expiry = 0 or now < expiry | EXPIRED |
 * | 12b | an IOC or FOK order expires, at most {@link MAX_TAKER_LIFETIME} after now | TAKER_EXPIRY |
 * | 13 | reduce-only: the position is on the other side (a buy needs a short, a sell a long) | REDUCE_ONLY_WOULD_INCREASE |
 * | 14 | a GTC or POST_ONLY (an order that may rest) finds the subaccount below its open-order cap, and its owner below the owner's | TOO_MANY_OPEN_ORDERS |
 *
 * The engine then judges an order that may rest against its account's margin (order-margin.ts):
 * too many markets of one risk group (TOO_MANY_OPEN_ORDERS), and an order that would rest whole
 * without trading which the account cannot back (INSUFFICIENT_MARGIN, or INSUFFICIENT_BALANCE
 * without risk parameters).
 *
 * Replays are answered DUPLICATE_ORDER before anything else, so a replayed order never changes
 * the recorded status of the original.
 */
import { ErrorCode } from '../codes.js';
import type { Order } from '../eip712.js';
import { decodeFlags, MAX_TAKER_LIFETIME, TimeInForce, type OrderFlags } from '../flags.js';
import type { Hex } from '../hex.js';
import { isHex32, isHex32Again } from './hex-inputs.js';
import { UINT128_MAX, UINT32_MAX, UINT64_MAX } from '../x18.js';
import type { EngineState, MarketState } from './state.js';

/** Largest price in ticks the book represents exactly (2^53 − 1). */
export const MAX_TICKS = Number.MAX_SAFE_INTEGER;
/** Largest amount in lots the book represents exactly (2^53 − 1). */
export const MAX_LOTS = Number.MAX_SAFE_INTEGER;

const MAX_TICKS_N = BigInt(MAX_TICKS);
const MAX_LOTS_N = BigInt(MAX_LOTS);

export type OrderCheck =
  | { ok: true; market: MarketState; flags: OrderFlags; tick: number; lots: number }
  /** `record`: whether the rejection is recorded under the hash (false for malformed input and replays) */
  | { ok: false; code: ErrorCode; record: boolean };

/** the decoded flags of every small value, made once (null: invalid) */
const FLAGS: ReadonlyArray<OrderFlags | null> = Array.from({ length: 64 }, (_, f) => {
  const d = decodeFlags(f);
  return d === null ? null : Object.freeze(d);
});

const fail = (code: ErrorCode, record = true): OrderCheck => ({ ok: false, code, record });

/** uint32's largest value as a float, converted once rather than on every order */
const U32_MAX = Number(UINT32_MAX);

const isU64 = (v: unknown): boolean => typeof v === 'bigint' && v >= 0n && v <= UINT64_MAX;

/** Structural checks on untrusted input (check 1). */
export function isWellFormed(hash: unknown, order: Order, hashChecked = false): boolean {
  return (
    (hashChecked || isHex32(hash)) &&
    typeof order === 'object' &&
    order !== null &&
    isHex32Again(order.subaccount) &&
    Number.isInteger(order.marketId) &&
    order.marketId >= 0 &&
    order.marketId <= U32_MAX &&
    typeof order.isBuy === 'boolean' &&
    typeof order.price === 'bigint' &&
    order.price >= 0n &&
    typeof order.amount === 'bigint' &&
    order.amount >= 0n &&
    isU64(order.nonce) &&
    isU64(order.expiry) &&
    isU64(order.clientId) &&
    Number.isInteger(order.flags) &&
    order.flags >= 0 &&
    order.flags <= U32_MAX
  );
}

/**
 * Runs checks 1–14 for an order with lower-cased `hash` and `order.subaccount`, as of `now`
 * (the batch's time; a node admitting an order judges it at its own clock).
 */
export function checkOrder(s: EngineState, hash: Hex, order: Order, now: bigint = s.now, hashChecked = false): OrderCheck {
  if (!isWellFormed(hash, order, hashChecked)) return fail(ErrorCode.MALFORMED, false);
  if (s.knowsOrder(hash)) return fail(ErrorCode.DUPLICATE_ORDER, false);
  const market = s.markets.get(order.marketId);
  if (market === undefined || market.config.active === false) return fail(ErrorCode.UNKNOWN_MARKET);
  if (order.subaccount === s.insuranceAccount.subaccount) return fail(ErrorCode.PROTECTED_ACCOUNT);
  const flags = order.flags >= 0 && order.flags < FLAGS.length ? FLAGS[order.flags]! : decodeFlags(order.flags);
  if (flags === null) return fail(ErrorCode.INVALID_FLAGS);
  const m = market.config;
  if (flags.reduceOnly && m.kind !== 'PERP') return fail(ErrorCode.UNSUPPORTED_ORDER_TYPE);
  // beyond uint128 the order cannot be a signed Order at all: answered, but not recorded
  if (order.price > UINT128_MAX) return fail(ErrorCode.PRICE_OUT_OF_RANGE, false);
  const ticks = order.price / m.tickSize;
  if (order.price === 0n || ticks > MAX_TICKS_N) return fail(ErrorCode.PRICE_OUT_OF_RANGE);
  if (ticks * m.tickSize !== order.price) return fail(ErrorCode.OFF_TICK);
  if (order.amount > UINT128_MAX) return fail(ErrorCode.SIZE_TOO_LARGE, false);
  const lots = order.amount / m.lotSize;
  if (lots > MAX_LOTS_N) return fail(ErrorCode.SIZE_TOO_LARGE);
  if (lots * m.lotSize !== order.amount) return fail(ErrorCode.OFF_LOT);
  if (order.amount === 0n || order.amount < m.minSize) return fail(ErrorCode.BELOW_MIN_SIZE);
  if (order.nonce < s.minNonce(order.subaccount) || s.nonceSpent(order.subaccount, order.nonce)) return fail(ErrorCode.NONCE_USED);
  if (order.expiry !== 0n && now >= order.expiry) return fail(ErrorCode.EXPIRED);
  const taker = flags.timeInForce === TimeInForce.IOC || flags.timeInForce === TimeInForce.FOK;
  if (taker && (order.expiry === 0n || order.expiry > now + MAX_TAKER_LIFETIME)) return fail(ErrorCode.TAKER_EXPIRY);
  if (flags.reduceOnly) {
    const pos = s.accounts.positionOf(order.subaccount, order.marketId)?.size ?? 0n;
    if (order.isBuy ? pos >= 0n : pos <= 0n) return fail(ErrorCode.REDUCE_ONLY_WOULD_INCREASE);
  }
  const mayRest = flags.timeInForce === TimeInForce.GTC || flags.timeInForce === TimeInForce.POST_ONLY;
  if (mayRest && (s.openCount(order.subaccount) >= s.maxOpenOrders || s.openCountOfOwner(order.subaccount) >= s.maxOpenOrdersPerOwner)) {
    return fail(ErrorCode.TOO_MANY_OPEN_ORDERS);
  }
  return { ok: true, market, flags, tick: Number(ticks), lots: Number(lots) };
}
