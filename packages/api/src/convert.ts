/**
 * Conversions between the core's types and their wire shapes, with every range checked on the
 * way in: a bad field is a KestrelError(MALFORMED) naming it.
 */
import {
  ErrorCode,
  KestrelError,
  formatX18,
  isHex,
  parseX18,
  UINT128_MAX,
  UINT32_MAX,
  UINT64_MAX,
  type Cancel,
  type CancelAll,
  type Hex,
  MAX_PLAN_MARKETS,
  type Order,
  type RiskPlan,
} from '@kestrel/core';
import { MAX_CANCEL_HASHES } from './limits.js';
import type { CancelAllWire, CancelWire, OrderWire, RiskPlanWire } from './shapes.js';

function malformed(field: string, why: string): KestrelError {
  return new KestrelError(ErrorCode.MALFORMED, `${field}: ${why}`, { field });
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function uintString(v: unknown, field: string, max: bigint): bigint {
  if (typeof v !== 'string' || !/^\d{1,40}$/.test(v)) throw malformed(field, 'expected a decimal integer string');
  const n = BigInt(v);
  if (n > max) throw malformed(field, 'out of range');
  return n;
}

function uintNumber(v: unknown, field: string, max: bigint): number {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0 || BigInt(v) > max) throw malformed(field, 'expected an unsigned integer');
  return v;
}

function decimalX18(v: unknown, field: string): bigint {
  if (typeof v !== 'string') throw malformed(field, 'expected a decimal string');
  let x: bigint;
  try {
    x = parseX18(v);
  } catch {
    throw malformed(field, 'expected a decimal string with at most 18 fractional digits');
  }
  if (x < 0n || x > UINT128_MAX) throw malformed(field, 'out of range');
  return x;
}

function bytes32(v: unknown, field: string): Hex {
  if (!isHex(v, 32)) throw malformed(field, 'expected 32 bytes of 0x hex');
  return v.toLowerCase() as Hex;
}

export function signatureFromWire(v: unknown): Hex {
  if (!isHex(v, 65)) throw malformed('signature', 'expected 65 bytes of 0x hex');
  return v.toLowerCase() as Hex;
}

export function orderToWire(order: Order): OrderWire {
  return {
    subaccount: order.subaccount,
    marketId: order.marketId,
    isBuy: order.isBuy,
    price: formatX18(order.price),
    amount: formatX18(order.amount),
    nonce: order.nonce.toString(),
    expiry: order.expiry.toString(),
    flags: order.flags,
    clientId: order.clientId.toString(),
  };
}

/** Parses and range-checks an order from JSON; throws KestrelError(MALFORMED) naming the field. */
export function orderFromWire(v: unknown): Order {
  if (!isRecord(v)) throw malformed('order', 'expected an object');
  if (typeof v.isBuy !== 'boolean') throw malformed('order.isBuy', 'expected a boolean');
  return {
    subaccount: bytes32(v.subaccount, 'order.subaccount'),
    marketId: uintNumber(v.marketId, 'order.marketId', UINT32_MAX),
    isBuy: v.isBuy,
    price: decimalX18(v.price, 'order.price'),
    amount: decimalX18(v.amount, 'order.amount'),
    nonce: uintString(v.nonce, 'order.nonce', UINT64_MAX),
    expiry: uintString(v.expiry, 'order.expiry', UINT64_MAX),
    flags: uintNumber(v.flags, 'order.flags', UINT32_MAX),
    clientId: uintString(v.clientId, 'order.clientId', UINT64_MAX),
  };
}

export function cancelToWire(c: Cancel): CancelWire {
  return { subaccount: c.subaccount, orderHashes: [...c.orderHashes], timestamp: c.timestamp.toString() };
}

export function cancelFromWire(v: unknown): Cancel {
  if (!isRecord(v)) throw malformed('cancel', 'expected an object');
  if (!Array.isArray(v.orderHashes)) throw malformed('cancel.orderHashes', 'expected an array');
  if (v.orderHashes.length === 0 || v.orderHashes.length > MAX_CANCEL_HASHES) {
    throw malformed('cancel.orderHashes', `expected 1 to ${MAX_CANCEL_HASHES} hashes`);
  }
  return {
    subaccount: bytes32(v.subaccount, 'cancel.subaccount'),
    orderHashes: v.orderHashes.map((h, i) => bytes32(h, `cancel.orderHashes[${i}]`)),
    timestamp: uintString(v.timestamp, 'cancel.timestamp', UINT64_MAX),
  };
}

export function cancelAllToWire(c: CancelAll): CancelAllWire {
  return { subaccount: c.subaccount, marketId: c.marketId, timestamp: c.timestamp.toString() };
}

export function cancelAllFromWire(v: unknown): CancelAll {
  if (!isRecord(v)) throw malformed('cancelAll', 'expected an object');
  return {
    subaccount: bytes32(v.subaccount, 'cancelAll.subaccount'),
    marketId: uintNumber(v.marketId, 'cancelAll.marketId', UINT32_MAX),
    timestamp: uintString(v.timestamp, 'cancelAll.timestamp', UINT64_MAX),
  };
}

export function riskPlanToWire(p: RiskPlan): RiskPlanWire {
  return {
    subaccount: p.subaccount,
    marketOrder: [...p.marketOrder],
    maxSlippageBps: p.maxSlippageBps,
    graceSeconds: p.graceSeconds,
    nonce: p.nonce.toString(),
  };
}

/** Parses and range-checks a risk plan from JSON; throws KestrelError(MALFORMED) naming the field. */
export function riskPlanFromWire(v: unknown): RiskPlan {
  if (!isRecord(v)) throw malformed('plan', 'expected an object');
  if (!Array.isArray(v.marketOrder) || v.marketOrder.length > MAX_PLAN_MARKETS)
    throw malformed('plan.marketOrder', `expected at most ${MAX_PLAN_MARKETS} market ids`);
  return {
    subaccount: bytes32(v.subaccount, 'plan.subaccount'),
    marketOrder: v.marketOrder.map((id, i) => uintNumber(id, `plan.marketOrder[${i}]`, UINT32_MAX)),
    maxSlippageBps: uintNumber(v.maxSlippageBps, 'plan.maxSlippageBps', 0xffffn),
    graceSeconds: uintNumber(v.graceSeconds, 'plan.graceSeconds', UINT32_MAX),
    nonce: uintString(v.nonce, 'plan.nonce', UINT64_MAX),
  };
}
