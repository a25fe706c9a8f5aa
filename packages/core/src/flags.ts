/** Order flag bits (spec/orders.md): bits 0–1 time in force, bit 2 reduce-only, bits 3–4 self-trade mode. */

export const TimeInForce = { GTC: 0, IOC: 1, FOK: 2, POST_ONLY: 3 } as const;
export type TimeInForce = (typeof TimeInForce)[keyof typeof TimeInForce];

/** Self-trade prevention, decided by the taker's flags. */
export const SelfTradeMode = { CANCEL_MAKER: 0, CANCEL_TAKER: 1, CANCEL_BOTH: 2 } as const;
export type SelfTradeMode = (typeof SelfTradeMode)[keyof typeof SelfTradeMode];

export interface OrderFlags {
  timeInForce: TimeInForce;
  reduceOnly: boolean;
  selfTrade: SelfTradeMode;
}

const KNOWN_BITS = 0b11111;

/**
 * An IOC or FOK order must carry an expiry at most this many seconds after the batch that trades
 * it (the Exchange's MAX_TAKER_LIFETIME): it trades in one batch only, and an operator cannot hold
 * it back for long before that batch.
 */
export const MAX_TAKER_LIFETIME = 120n;

export function encodeFlags(f: Partial<OrderFlags> = {}): number {
  return (f.timeInForce ?? 0) | ((f.reduceOnly ? 1 : 0) << 2) | ((f.selfTrade ?? 0) << 3);
}

/** Decodes flags; returns null when unknown bits are set or the self-trade mode is 3. */
export function decodeFlags(flags: number): OrderFlags | null {
  if (!Number.isInteger(flags) || flags < 0 || (flags & ~KNOWN_BITS) !== 0) return null;
  const selfTrade = (flags >> 3) & 3;
  if (selfTrade === 3) return null;
  return {
    timeInForce: (flags & 3) as TimeInForce,
    reduceOnly: (flags & 4) !== 0,
    selfTrade: selfTrade as SelfTradeMode,
  };
}

/**
 * The flags of a plan order, the protocol's own order for a flagged account: IOC, reduce-only on
 * a perp (spec: de-risking). The engine sends it and the contract checks it with these.
 */
export function planOrderFlags(perp: boolean): number {
  return encodeFlags({ timeInForce: TimeInForce.IOC, reduceOnly: perp });
}
